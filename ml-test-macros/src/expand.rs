//! The entry point of the test attributes, and the one pipeline they share: the item and the
//! attributes' arguments are gathered into a `Spec` (`spec.rs`), validated in one pass (all
//! errors reported together), and rendered as one test or one check group (`render.rs`). On any
//! error the fallback emits the item as written beside the errors.

use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::diag::Errors;
use crate::render;
use crate::spec::{self, Attribute};
use crate::tiers::{self, TierSelection, track_tiers_var};

/// Entry point of every test attribute: reads `ML_TEST_TIERS`, then expands. `above` is a
/// test-registering attribute written above this one in the source (see `order.rs`).
pub(crate) fn expand(
    which: Attribute,
    args: TokenStream,
    item: TokenStream,
    above: Option<String>,
) -> TokenStream {
    let mut errors = Errors::default();
    if let Some(path) = above {
        let name = which.name();
        let fix = if path.trim_start_matches("::").ends_with("test_case")
            || path.ends_with("test_matrix")
        {
            format!("write #[{name}] above #[{path}]: it then runs every case in ml-test's context")
        } else {
            format!("remove the #[{path}] (#[{name}] adds it) or write it below #[{name}]")
        };
        errors.at(
            Span::call_site(),
            format_args!(
                "#[{path}] is written above #[{name}]: it registers the fn with libtest before \
                 ml-test expands, and ml-test registers it again, so the test would run twice; {fix}"
            ),
        );
    }
    let selection = TierSelection::from_env().or_else(|message| {
        if tiers::first_report_in_crate() {
            Err(message)
        } else {
            // Reported at another test of this crate: one mistake, one error.
            Ok(TierSelection::parse(None).expect("the default selection is valid"))
        }
    });
    expand_checked(which, args, item, selection, errors)
}

#[cfg(test)]
pub(crate) fn expand_with(
    which: Attribute,
    args: TokenStream,
    item: TokenStream,
    selection: Result<TierSelection, String>,
) -> TokenStream {
    expand_checked(which, args, item, selection, Errors::default())
}

