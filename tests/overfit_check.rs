//! `#[overfit_check]` on real trainers: the generated module, its tests and their tiers.

#[path = "../examples/convergence/trainers.rs"]
mod trainers;

use ml_test::prelude::*;
use trainers::{Bug, LogisticRegression, Mlp};

#[overfit_check(steps = 300, target_loss = 0.05, loss_at_init(classes = 2))]
fn logistic_regression() -> LogisticRegression {
    LogisticRegression::new(Bug::None)
}

/// The MLP keeps its output bias `b2` frozen; the `frozen` check proves it.
#[overfit_check(steps = 50, skip = [overfits_batch], frozen = ["b2"])]
#[ml_test(integration, seed = 5)]
fn tier_from_ml_test_below() -> impl Trainer {
    Mlp::new(Bug::None)
}

#[ml_test(unit)]
#[overfit_check(steps = 20, skip = [overfits_batch, loss_decreases])]
fn tier_from_ml_test_above() -> LogisticRegression {
    LogisticRegression::new(Bug::None)
}

#[ml_test]
fn the_group_registers_one_test_per_check_in_its_tier() {
    let tests = ml_test::registry();
    let group = |prefix: &str| {
        let mut found: Vec<(&str, Tier)> = tests
            .iter()
            .filter(|t| t.name().starts_with(prefix))
            .map(|t| (&t.name()[prefix.len()..], t.tier))
            .collect();
        found.sort();
        found
    };
    assert_eq!(
        group("logistic_regression::"),
        [
            ("deterministic", Tier::Slow),
            ("loss_at_init", Tier::Slow),
            ("loss_decreases", Tier::Slow),
            ("loss_is_finite", Tier::Slow),
            ("overfits_batch", Tier::Slow),
            ("params_update", Tier::Slow),
        ]
    );
    let below = group("tier_from_ml_test_below::");
    assert_eq!(
        below.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        [
            "deterministic",
            "frozen",
            "loss_decreases",
            "loss_is_finite",
            "params_update"
        ]
    );
    assert!(below.iter().all(|(_, tier)| *tier == Tier::Integration));
    let above = group("tier_from_ml_test_above::");
    assert_eq!(above.len(), 3);
    assert!(above.iter().all(|(_, tier)| *tier == Tier::Unit));
    assert!(
        tests
            .iter()
            .filter(|t| t.name().starts_with("tier_from_ml_test"))
            .all(|t| t.kind == ml_test::TestKind::ConvergenceCheck)
    );
}

static NO_OP: ml_test::convergence::CheckGroup = ml_test::convergence::CheckGroup::standalone(
    "overfit_check::no_op_trainer",
    100,
    ml_test::convergence::Thresholds::DEFAULT,
    None,
    &[],
);

fn failure_message(check: ml_test::convergence::Check) -> String {
    let panic =
        std::panic::catch_unwind(|| NO_OP.check(check, || LogisticRegression::new(Bug::NoOpStep)))
            .expect_err("the check must fail on a trainer whose step does nothing");
    panic
        .downcast_ref::<String>()
        .cloned()
        .expect("a formatted message")
}

#[ml_test]
fn a_failed_check_reports_numbers_a_sparkline_and_a_plot() {
    use ml_test::convergence::Check;
    let message = failure_message(Check::LossDecreases);
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(
        lines[0],
        "convergence check `loss_decreases`: the loss did not go down"
    );
    assert!(
        lines[1].starts_with("  first window mean (steps 0..10): 0.69"),
        "{message}"
    );
    assert!(
        lines[2].starts_with("  last window mean (steps 90..100): 0.69"),
        "{message}"
    );
    let curve = lines
        .iter()
        .find(|l| l.starts_with("  loss "))
        .expect("a loss-curve line");
    assert!(
        curve.contains("▄▄▄▄") && curve.ends_with("(100 steps)"),
        "{curve}"
    );
    let plot = lines
        .iter()
        .find_map(|l| l.strip_prefix("  plot: "))
        .expect("a plot line");
    let svg = std::fs::read_to_string(plot).unwrap_or_else(|e| panic!("{plot}: {e}"));
    assert!(
        svg.contains("<polyline") && svg.contains("no_op_trainer: loss_decreases failed (seed")
    );
    let seed = ml_test::context::seed_from_name("no_op_trainer");
    assert!(
        message.ends_with(&format!("replay with ML_TEST_SEED={seed})"))
            || std::env::var_os("ML_TEST_SEED").is_some(),
        "{message}"
    );

    let update = failure_message(Check::ParamsUpdate);
    assert!(
        update.contains("`params_update`: 2 of 2 trainable tensor(s) did not move"),
        "{update}"
    );
    assert!(
        update.contains("\n  w [2]: max change 0 after 100 steps (after step 1: 0)"),
        "{update}"
    );
    let overfit = failure_message(Check::OverfitsBatch);
    assert!(
        overfit.contains("`overfits_batch`: the loss did not reach 0.0347"),
        "{overfit}"
    );
}
