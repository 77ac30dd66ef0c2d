//! Rendering a validated [`Spec`]: one libtest test with its registry entry, or an
//! `#[overfit_check]` group with one such test per check.
//!
//! The common test (synchronous, returning `()`, no timeout or seed sweep) is rendered inline:
//! the body stays the fn's body, after a guard that runs the test in its context. That adds one
//! static and one call to what `#[test]` compiles, which keeps the build of a large suite close
//! to plain `#[test]`'s (see BENCHMARKS.md). The other forms need the body as a fn of its own.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, ReturnType, Type};

use crate::args::mock::{Behaviour, MockArgs, Number, NumericLiteral, RandomArgs, ReturnValue};
use crate::args::overfit::{DEFAULT_STEPS, OverfitArgs, Threshold};
use crate::args::test::TestArgs;
use crate::item::FnItem;
use crate::item::{has_attribute, has_test_attribute};
use crate::names::{FIT_CHECKS, STEP_CHECKS};
use crate::source::source;
use crate::spec::{Cases, Generator, SYNC_CASE, Spec};
use crate::tiers::{TierSelection, test_ident, tier_path, tier_tokens, track_tiers_var};

pub(crate) fn render(mut spec: Spec, selection: &TierSelection) -> TokenStream {
    if let Some(cases) = spec.cases {
        return render_cases(spec, cases);
    }
    match spec.overfit.take() {
        Some(overfit) => render_group(&overfit, spec, selection),
        None => render_test(spec, selection, Kind::Test),
    }
}

/// What a rendered test is, as registered.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A fn the user wrote.
    Test,
    /// One check of an `#[overfit_check]` group.
    ConvergenceCheck,
}