fn expand_checked(
    which: Attribute,
    args: TokenStream,
    item: TokenStream,
    selection: Result<TierSelection, String>,
    mut errors: Errors,
) -> TokenStream {
    let Some(spec) = spec::gather(which, args, item.clone(), &mut errors) else {
        return fallback(&errors, item);
    };
    spec::validate(&spec, &mut errors);
    if !errors.is_empty() {
        return fallback(&errors, item);
    }
    // A bad `ML_TEST_TIERS` is the environment's mistake, not this test's: the test still
    // expands (with the default tiers), so the error is the build's only one.
    match selection {
        Ok(selection) => render::render(spec, &selection),
        Err(message) => {
            errors.at(Span::call_site(), message);
            let errors = errors.to_compile_errors();
            let default = TierSelection::parse(None).expect("the default selection is valid");
            let rendered = render::render(spec, &default);
            quote! { #errors #rendered }
        }
    }
}

/// On any error the item is emitted as written, so the rest of the crate still type-checks and
/// the editor keeps working; the errors point at the tokens.
pub(crate) fn fallback(errors: &Errors, item: TokenStream) -> TokenStream {
    let errors = errors.to_compile_errors();
    let tracking = track_tiers_var(true);
    quote! { #errors #tracking #[allow(dead_code)] #item }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(which: Attribute, args: &str, item: &str, tiers: Option<&str>) -> String {
        expand_with(
            which,
            args.parse().unwrap(),
            item.parse().unwrap(),
            TierSelection::parse(tiers),
        )
        .to_string()
    }

    fn ml_test(args: &str, item: &str) -> String {
        expand_str(Attribute::MlTest, args, item, None)
    }

    #[test]
    fn a_plain_test_runs_its_body_inline_after_the_guard() {
        let out = ml_test("", "fn predicts() { #![allow(unused)] assert!(true); }");
        assert!(
            out.starts_with("# [:: core :: prelude :: v1 :: test] fn predicts () { #! [allow (unused)] let __ml_test_run = :: ml_test :: __private :: start (& __ML_TEST_ENTRY_predicts) ; assert ! (true) ; }"),
            "{out}"
        );
        // The entry is a static beside the fn, in the registry's linker section on Linux and
        // registered by an attribute elsewhere.
        assert!(
            out.contains("} # [cfg_attr (target_os = \"linux\" , used , unsafe (link_section = \"ml_test_registry\"))] \
                 # [cfg_attr (not (target_os = \"linux\") , :: ml_test :: __private :: registered)] \
                 static __ML_TEST_ENTRY_predicts : :: ml_test :: __private :: TestEntry = \
                 :: ml_test :: __private :: TestEntry :: new (:: core :: concat ! (:: core :: module_path ! () , \"::predicts\") , \
                 :: ml_test :: __private :: Tier :: Unit , :: core :: file ! () , :: core :: line ! ()) ;"),
            "{out}"
        );
        assert!(!out.contains("with_seed"), "{out}");
        assert!(!out.contains(" use "), "a unit test keeps its name: {out}");
    }

    #[test]
    fn a_test_of_another_tier_is_named_with_its_suffix_and_keeps_its_name_as_an_import() {
        let out = ml_test("integration", "pub(crate) fn predicts() { assert!(true); }");
        assert!(
            out.starts_with(
                "# [:: core :: prelude :: v1 :: test] pub (crate) fn predicts__integration () {"
            ),
            "{out}"
        );
        assert!(
            out.contains("start (& __ML_TEST_ENTRY_predicts__integration)"),
            "{out}"
        );
        assert!(
            out.contains("static __ML_TEST_ENTRY_predicts__integration : :: ml_test :: __private :: TestEntry = :: ml_test :: __private :: TestEntry :: new (:: core :: concat ! (:: core :: module_path ! () , \"::predicts__integration\") , :: ml_test :: __private :: Tier :: Integration ,"),
            "{out}"
        );
        // Other code that calls the fn by the name it was written with still finds it.
        assert!(
            out.contains("} # [cfg (test)] # [allow (unused_imports)] pub (crate) use self :: predicts__integration as predicts ;"),
            "{out}"
        );
        // No `allow(non_snake_case)`: it would silence the lint for the body's names too.
        assert!(!out.contains("non_snake_case"), "{out}");
    }

    #[test]
    fn an_unselected_tier_is_ignored_with_its_reason_and_existing_attributes_are_kept() {
        let out = ml_test("slow", "fn trains() {}");
        assert!(
            out.contains("# [ignore = \"tier `slow` is not selected; run `cargo test -- --include-ignored __slow`\"] fn trains__slow ()"),
            "{out}"
        );
        let selected = expand_str(Attribute::MlTest, "slow", "fn trains() {}", Some("slow"));
        assert!(!selected.contains("# [ignore"), "{selected}");
        assert!(selected.contains("fn trains__slow ()"), "{selected}");
        let kept = ml_test(
            "slow",
            "#[tokio::test] #[ignore = \"flaky\"] async fn fetches() {}",
        );
        assert!(
            kept.starts_with("# [tokio :: test] # [ignore = \"flaky\"] async fn fetches__slow ()"),
            "{kept}"
        );
        assert_eq!(kept.matches("# [ignore").count(), 1, "{kept}");
        assert!(!kept.contains("prelude :: v1 :: test"), "{kept}");
    }

    #[test]
    fn each_threshold_option_calls_the_runtime_setter_of_its_name() {
        let steps = expand_str(
            Attribute::OverfitCheck,
            "target_loss = 0.5, target_relative = 0.2, window = 0.25, min_decrease = 0.01, \
             min_param_change = 1e-8, init_rtol = 0.3, init_samples = 9, init_sigmas = 2, \
             deterministic_steps = 4, loss_at_init(classes = 2)",
            "fn model() -> M { M }",
            None,
        );
        assert!(
            steps.contains(":: ml_test :: __private :: Thresholds :: DEFAULT . target_loss (0.5f64) . target_relative (0.2f64) . window (0.25f64) . min_decrease (0.01f64) . min_param_change (0.00000001f64) . init_rtol (0.3f64) . init_samples (9usize) . init_sigmas (2f64) . deterministic_steps (4usize)"),
            "{steps}"
        );
        let fit = expand_str(
            Attribute::OverfitCheck,
            "capacity = 1..=3, max_rise = 0.5, target_error = 0",
            "fn model() -> M { M }",
            None,
        );
        assert!(
            fit.contains(":: ml_test :: __private :: FitThresholds :: DEFAULT . target_error (0f64) . max_rise (0.5f64)"),
            "{fit}"
        );
    }

    #[test]
    fn a_result_a_timeout_or_a_sweep_moves_the_body_into_a_fn() {
        let out = ml_test(
            "timeout = \"1s\"",
            "fn t() -> Result<(), String> { Ok(()) }",
        );
        assert!(out.contains("fn t () {"), "the worker reports: {out}");
        assert!(
            out.contains("fn __ml_test_body () -> Result < () , String > { Ok (()) }"),
            "{out}"
        );
        assert!(
            out.contains("run_with_timeout (& __ML_TEST_ENTRY_t , __ml_test_body)"),
            "{out}"
        );
        let swept = ml_test("slow, seeds = 20, exclusive", "fn t() {}");
        assert!(
            swept.contains("run_seeds (& __ML_TEST_ENTRY_t__slow , __ml_test_body)"),
            "{swept}"
        );
        assert!(
            swept.contains(") . with_seeds (20u32) . with_exclusive () . with_ignore_reason ("),
            "{swept}"
        );
        let returned = ml_test("", "fn t() -> Result<(), String> { Ok(()) }");
        assert!(
            returned.contains(":: run (& __ML_TEST_ENTRY_t , __ml_test_body)"),
            "{returned}"
        );
    }

    #[test]
    fn stacked_attributes_make_one_test_and_handles_become_bindings() {
        let out = expand_str(
            Attribute::MockModel,
            "loader = a::load, returns = [1]",
            "#[mock_model(loader = b::load, fails = \"down\", global)] #[ml_test(slow)] #[should_panic] fn t(a: Mock, b: Mock) {}",
            None,
        );
        assert_eq!(out.matches("prelude :: v1 :: test").count(), 1, "{out}");
        assert!(
            out.contains("\"::t__slow\") , :: ml_test :: __private :: Tier :: Slow ,"),
            "{out}"
        );
        assert!(
            !out.contains("mock_model ("),
            "the attributes below are consumed: {out}"
        );
        assert!(out.contains("fn t__slow () {"), "{out}");
        assert!(
            out.contains("let a : Mock = __ml_test_scope . handle (0usize) ;"),
            "{out}"
        );
        assert!(out.contains(". fails (\"down\") . global ()"), "{out}");
        assert!(
            out.contains("assert_is_loader :: < b :: load > ()"),
            "{out}"
        );
        assert!(out.contains(". with_expected_panic ()"), "{out}");
    }

    #[test]
    fn an_expression_without_a_loader_is_probed_for_numbers() {
        let out = expand_str(
            Attribute::MockModel,
            "returns = scores()",
            "fn t() {}",
            None,
        );
        assert!(
            out.contains("returns_value (\"scores ()\" , :: ml_test :: __private :: probe_value ! (scores ()))"),
            "{out}"
        );
    }

    #[test]
    fn on_error_the_item_is_emitted_as_written_beside_every_error() {
        let out = ml_test(
            "slwo, seed = 1e400",
            "fn predicts(x: u32) { #![allow(unused)] }",
        );
        assert_eq!(out.matches("compile_error").count(), 3, "{out}");
        assert!(
            out.ends_with("# [allow (dead_code)] fn predicts (x : u32) { #! [allow (unused)] }"),
            "{out}"
        );
    }

    #[test]
    fn a_group_has_one_test_per_check_and_takes_the_tier_of_an_ml_test_beside_it() {
        let out = expand_str(
            Attribute::OverfitCheck,
            "steps = 50, skip = [overfits_batch]",
            "#[ml_test(integration, seed = 5)] fn model() -> M { M }",
            None,
        );
        for check in [
            "loss_is_finite",
            "loss_decreases",
            "params_update",
            "deterministic",
        ] {
            assert!(
                out.contains(&format!("fn {check}__integration ()")),
                "{check}: {out}"
            );
        }
        assert!(!out.contains("fn overfits_batch"), "skipped: {out}");
        assert!(
            !out.contains(" use "),
            "nobody calls a check by its name: {out}"
        );
        assert!(!out.contains("ml_test ("), "consumed: {out}");
        assert!(out.contains("Tier :: Integration ,"), "{out}");
        assert!(out.contains(". with_seed (5u64)"), "{out}");
        assert!(
            out.contains("Check :: ALL [4usize]"),
            "deterministic: {out}"
        );
        assert!(out.contains("TestKind :: CheckGroup"), "{out}");
        // #[ml_test] above gathers #[overfit_check] the same way.
        let above = expand_str(
            Attribute::MlTest,
            "integration",
            "#[overfit_check(capacity = 1..=3)] fn tree() -> T { T }",
            None,
        );
        assert!(above.contains("fn fits_batch__integration ()"), "{above}");
        assert!(above.contains("FitCheck :: ALL [1usize]"), "{above}");
    }

    #[test]
    fn under_rstest_the_attributes_go_below_the_last_case_for_every_case() {
        let out = ml_test(
            "slow, seed = 3",
            "#[rstest::rstest] #[case(1)] #[should_panic] #[case::two(2)] #[mock_model(returns = [1])] #[tokio::test] async fn doubles(#[case] x: u32) {}",
        );
        assert_eq!(
            out,
            "# [rstest :: rstest] # [case (1)] # [should_panic] # [case :: two (2)] \
             # [:: ml_test :: ml_test (slow , seed = 3)] # [:: ml_test :: mock_model (returns = [1])] \
             # [tokio :: test] async fn doubles (# [case] x : u32) { }"
        );
    }

    #[test]
    fn under_test_case_a_sync_fn_is_handed_over_as_async_with_the_marker() {
        let out = ml_test(
            "integration",
            "#[test_case(1)] #[test_case(2)] fn squares(x: u32) -> Result<(), String> { Ok(()) }",
        );
        assert_eq!(
            out,
            "# [test_case (1)] # [:: ml_test :: ml_test (integration)] \
             # [:: ml_test :: __private :: __ml_test_sync_case] # [test_case (2)] \
             async fn squares (x : u32) -> Result < () , String > { Ok (()) }"
        );
        // An async fn has its runtime's attribute: no marker.
        let out = ml_test(
            "integration",
            "#[test_case(1)] #[tokio::test] async fn squares(x: u32) {}",
        );
        assert!(!out.contains("sync_case"), "{out}");
    }

    #[test]
    fn a_marked_case_runs_its_future_to_completion_as_a_sync_test() {
        let out = expand_str(
            Attribute::MlTest,
            "slow",
            "#[::ml_test::__private::__ml_test_sync_case] #[::core::prelude::v1::test] async fn test_case_1() -> u8 { let _result = super::squares(1).await; _result }",
            None,
        );
        assert!(out.contains("fn test_case_1__slow () -> u8 {"), "{out}");
        assert!(!out.contains("sync_case"), "the marker is consumed: {out}");
        assert!(
            out.contains("async fn __ml_test_case () -> u8 { let _result = super :: squares (1) . await ; _result } :: ml_test :: __private :: ready (__ml_test_case ())"),
            "{out}"
        );
    }
}
