//! The expansion of `#[overfit_check]`: the builder fn as written, a module of the same name
//! with one `#[ml_test]`-style test per check, and a compile-time check that the fn builds a
//! `Trainer`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemFn, ReturnType};

use super::attr::{self, OverfitArgs};
use crate::diag::Errors;
use crate::ml_test::{self, TestArgs};
use crate::test_fn;
use crate::tiers::TierSelection;

/// Default number of training steps of the shared run.
const DEFAULT_STEPS: usize = 200;

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_with(args, item, TierSelection::from_env())
}

pub(crate) fn expand_with(
    args: TokenStream,
    item: TokenStream,
    selection: Result<TierSelection, String>,
) -> TokenStream {
    let mut errors = Errors::default();
    let mut args = attr::parse(args, &mut errors);
    let function = test_fn::parse(item.clone(), "overfit_check", &mut errors);
    let mut function = match function {
        Some(function) => function,
        None => return ml_test::fallback(&errors, item),
    };
    check_builder(&function, &mut errors);
    absorb_ml_test(&mut function, &mut args, &mut errors);
    let selection = selection
        .map_err(|message| errors.at(Span::call_site(), message))
        .ok();
    match selection {
        Some(selection) if errors.is_empty() => generate(&args, function, &selection),
        _ => ml_test::fallback(&errors, item),
    }
}

/// The builder is called by each check: no parameters, no generics, not async, and it returns
/// the trainer (whether that is a `Trainer` is checked by the compiler, at the return type).
fn check_builder(function: &ItemFn, errors: &mut Errors) {
    let sig = &function.sig;
    for input in &sig.inputs {
        errors.spanned(
            input,
            "#[overfit_check] calls this fn to build a fresh trainer for each run, so it takes no \
             parameters: build the model, optimiser and tiny batch inside it",
        );
    }
    if let Some(lt) = &sig.generics.lt_token {
        errors.at(lt.span, "#[overfit_check] fns cannot be generic");
    }
    if let Some(asyncness) = &sig.asyncness {
        errors.at(
            asyncness.span,
            "#[overfit_check] fns build a trainer synchronously; remove `async`",
        );
    }
    if let ReturnType::Default = sig.output {
        errors.at(
            sig.ident.span(),
            "#[overfit_check] needs the fn to return the Trainer it builds, e.g. `fn model() -> MyTrainer`",
        );
    }
}

/// `#[ml_test(tier, seed = N, timeout = "..")]` below `#[overfit_check]` sets the group's tier
/// and options; the attribute is consumed so it generates no test of its own.
fn absorb_ml_test(function: &mut ItemFn, args: &mut OverfitArgs, errors: &mut Errors) {
    let Some(position) = function
        .attrs
        .iter()
        .position(|attr| test_fn::is_attribute(attr, "ml_test"))
    else {
        return;
    };
    let attr = function.attrs.remove(position);
    let test_args = ml_test::parse_args(test_fn::attribute_args(&attr), errors);
    if let Some((tier, span)) = test_args.tier {
        if args.tier.is_some() {
            errors.at(
                span,
                "the tier is given twice: in `#[ml_test(...)]` and as `tier = ...`; keep one",
            );
        } else {
            args.tier = Some((tier, span));
        }
    }
    if let Some(span) = test_args.sweep_or_exclusive_span {
        errors.at(
            span,
            "`seeds` and `exclusive` apply to #[ml_test] tests, not to an #[overfit_check] group, \
             whose checks share one training run; set the group's seed with `seed = N`",
        );
    }
    args.seed = args.seed.or(test_args.seed);
    args.timeout = args.timeout.take().or(test_args.timeout);
}