/// A fn under a case generator (`#[rstest]`, `#[test_case]`), which writes one test fn per case.
/// ml-test's attributes are handed down to each case: the generator copies them onto every case
/// fn it writes, where they expand into an ml-test test of its own, named `<case>__<tier>`. That
/// is the only way the tier reaches the end of each case's name, and each case is then
/// registered, seeded and replayed under its own libtest name.
///
/// They must come before any runtime attribute (`#[tokio::test]`) the generator copies too, and
/// reach every case. rstest gives the attributes written above a `#[case]` to that case alone,
/// so they go below its last case. test-case takes its further `#[test_case]`s out of the list
/// with `swap_remove`, which moves the list's last attribute into the gap, so they go right
/// below the one that expands, above every attribute it could move. rstest writes the copied
/// attributes above its own `#[test]`; test-case writes its `#[test]` first, except on an
/// `async fn`, so a sync fn is handed to test-case as an `async fn` with a marker, and each case
/// runs it to completion as the sync fn it is (it never awaits anything).
fn render_cases(spec: Spec, cases: Cases) -> TokenStream {
    let FnItem {
        attrs,
        vis,
        mut sig,
        body,
    } = spec.function;
    let handed_down = spec.written.iter().map(|(which, args)| {
        let name = syn::Ident::new(which.name(), Span::call_site());
        quote!(#[::ml_test::#name(#args)])
    });
    let marker = (cases.generator == Generator::TestCase && sig.asyncness.is_none()).then(|| {
        sig.asyncness = Some(Default::default());
        let marker = syn::Ident::new(SYNC_CASE, Span::call_site());
        quote!(#[::ml_test::__private::#marker])
    });
    let below = match cases.generator {
        Generator::Rstest => cases.last,
        Generator::TestCase => cases.first,
    };
    let (generator, rest) = attrs.split_at(below + 1);
    quote! {
        #(#generator)*
        #(#handed_down)*
        #marker
        #(#rest)*
        #vis #sig #body
    }
}

/// Whether the fn returns `()`.
fn returns_unit(output: &ReturnType) -> bool {
    match output {
        ReturnType::Default => true,
        ReturnType::Type(_, ty) => matches!(&**ty, Type::Tuple(tuple) if tuple.elems.is_empty()),
    }
}

fn hidden(name: &str) -> syn::Ident {
    syn::Ident::new(name, Span::mixed_site())
}

/// The test fn and its registry entry.
///
/// A test of any tier but `unit` is named `<fn>__<tier>`, so the tier can be selected at run
/// time by name. A user's fn keeps its own name too, through an import of the test fn under it:
/// code that calls the test fn directly still compiles and runs.
fn render_test(spec: Spec, selection: &TierSelection, kind: Kind) -> TokenStream {
    let tier = spec.test.tier.map_or("unit", |(tier, _)| tier);
    let ignore_reason = selection.ignore_reason(tier);
    let Spec {
        function,
        test,
        mocks,
        random,
        sync_case,
        ..
    } = spec;
    let FnItem {
        attrs,
        vis,
        mut sig,
        mut body,
    } = function;
    if sync_case {
        body = run_to_completion(&mut sig, &body);
    }
    // Where the fn's name is written, for the entry's line (the renamed ident's own span carries
    // the expansion's context, whose `line!()` is the attribute's line).
    let written_at = sig.ident.span();
    let mut alias = None;
    if let Some(renamed) = test_ident(&sig.ident, tier) {
        let written = std::mem::replace(&mut sig.ident, renamed);
        let renamed = &sig.ident;
        // Only a fn the user wrote is called by name; nobody calls a group's check.
        if kind == Kind::Test {
            alias = Some(quote! {
                #[cfg(test)]
                #[allow(unused_imports)]
                #vis use self::#renamed as #written;
            });
        }
    }
    let test_attr = (!has_test_attribute(&attrs)).then(|| source("#[::core::prelude::v1::test]"));
    let ignore_attr = ignore_reason
        .as_ref()
        .filter(|_| !has_attribute(&attrs, "ignore"))
        .map(|reason| source(&format!("#[ignore = {reason:?}]")));
    let expects_panic = has_attribute(&attrs, "should_panic");
    // Mocks that are plain data ride in the entry, and the test starts without installing them.
    let as_data = declared_as_data(&mocks, random.as_ref(), sig.inputs.is_empty());
    // The entry is a static beside the fn (so it is registered in every build, also where the
    // test fn is compiled out), and the fn runs with a reference to it.
    let entry = entry_static(
        &test,
        (&sig.ident, written_at),
        ignore_reason.as_deref(),
        kind,
        expects_panic,
        if as_data {
            declared_mocks(&mocks)
        } else {
            String::new()
        },
    );
    let entry_ident = entry_ident(&sig.ident);
    let entry_ref = quote!(&#entry_ident);
    let require = require_seam(&mocks, random.as_ref());
    let overrides = if as_data {
        TokenStream::new()
    } else {
        install_tokens(&mocks, random.as_ref())
    };
    let checks = loader_checks(&mocks, random.as_ref());

    let inline = sig.asyncness.is_none()
        && returns_unit(&sig.output)
        && test.timeout.is_none()
        && test.seeds.is_none();
    let fn_body = if inline {
        let (inner, rest) = crate::item::split_body(&body);
        // Mock handles become bindings: the test itself takes no parameters.
        let handles = bind_handles(std::mem::take(&mut sig.inputs));
        let guard = source(&format!(
            "let __ml_test_run = ::ml_test::__private::start(&{entry_ident});"
        ));
        // Owned streams joined in one go: interpolating each into `quote!` would copy it.
        TokenStream::from_iter([inner, guard, require, overrides, handles, rest])
    } else {
        let run = body_as_fn(&test, &mut sig, &body, &overrides, &entry_ref);
        quote!(#require #run)
    };

    let tracking = track_tiers_var(false);
    // Compile-time checks and the variable's tracking, when there are any.
    let extra = (!tracking.is_empty() || !checks.is_empty()).then(|| {
        quote! {
            const _: () = {
                #tracking
                #checks
            };
        }
    });
    let mut test = attrs
        .iter()
        .map(ToTokens::to_token_stream)
        .collect::<TokenStream>();
    test.extend(test_attr);
    test.extend(ignore_attr);
    vis.to_tokens(&mut test);
    sig.to_tokens(&mut test);
    test.extend([proc_macro2::TokenTree::Group(proc_macro2::Group::new(
        proc_macro2::Delimiter::Brace,
        fn_body,
    ))]);
    test.extend(alias);
    test.extend([entry]);
    test.extend(extra);
    test
}

/// A case test-case generated from a sync fn handed over as an `async fn` (see `render_cases`):
/// the case becomes a sync fn again, which runs its body's future to completion. The future
/// only awaits the user's sync fn, so it is ready at its first poll.
fn run_to_completion(sig: &mut syn::Signature, body: &proc_macro2::Group) -> proc_macro2::Group {
    sig.asyncness = None;
    let case = hidden("__ml_test_case");
    let output = &sig.output;
    proc_macro2::Group::new(
        proc_macro2::Delimiter::Brace,
        quote! {
            async fn #case() #output #body
            ::ml_test::__private::ready(#case())
        },
    )
}

/// `let <pattern>: Mock = scope.handle(i);` per mock handle parameter.
fn bind_handles(inputs: syn::punctuated::Punctuated<FnArg, syn::Token![,]>) -> TokenStream {
    let scope = hidden("__ml_test_scope");
    inputs
        .into_iter()
        .enumerate()
        .filter_map(|(i, input)| match input {
            FnArg::Typed(typed) => {
                let (pat, ty) = (&typed.pat, &typed.ty);
                Some(quote!(let #pat: #ty = #scope.handle(#i);))
            }
            FnArg::Receiver(_) => None,
        })
        .collect()
}

/// The forms that need the body as a fn: async tests, returned results, timeouts and seed
/// sweeps. The user's body becomes a nested fn with the same return type, so `return` and `?`
/// keep their meaning; mock handles become its parameters.
fn body_as_fn(
    test: &TestArgs,
    sig: &mut syn::Signature,
    body: &proc_macro2::Group,
    overrides: &TokenStream,
    entry: &TokenStream,
) -> TokenStream {
    let body_ident = hidden("__ml_test_body");
    let output = sig.output.to_token_stream();
    let is_async = sig.asyncness.is_some();
    let handles = std::mem::take(&mut sig.inputs);
    let inner = quote!(fn #body_ident(#handles) #output #body);
    let inner = if is_async {
        quote!(async #inner)
    } else {
        inner
    };
    let body_call = if overrides.is_empty() {
        quote!(#body_ident)
    } else {
        let scope = hidden("__ml_test_scope");
        let arguments = (0..handles.len()).map(|i| quote!(#scope.handle(#i)));
        let returned = hidden("__ml_test_returned");
        if is_async {
            quote!(async {
                #overrides
                let #returned = #body_ident(#(#arguments),*).await;
                #scope.finish(#returned)
            })
        } else {
            quote!(|| {
                #overrides
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
        if test.seeds.is_some() {
            // Each run of the sweep needs a fresh future: a closure makes them. The sweep
            // reports its failures itself, so the test returns `()`.
            sig.output = ReturnType::Default;
            quote!(::ml_test::__private::run_async_seeds(#entry, || #future).await)
        } else {
            quote!(::ml_test::__private::run_async(#entry, #future).await)
        }
    } else if test.seeds.is_some() || test.timeout.is_some() {
        // A sweep, or a body on a worker thread (a timeout, which sweeps there if asked),
        // reports its failures itself, so the test returns `()`.
        sig.output = ReturnType::Default;
        if test.timeout.is_some() {
            quote!(::ml_test::__private::run_with_timeout(#entry, #body_call))
        } else {
            quote!(::ml_test::__private::run_seeds(#entry, #body_call))
        }
    } else {
        quote!(::ml_test::__private::run(#entry, #body_call))
    };
    quote! {
        #inner
        #call
    }
}

/// The test's registry entry: a static beside the fn, with its path in its module, its tier, its
/// line, and one builder call per option set, then `mocks` (the entry's `.with_mocks(..)`, if
/// any, as source text). On Linux the static sits in the registry's linker section; elsewhere
/// an attribute registers it with `inventory`. Written as source text and lexed by rustc in one
/// call, the entry costs the expansion little (BENCHMARKS.md, "Compile budget"). The seed is
/// only the attribute's: the runtime derives the others.
fn entry_static(
    test: &TestArgs,
    (name, written_at): (&syn::Ident, Span),
    ignore_reason: Option<&str>,
    kind: Kind,
    expects_panic: bool,
    mocks: String,
) -> TokenStream {
    use std::fmt::Write;
    let tier = tier_path(test.tier.map_or("unit", |(tier, _)| tier));
    let mut tokens = source(&format!(
        "#[cfg_attr(target_os = \"linux\", used, unsafe(link_section = \"ml_test_registry\"))] \
         #[cfg_attr(not(target_os = \"linux\"), ::ml_test::__private::registered)] \
         static {}: ::ml_test::__private::TestEntry = ::ml_test::__private::TestEntry::new",
        entry_ident(name),
    ));
    // `line!()` spanned where the fn name is written reports the line of the fn, not of the
    // attribute (and, for a fn a macro writes, the line of the macro's call, as `file!()` does).
    let mut arguments = source(&format!(
        "::core::concat!(::core::module_path!(), \"::{name}\"), {tier}, ::core::file!(),"
    ));
    arguments.extend(quote_spanned!(written_at=> ::core::line!()));
    tokens.extend([proc_macro2::TokenTree::Group(proc_macro2::Group::new(
        proc_macro2::Delimiter::Parenthesis,
        arguments,
    ))]);
    let mut entry = String::new();
    if let Some(seed) = test.seed {
        let _ = write!(entry, ".with_seed({seed}u64)");
    }
    if let Some((written, duration)) = &test.timeout {
        let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        let _ = write!(entry, ".with_timeout({written:?}, {nanos}u64)");
    }
    if let Some(seeds) = test.seeds {
        let _ = write!(entry, ".with_seeds({seeds}u32)");
    }
    if test.exclusive {
        entry.push_str(".with_exclusive()");
    }
    if let Some(reason) = ignore_reason {
        let _ = write!(entry, ".with_ignore_reason({reason:?})");
    }
    if expects_panic {
        entry.push_str(".with_expected_panic()");
    }
    if kind == Kind::ConvergenceCheck {
        entry.push_str(".of_kind(::ml_test::__private::TestKind::ConvergenceCheck)");
    }
    entry.push_str(&mocks);
    if !entry.is_empty() {
        tokens.extend(source(&entry));
    }
    tokens.extend([proc_macro2::TokenTree::Punct(proc_macro2::Punct::new(
        ';',
        proc_macro2::Spacing::Alone,
    ))]);
    tokens
}

/// The name of the static that holds the entry of the test fn `name`. Spanned at the call site,
/// rustc takes it for the attribute's own name and lints it no more than the rest of the
/// expansion.
fn entry_ident(name: &syn::Ident) -> syn::Ident {
    format_ident!("__ML_TEST_ENTRY_{}", name, span = Span::call_site())
}

fn option(value: Option<TokenStream>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}

/// The check that the loader seam is on, at the first attribute that needs it: without the seam
/// the overrides would go unseen. None without overrides. The seam is on or off for the whole
/// crate, so the check of each attribute is written once per compilation, at its first use (in
/// this crate's unit tests, at every one): a crate that lacks the feature gets one error per
/// attribute rather than one per test, and a test costs no macro call for it.
fn require_seam(mocks: &[MockArgs], random: Option<&RandomArgs>) -> TokenStream {
    use std::sync::atomic::{AtomicBool, Ordering};
    static MOCK_CHECKED: AtomicBool = AtomicBool::new(false);
    static RANDOM_CHECKED: AtomicBool = AtomicBool::new(false);
    let first = |checked: &AtomicBool| {
        !proc_macro::is_available() || !checked.swap(true, Ordering::Relaxed)
    };
    if let Some(mock) = mocks.first() {
        if first(&MOCK_CHECKED) {
            return quote_spanned!(mock.span=> ::ml_test::__private::require_seam!("#[mock_model]"););
        }
    } else if let Some(random) = random
        && first(&RANDOM_CHECKED)
    {
        return quote_spanned!(random.span=> ::ml_test::__private::require_seam!("#[random_weights]"););
    }
    TokenStream::new()
}

/// Whether every override of the test is a mock of any loader returning a numeric literal (with
/// at most a `latency`), and the test takes no handle: then the mocks are data in the test's
/// entry, which the loader seam installs at the first loader call (see ml-test-runner's
/// `mocks.rs`), and the test starts without ml-test-core's mock scope.
fn declared_as_data(mocks: &[MockArgs], random: Option<&RandomArgs>, no_handles: bool) -> bool {
    random.is_none()
        && no_handles
        && !mocks.is_empty()
        && mocks.iter().all(|mock| {
            mock.loader.is_none()
                && mock.expect_calls.is_none()
                && !mock.global
                && matches!(
                    mock.behaviour,
                    Some(Behaviour::Returns(ReturnValue::Literal(_)))
                )
        })
}

/// The entry's `.with_mocks(&[..])`, for mocks [`declared_as_data`], as source text.
fn declared_mocks(mocks: &[MockArgs]) -> String {
    use std::fmt::Write;
    let mut declared = String::from(".with_mocks(&[");
    for (i, mock) in mocks.iter().enumerate() {
        let Some(Behaviour::Returns(ReturnValue::Literal(literal))) = &mock.behaviour else {
            continue;
        };
        let _ = write!(
            declared,
            "::ml_test::__private::MockDecl::returns({}usize, {:?}, {:?}, &[",
            i + 1,
            mock.text,
            literal.text
        );
        for size in &literal.shape {
            let _ = write!(declared, "{size}usize, ");
        }
        declared.push_str("], &[");
        for number in &literal.numbers {
            let _ = match number {
                Number::Int(int) => {
                    write!(declared, "::ml_test::__private::Scalar::Int({int}i128), ")
                }
                Number::Float(float) => {
                    write!(
                        declared,
                        "::ml_test::__private::Scalar::Float({float:?}f64), "
                    )
                }
            };
        }
        declared.push_str("])");
        if let Some((written, duration)) = &mock.latency {
            let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
            let _ = write!(declared, ".latency({written:?}, {nanos}u64)");
        }
        declared.push_str(", ");
    }
    declared.push_str("])");
    declared
}

/// The statement that installs the test's overrides as `__ml_test_scope`; none without any.
fn install_tokens(mocks: &[MockArgs], random: Option<&RandomArgs>) -> TokenStream {
    if mocks.is_empty() && random.is_none() {
        return TokenStream::new();
    }
    let scope = hidden("__ml_test_scope");
    let specs = mocks
        .iter()
        .enumerate()
        .map(|(i, mock)| spec_tokens(i + 1, mock));
    let random = option(random.map(|random| {
        let seed = option(random.seed.map(|seed| quote!(#seed)));
        let loader = random
            .loader
            .as_ref()
            .map(|path| quote_spanned!(path.span()=> .loader::<#path>()));
        quote!(::ml_test::__private::RandomWeights::new(#seed) #loader)
    }));
    quote! {
        let #scope = ::ml_test::__private::MockScope::install(
            ::std::vec![#(#specs),*],
            #random,
        );
    }
}

/// Compile-time checks of the loaders the attributes name. They sit beside the test fn, not in
/// it, so they run in every build (the test fn exists only under `cfg(test)`).
fn loader_checks(mocks: &[MockArgs], random: Option<&RandomArgs>) -> TokenStream {
    let mocked = mocks
        .iter()
        .filter_map(|mock| mock.loader.as_ref())
        .map(|path| {
            quote_spanned!(path.span()=>
                const _: () = ::ml_test::__private::assert_is_loader::<#path>();
            )
        });
    let random = random
        .and_then(|random| random.loader.as_ref())
        .map(|path| {
            quote_spanned!(path.span()=>
                const _: () = ::ml_test::__private::assert_has_random::<#path>();
            )
        });
    quote!(#(#mocked)* #random)
}

fn spec_tokens(position: usize, mock: &MockArgs) -> TokenStream {
    let text = &mock.text;
    let mut spec = quote!(::ml_test::__private::MockSpec::new(#position, #text));
    if let Some(path) = &mock.loader {
        spec.extend(quote_spanned!(path.span()=> .loader::<#path>()));
    }
    match &mock.behaviour {
        Some(Behaviour::Returns(value)) => {
            let value = value_tokens(
                value,
                mock.loader.as_ref(),
                "returns_literal",
                "returns_value",
            );
            spec.extend(quote!(.#value));
        }
        Some(Behaviour::ReturnsSeq(values)) => {
            let values = values
                .iter()
                .map(|value| value_tokens(value, mock.loader.as_ref(), "literal", "value"));
            spec.extend(
                quote!(.returns_seq(::std::vec![#(::ml_test::__private::SeqValue::#values),*])),
            );
        }
        // Spanned at the value, so a type error in it points into the attribute.
        Some(Behaviour::ReturnsFn(closure)) => match &mock.loader {
            Some(path) => {
                spec.extend(quote_spanned!(closure.span()=> .returns_fn_of::<#path>(#closure)))
            }
            None => spec.extend(quote_spanned!(closure.span()=> .returns_fn(#closure))),
        },
        Some(Behaviour::Fails(error)) => spec.extend(quote_spanned!(error.span()=> .fails(#error))),
        None => {}
    }
    if let Some((written, duration)) = &mock.latency {
        let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        spec.extend(quote!(.latency(#written, ::ml_test::__private::Duration::from_nanos(#nanos))));
    }
    if let Some(calls) = mock.expect_calls {
        let calls = usize::try_from(calls).unwrap_or(usize::MAX);
        spec.extend(quote!(.expect_calls(#calls)));
    }
    if mock.global {
        spec.extend(quote!(.global()));
    }
    spec
}

/// `literal(..)` or `value(..)`, the method names given. With the loader known, an expression
/// is typed as its output (so `array![99]` infers the element type); without, it keeps its own
/// type and, when numeric, converts at run time.
fn value_tokens(
    value: &ReturnValue,
    loader: Option<&syn::Path>,
    literal_method: &str,
    value_method: &str,
) -> TokenStream {
    match value {
        ReturnValue::Literal(literal) => {
            let method = syn::Ident::new(literal_method, Span::call_site());
            let literal = literal_tokens(literal);
            quote!(#method(#literal))
        }
        ReturnValue::Expr(expr) => {
            let method = syn::Ident::new(value_method, Span::call_site());
            let text = expr.to_token_stream().to_string();
            match loader {
                Some(path) => {
                    let typed = quote_spanned!(expr.span()=>
                        { let value: ::ml_test::__private::OutputOf<#path> = #expr; value }
                    );
                    quote!(#method(#text, ::ml_test::__private::Probed::exact(#typed)))
                }
                None => quote!(#method(#text, ::ml_test::__private::probe_value!(#expr))),
            }
        }
    }
}

/// The literal's numbers as `Scalar`s. Parsing rejected non-finite numbers, so each prints as a
/// literal.
fn scalar_tokens(literal: &NumericLiteral) -> impl Iterator<Item = TokenStream> + '_ {
    literal.numbers.iter().map(|number| match number {
        Number::Int(int) => quote!(::ml_test::__private::Scalar::Int(#int)),
        Number::Float(float) => quote!(::ml_test::__private::Scalar::Float(#float)),
    })
}

fn literal_tokens(literal: &NumericLiteral) -> TokenStream {
    let text = &literal.text;
    let shape = &literal.shape;
    let scalars = scalar_tokens(literal);
    quote! {
        ::ml_test::__private::Literal::new(#text, &[#(#shape),*], &[#(#scalars),*])
    }
}

/// An `#[overfit_check]` group: the builder fn as written, a module of the same name with one
/// test per check, and a compile-time check that the fn builds a `Trainer` (or a `Fitter`).
fn render_group(args: &OverfitArgs, spec: Spec, selection: &TierSelection) -> TokenStream {
    let function = &spec.function;
    let name = function.sig.ident.clone();
    let vis = function.vis.to_token_stream();
    let steps = args.steps.unwrap_or(DEFAULT_STEPS);
    let group = hidden("__ML_TEST_GROUP");
    let one_shot = args.one_shot;
    let (check_type, names): (TokenStream, &[&str]) = if one_shot {
        (quote!(::ml_test::__private::FitCheck), &FIT_CHECKS)
    } else {
        (quote!(::ml_test::__private::Check), &STEP_CHECKS)
    };

    // The group's tier, seed and timeout: its own options, else those of an `#[ml_test]` beside.
    let tier = args
        .tier
        .or(spec.test.tier)
        .map_or("slow", |(tier, _)| tier);
    let test_args = TestArgs {
        tier: Some((tier, Span::call_site())),
        seed: args.seed.or(spec.test.seed),
        timeout: args.timeout.clone().or(spec.test.timeout.clone()),
        ..TestArgs::default()
    };
    let tests = args.checks().into_iter().map(|check| {
        let index = names.iter().position(|known| *known == check).unwrap_or(0);
        let check_ident = syn::Ident::new(check, name.span());
        let doc = format!("Check `{check}` of [`{name}`](super::{name}).");
        let test: FnItem = syn::parse_quote! {
            #[doc = #doc]
            fn #check_ident() {
                #group.check(#check_type::ALL[#index], super::#name)
            }
        };
        let check_spec = Spec::plain(
            test,
            TestArgs {
                tier: test_args.tier,
                seed: test_args.seed,
                timeout: test_args.timeout.clone(),
                ..TestArgs::default()
            },
        );
        render_test(check_spec, selection, Kind::ConvergenceCheck)
    });

    let tier_value = tier_tokens(tier);
    let mut entry = quote! {
        ::ml_test::__private::TestEntry::new(
            ::core::module_path!(), #tier_value, ::core::file!(), ::core::line!()
        )
        .of_kind(::ml_test::__private::TestKind::CheckGroup)
    };
    if let Some(seed) = test_args.seed {
        entry.extend(quote!(.with_seed(#seed)));
    }
    let (group_type, group_value) = if let Some((capacities, _)) = &args.capacity {
        let thresholds = fit_thresholds(args);
        (
            quote!(::ml_test::__private::FitGroup),
            quote!(::ml_test::__private::FitGroup::new(#entry, &[#(#capacities),*], #thresholds)),
        )
    } else {
        let thresholds = thresholds(args);
        let classes = option(args.classes.map(|c| quote!(#c)));
        let frozen = &args.frozen;
        (
            quote!(::ml_test::__private::CheckGroup),
            quote! {
                ::ml_test::__private::CheckGroup::new(#entry, #steps, #thresholds, #classes, &[#(#frozen),*])
            },
        )
    };
    // The compiler's "is not a Trainer" error lands on the return type.
    let output_span = match &function.sig.output {
        ReturnType::Type(_, ty) => ty.span(),
        ReturnType::Default => name.span(),
    };
    let assert_builds = if one_shot {
        quote!(assert_builds_fitter)
    } else {
        quote!(assert_builds_trainer)
    };
    let trainer_check = quote_spanned! {output_span=>
        const _: () = {
            fn __ml_test_builds_the_model() {
                ::ml_test::__private::#assert_builds(&(#name as fn() -> _));
            }
        };
    };
    let module_doc = if one_shot {
        format!("Fitting checks of [`{name}`], generated by `#[overfit_check(capacity = ..)]`.")
    } else {
        format!("Convergence checks of [`{name}`], generated by `#[overfit_check]`.")
    };

    quote! {
        #[cfg_attr(not(test), allow(dead_code))]
        #function

        #trainer_check

        #[doc = #module_doc]
        #vis mod #name {
            static #group: #group_type = #group_value;

            #(#tests)*
        }
    }
}

/// A `FitThresholds` value: the runtime's defaults, and one setter per threshold given.
fn fit_thresholds(args: &OverfitArgs) -> TokenStream {
    let setters = threshold_setters(args);
    quote!(::ml_test::__private::FitThresholds::DEFAULT #(#setters)*)
}

/// A `Thresholds` value: the runtime's defaults, and one setter per threshold given.
fn thresholds(args: &OverfitArgs) -> TokenStream {
    let setters = threshold_setters(args);
    quote!(::ml_test::__private::Thresholds::DEFAULT #(#setters)*)
}

/// `.window(0.2)` for `window = 0.2`: each threshold option calls the runtime's setter of its
/// own name, so no table maps options to fields.
fn threshold_setters(args: &OverfitArgs) -> impl Iterator<Item = TokenStream> + '_ {
    args.thresholds.iter().map(|(option, value)| {
        let setter = format_ident!("{option}");
        match value {
            Threshold::Float(x) => quote!(.#setter(#x)),
            Threshold::Count(n) => quote!(.#setter(#n)),
        }
    })
}
