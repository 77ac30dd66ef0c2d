//! The expansion of `#[ml_test]`: the user's fn stays a libtest test with its own name; its body
//! runs inside the test context; a registry entry is submitted beside it.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::{ItemFn, ReturnType};

use super::attr::{self, TestArgs};
use crate::diag::Errors;
use crate::mock_model::{self, Overrides};
use crate::test_fn;
use crate::tiers::{self, TIERS_VAR, TierSelection};

/// Entry point: reads `ML_TEST_TIERS` and expands.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_with(args, item, TierSelection::from_env())
}

pub(crate) fn expand_with(
    args: TokenStream,
    item: TokenStream,
    selection: Result<TierSelection, String>,
) -> TokenStream {
    let mut errors = Errors::default();
    let written_args = args.clone();
    let args = attr::parse(args, &mut errors);
    let Some(mut function) = test_fn::parse(item.clone(), "ml_test", &mut errors) else {
        return fallback(&errors, item);
    };
    if errors.is_empty()
        && let Some(handover) = hand_over_to_overfit_check(&function, written_args)
    {
        return handover;
    }
    let mut overrides = Overrides::default();
    if let Some((_, span)) = mock_model::gather(&mut function, &mut overrides, &mut errors) {
        errors.at(
            span,
            "#[ml_test] is given twice; a test has one tier and one set of options",
        );
    }
    finish_expansion(
        &args, function, &overrides, "ml_test", selection, errors, item,
    )
}

/// The common end of every test attribute's expansion: check the fn against the gathered
/// attributes, then generate the test, or re-emit the item beside the errors.
pub(crate) fn finish_expansion(
    args: &TestArgs,
    function: ItemFn,
    overrides: &Overrides,
    attribute: &str,
    selection: Result<TierSelection, String>,
    mut errors: Errors,
    item: TokenStream,
) -> TokenStream {
    overrides.check(&mut errors);
    test_fn::check_signature(&function, attribute, overrides.mocks.len(), &mut errors);
    let selection = selection
        .map_err(|message| errors.at(Span::call_site(), message))
        .ok();
    match selection {
        Some(selection) if errors.is_empty() => {
            generate(args, function, &selection, "Test", overrides)
        }
        _ => fallback(&errors, item),
    }
}

/// On any error the item is emitted as written, so the rest of the crate still type-checks and
/// the editor keeps working; the errors point at the tokens.
pub(crate) fn fallback(errors: &Errors, item: TokenStream) -> TokenStream {
    let errors = errors.to_compile_errors();
    let tracking = track_tiers_var();
    quote! { #errors #tracking #[allow(dead_code)] #item }
}

/// `#[ml_test(...)]` above `#[overfit_check]`: the check group owns the expansion, so re-emit
/// the fn with `#[overfit_check]` first and this attribute below it, where it reads the tier.
fn hand_over_to_overfit_check(function: &ItemFn, args: TokenStream) -> Option<TokenStream> {
    let position = function
        .attrs
        .iter()
        .position(|attr| test_fn::is_attribute(attr, "overfit_check"))?;
    // Re-emitted by absolute path: written bare and not imported, the name would not resolve,
    // and rustc would expand this attribute again, handing over forever.
    let overfit_args = test_fn::attribute_args(&function.attrs[position]);
    let others = function
        .attrs
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != position)
        .map(|(_, attr)| attr);
    let ItemFn {
        vis, sig, block, ..
    } = function;
    Some(quote! {
        #[::ml_test::overfit_check(#overfit_args)]
        #[::ml_test::ml_test(#args)]
        #(#others)*
        #vis #sig #block
    })
}