fn generate(args: &OverfitArgs, function: ItemFn, selection: &TierSelection) -> TokenStream {
    let name = &function.sig.ident;
    let vis = &function.vis;
    let steps = args.steps.unwrap_or(DEFAULT_STEPS);
    let group = format_ident!("__ML_TEST_GROUP", span = Span::mixed_site());

    let one_shot = args.one_shot();
    let checks: Vec<(&str, &str)> = args
        .checks()
        .into_iter()
        .map(|check| (check, variant(check, one_shot)))
        .collect();
    let check_type = if one_shot {
        quote!(::ml_test::__private::FitCheck)
    } else {
        quote!(::ml_test::__private::Check)
    };

    let tier = args.tier.map_or("slow", |(tier, _)| tier);
    let test_args = TestArgs {
        tier: Some((tier, Span::call_site())),
        seed: args.seed,
        timeout: args.timeout.clone(),
        seed_from_module: true,
        ..TestArgs::default()
    };
    let tests = checks.iter().map(|(check, variant)| {
        let check_ident = syn::Ident::new(check, name.span());
        let variant = syn::Ident::new(variant, Span::call_site());
        let doc = format!("Check `{check}` of [`{name}`](super::{name}).");
        let test: ItemFn = syn::parse_quote! {
            #[doc = #doc]
            fn #check_ident() {
                #group.check(#check_type::#variant, super::#name)
            }
        };
        ml_test::generate(
            &test_args,
            test,
            selection,
            "ConvergenceCheck",
            &crate::mock_model::Overrides::default(),
        )
    });

    // The group and its tests share one seed: the attribute's, else one derived from the
    // group's module path (the same expression in the tests' entries).
    let seed = match args.seed {
        Some(seed) => quote!(::core::option::Option::Some(#seed)),
        None => quote!(::core::option::Option::Some(
            ::ml_test::__private::seed_from_name(::core::module_path!())
        )),
    };
    let tier_variant = crate::tiers::variant(tier);
    let entry = quote! {
        ::ml_test::__private::TestEntry {
            path: ::core::module_path!(),
            tier: ::ml_test::__private::Tier::#tier_variant,
            seed: #seed,
            timeout: ::core::option::Option::None,
            seeds: ::core::option::Option::None,
            exclusive: false,
            ignored: ::core::option::Option::None,
            file: ::core::file!(),
            line: ::core::line!(),
            kind: ::ml_test::__private::TestKind::ConvergenceCheck,
        }
    };
    let group_value = if let Some((capacities, _)) = &args.capacity {
        let thresholds = fit_thresholds(args);
        quote! {
            ::ml_test::__private::FitGroup::new(#entry, &[#(#capacities),*], #thresholds)
        }
    } else {
        let thresholds = thresholds(args);
        let classes = match args.classes {
            Some(c) => quote!(::core::option::Option::Some(#c)),
            None => quote!(::core::option::Option::None),
        };
        let frozen = &args.frozen;
        quote! {
            ::ml_test::__private::CheckGroup::new(#entry, #steps, #thresholds, #classes, &[#(#frozen),*])
        }
    };
    let group_type = if one_shot {
        quote!(::ml_test::__private::FitGroup)
    } else {
        quote!(::ml_test::__private::CheckGroup)
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

/// The runtime's enum variant of a check name (`Check`, or `FitCheck` for one-shot models).
fn variant(check: &str, one_shot: bool) -> &'static str {
    match (check, one_shot) {
        ("loss_is_finite", false) => "LossIsFinite",
        ("loss_decreases", false) => "LossDecreases",
        ("params_update", false) => "ParamsUpdate",
        ("overfits_batch", false) => "OverfitsBatch",
        ("loss_at_init", false) => "LossAtInit",
        ("frozen", false) => "Frozen",
        ("fits_batch", true) => "FitsBatch",
        ("monotone_in_capacity", true) => "MonotoneInCapacity",
        _ => "Deterministic",
    }
}

/// A `FitThresholds` literal: the options given, the runtime's defaults for the rest.
fn fit_thresholds(args: &OverfitArgs) -> TokenStream {
    let mut fields = Vec::new();
    if let Some(target) = args.target_error {
        fields.push(quote!(target_error: #target));
    }
    if let Some(rise) = args.max_rise {
        fields.push(quote!(max_rise: #rise));
    }
    quote! {
        ::ml_test::__private::FitThresholds {
            #(#fields,)*
            ..::ml_test::__private::FitThresholds::DEFAULT
        }
    }
}

/// A `Thresholds` literal: the options given, the runtime's defaults for the rest.
fn thresholds(args: &OverfitArgs) -> TokenStream {
    let mut fields = Vec::new();
    if let Some(target) = args.number("target_loss") {
        fields.push(quote!(target_loss: ::core::option::Option::Some(#target)));
    }
    for (option, field) in [
        ("target_relative", "target_relative"),
        ("window", "window_fraction"),
        ("min_decrease", "min_decrease"),
        ("min_param_change", "min_param_change"),
        ("init_rtol", "init_rtol"),
    ] {
        if let Some(value) = args.number(option) {
            let field = format_ident!("{field}");
            fields.push(quote!(#field: #value));
        }
    }
    if let Some(steps) = args.deterministic_steps {
        fields.push(quote!(deterministic_steps: #steps));
    }
    quote! {
        ::ml_test::__private::Thresholds {
            #(#fields,)*
            ..::ml_test::__private::Thresholds::DEFAULT
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(args: &str, item: &str) -> String {
        expand_with(
            args.parse().unwrap(),
            item.parse().unwrap(),
            TierSelection::parse(None),
        )
        .to_string()
    }

    #[test]
    fn one_test_per_check_in_a_module_named_after_the_fn() {
        let out = expand_str(
            "steps = 50, skip = [overfits_batch], frozen = [\"b\"]",
            "fn model() -> M { M }",
        );
        assert!(out.contains("mod model {"), "{out}");
        for check in [
            "loss_is_finite",
            "loss_decreases",
            "params_update",
            "deterministic",
            "frozen",
        ] {
            assert!(out.contains(&format!("fn {check} ()")), "{check}: {out}");
        }
        assert!(!out.contains("fn overfits_batch ()"), "skipped: {out}");
        assert!(out.contains("Tier :: Slow"), "slow by default: {out}");
        assert!(out.contains("50usize"), "{out}");
    }

    #[test]
    fn an_ml_test_attribute_below_sets_the_tier_and_is_consumed() {
        let out = expand_str(
            "",
            "#[ml_test(integration, seed = 5)] fn model() -> M { M }",
        );
        assert!(!out.contains("ml_test (integration"), "consumed: {out}");
        assert!(out.contains("Tier :: Integration"), "{out}");
        assert!(out.contains("Some (5u64)"), "{out}");
        let twice = expand_str(
            "tier = gpu",
            "#[ml_test(integration)] fn model() -> M { M }",
        );
        assert!(twice.contains("the tier is given twice"), "{twice}");
    }

    #[test]
    fn capacity_makes_a_fitting_group_with_its_own_checks() {
        let out = expand_str(
            "capacity = [1, 2, 4], target_error = 0, skip = [deterministic]",
            "fn tree() -> T { T }",
        );
        assert!(out.contains("FitGroup :: new"), "{out}");
        assert!(out.contains("& [1usize , 2usize , 4usize]"), "{out}");
        assert!(out.contains("target_error : 0f64"), "{out}");
        assert!(out.contains("fn fits_batch ()"), "{out}");
        assert!(out.contains("fn monotone_in_capacity ()"), "{out}");
        assert!(!out.contains("fn deterministic ()"), "skipped: {out}");
        assert!(out.contains("assert_builds_fitter"), "{out}");
        assert!(!out.contains("CheckGroup"), "{out}");
    }
}