/// Makes rustc record `ML_TEST_TIERS` in the crate's dep-info, so cargo rebuilds the test crate
/// when the variable changes (proc macros cannot declare that themselves on stable).
pub(crate) fn track_tiers_var() -> TokenStream {
    quote! {
        const _: ::core::option::Option<&str> = ::core::option_env!(#TIERS_VAR);
    }
}

/// The test fn and its registry entry. `kind` names the `TestKind` variant to register.
pub(crate) fn generate(
    args: &TestArgs,
    function: ItemFn,
    selection: &TierSelection,
    kind: &str,
    overrides: &Overrides,
) -> TokenStream {
    let ItemFn {
        attrs,
        vis,
        mut sig,
        block,
    } = function;
    let tier = args.tier();
    let ignore_reason = selection.ignore_reason(tier);

    let test_attr =
        (!test_fn::has_test_attribute(&attrs)).then(|| quote!(#[::core::prelude::v1::test]));
    let ignore_attr = ignore_reason
        .as_ref()
        .filter(|_| !test_fn::has_ignore_attribute(&attrs))
        .map(|reason| quote!(#[ignore = #reason]));

    let entry = entry_tokens(args, &sig.ident, ignore_reason.as_deref(), kind);
    let entry_ident = format_ident!("__ML_TEST_ENTRY", span = Span::mixed_site());
    let body_ident = format_ident!("__ml_test_body", span = Span::mixed_site());
    let output = sig.output.to_token_stream();
    let is_async = sig.asyncness.is_some();

    // The user's body becomes a nested fn with the same return type, so `return` and `?` keep
    // their meaning, and the runner can call it (or move it to a timeout thread). Mock handles
    // become its parameters; the test itself takes none.
    let handles = std::mem::take(&mut sig.inputs);
    let inner = quote!(fn #body_ident(#handles) #output #block);
    let inner = if is_async {
        quote!(async #inner)
    } else {
        inner
    };
    let body_call = if overrides.is_empty() {
        quote!(#body_ident)
    } else {
        let scope = format_ident!("__ml_test_scope", span = Span::mixed_site());
        let install = mock_model::install_tokens(overrides, &scope);
        let arguments = (0..handles.len()).map(|i| quote!(#scope.handle(#i)));
        let returned = format_ident!("__ml_test_returned", span = Span::mixed_site());
        if is_async {
            quote!(async {
                #install
                let #returned = #body_ident(#(#arguments),*).await;
                #scope.finish(#returned)
            })
        } else {
            quote!(|| {
                #install
                let #returned = #body_ident(#(#arguments),*);
                #scope.finish(#returned)
            })
        }
    };
    let call = if is_async {
        let future = if overrides.is_empty() {
            quote!(#body_ident())
        } else {
            body_call
        };
        if args.seeds.is_some() {
            // Each run of the sweep needs a fresh future: a closure makes them. The sweep
            // reports its failures itself, so the test returns `()`.
            sig.output = ReturnType::Default;
            quote!(::ml_test::__private::run_async_seeds(&#entry_ident, || #future).await)
        } else {
            quote!(::ml_test::__private::run_async(&#entry_ident, #future).await)
        }
    } else if args.seeds.is_some() || args.timeout.is_some() {
        // A sweep, or a body on a worker thread (a timeout, which sweeps there if asked),
        // reports its failures itself, so the test returns `()`.
        sig.output = ReturnType::Default;
        if args.timeout.is_some() {
            quote!(::ml_test::__private::run_with_timeout(&#entry_ident, #body_call))
        } else {
            quote!(::ml_test::__private::run_seeds(&#entry_ident, #body_call))
        }
    } else {
        quote!(::ml_test::__private::run(&#entry_ident, #body_call))
    };
    let tracking = track_tiers_var();
    let loader_checks = mock_model::loader_checks(overrides);

    quote! {
        #(#attrs)*
        #test_attr
        #ignore_attr
        #vis #sig {
            static #entry_ident: ::ml_test::__private::TestEntry = #entry;
            #inner
            #call
        }

        const _: () = {
            #tracking
            #loader_checks
            ::ml_test::__private::inventory::submit! { #entry }
        };
    }
}

/// The `TestEntry` literal, written once per place it is needed (the fn's static and the
/// registry submission).
fn entry_tokens(
    args: &TestArgs,
    name: &syn::Ident,
    ignore_reason: Option<&str>,
    kind: &str,
) -> TokenStream {
    let kind = syn::Ident::new(kind, Span::call_site());
    let path = format!("::{name}");
    let tier = tiers::variant(args.tier());
    let seed = match args.seed {
        Some(seed) => quote!(::core::option::Option::Some(#seed)),
        None if args.seed_from_module => {
            quote!(::core::option::Option::Some(
                ::ml_test::__private::seed_from_name(::core::module_path!())
            ))
        }
        None => quote!(::core::option::Option::None),
    };
    let timeout = match &args.timeout {
        Some((written, duration)) => {
            let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
            quote!(::core::option::Option::Some((#written, ::ml_test::__private::Duration::from_nanos(#nanos))))
        }
        None => quote!(::core::option::Option::None),
    };
    let ignored = match ignore_reason {
        Some(reason) => quote!(::core::option::Option::Some(#reason)),
        None => quote!(::core::option::Option::None),
    };
    let seeds = match args.seeds {
        Some(seeds) => quote!(::core::option::Option::Some(#seeds)),
        None => quote!(::core::option::Option::None),
    };
    let exclusive = args.exclusive;
    // `line!()` spanned at the fn name reports the line of the fn, not of the attribute.
    let line = quote_spanned!(name.span()=> ::core::line!());
    quote! {
        ::ml_test::__private::TestEntry {
            path: ::core::concat!(::core::module_path!(), #path),
            tier: ::ml_test::__private::Tier::#tier,
            seed: #seed,
            timeout: #timeout,
            seeds: #seeds,
            exclusive: #exclusive,
            ignored: #ignored,
            file: ::core::file!(),
            line: #line,
            kind: ::ml_test::__private::TestKind::#kind,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(args: &str, item: &str, tiers: Option<&str>) -> syn::File {
        let output = expand_with(
            args.parse().unwrap(),
            item.parse().unwrap(),
            TierSelection::parse(tiers),
        );
        syn::parse2(output).expect("the expansion parses as items")
    }

    fn test_fn(file: &syn::File) -> &ItemFn {
        file.items
            .iter()
            .find_map(|item| match item {
                syn::Item::Fn(function) => Some(function),
                _ => None,
            })
            .expect("the user's fn is emitted")
    }

    fn attrs(function: &ItemFn) -> Vec<String> {
        function
            .attrs
            .iter()
            .map(|attr| attr.to_token_stream().to_string())
            .collect()
    }

    #[test]
    fn a_selected_tier_is_a_plain_test_with_the_users_name() {
        let file = expand_str("integration", "fn predicts() { assert!(true); }", None);
        let function = test_fn(&file);
        assert_eq!(function.sig.ident, "predicts");
        assert_eq!(attrs(function), ["# [:: core :: prelude :: v1 :: test]"]);
        let body = function.block.to_token_stream().to_string();
        assert!(
            body.contains(":: ml_test :: __private :: run (& __ML_TEST_ENTRY , __ml_test_body)"),
            "{body}"
        );
        assert!(body.contains("Tier :: Integration"), "{body}");
    }

    #[test]
    fn an_unselected_tier_is_ignored_with_its_reason() {
        let file = expand_str("slow", "fn trains() {}", None);
        let attrs = attrs(test_fn(&file));
        assert_eq!(attrs.len(), 2, "{attrs:?}");
        assert!(
            attrs[1]
                .starts_with("# [ignore = \"tier `slow` is not selected (ML_TEST_TIERS is unset"),
            "{attrs:?}"
        );
        let selected = expand_str("slow", "fn trains() {}", Some("slow"));
        assert_eq!(super::tests::attrs(test_fn(&selected)).len(), 1);
    }

    #[test]
    fn an_existing_test_or_ignore_attribute_is_kept_not_doubled() {
        let file = expand_str(
            "slow",
            "#[tokio::test] #[ignore = \"flaky\"] async fn fetches() {}",
            None,
        );
        assert_eq!(
            attrs(test_fn(&file)),
            ["# [tokio :: test]", "# [ignore = \"flaky\"]"]
        );
    }

    #[test]
    fn the_registry_entry_and_the_variable_tracking_sit_beside_the_fn() {
        let file = expand_str("", "fn predicts() {}", None);
        let rendered = file.to_token_stream().to_string();
        assert!(
            rendered.contains("option_env ! (\"ML_TEST_TIERS\")"),
            "{rendered}"
        );
        assert!(rendered.contains("inventory :: submit !"), "{rendered}");
        assert_eq!(file.items.len(), 2, "the fn and one `const _` block");
    }

    #[test]
    fn a_timeout_moves_the_return_type_to_the_worker() {
        let file = expand_str(
            "timeout = \"1s\"",
            "fn t() -> Result<(), String> { Ok(()) }",
            None,
        );
        let function = test_fn(&file);
        assert!(matches!(function.sig.output, ReturnType::Default));
        let body = function.block.to_token_stream().to_string();
        assert!(
            body.contains("fn __ml_test_body () -> Result < () , String >"),
            "{body}"
        );
        assert!(body.contains("run_with_timeout"), "{body}");
    }

    #[test]
    fn on_error_the_item_is_emitted_as_written_beside_the_errors() {
        let output = expand_with(
            "slwo".parse().unwrap(),
            "fn predicts(x: u32) {}".parse().unwrap(),
            TierSelection::parse(None),
        )
        .to_string();
        assert_eq!(output.matches("compile_error").count(), 2, "{output}");
        assert!(
            output.ends_with("# [allow (dead_code)] fn predicts (x : u32) { }"),
            "{output}"
        );
    }

    #[test]
    fn seeds_sweep_the_body_and_exclusive_is_registered() {
        let file = expand_str(
            "slow, seeds = 20, exclusive",
            "fn t() -> Result<(), String> { Ok(()) }",
            Some("slow"),
        );
        let function = test_fn(&file);
        assert!(
            matches!(function.sig.output, ReturnType::Default),
            "the sweep reports"
        );
        let rendered = file.to_token_stream().to_string();
        assert!(
            rendered.contains("run_seeds (& __ML_TEST_ENTRY , __ml_test_body)"),
            "{rendered}"
        );
        assert!(
            rendered.contains("seeds : :: core :: option :: Option :: Some (20u32)"),
            "{rendered}"
        );
        assert!(rendered.contains("exclusive : true"), "{rendered}");
        let timed = expand_str("seeds = 3, timeout = \"1m\"", "fn t() {}", None)
            .to_token_stream()
            .to_string();
        assert!(
            timed.contains("run_with_timeout"),
            "the worker sweeps: {timed}"
        );
        let asynchronous = expand_str("seeds = 3", "#[tokio::test] async fn t() {}", None)
            .to_token_stream()
            .to_string();
        assert!(
            asynchronous
                .contains("run_async_seeds (& __ML_TEST_ENTRY , | | __ml_test_body ()) . await"),
            "{asynchronous}"
        );
    }
}
