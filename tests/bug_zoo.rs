//! The bug zoo: the convergence checks pass on correct trainers across 20 seeds, and each
//! classic training bug fails the check that should catch it, on every one of those seeds.

#[path = "../examples/convergence/trainers.rs"]
mod trainers;

use ml_test::convergence::{Check, CheckFailure, CheckGroup, Trainer};
use ml_test::prelude::*;
use trainers::{Bug, LogisticRegression, Mlp};

const SEEDS: std::ops::Range<u64> = 0..20;

const fn group(path: &'static str, steps: usize, frozen: &'static [&'static str]) -> CheckGroup {
    CheckGroup::standalone(path)
        .steps(steps)
        .classes(2)
        .frozen(frozen)
}

static LOGREG: CheckGroup = group("bug_zoo::logistic_regression", 300, &[]);
static MLP: CheckGroup = group("bug_zoo::xor_mlp", 1000, &["b2"]);

/// Each check with its verdict on one training run.
type Verdicts = Vec<(Check, Result<(), CheckFailure>)>;

/// The verdict of every check of `group` on `build`, for each seed.
fn sweep<T: Trainer>(group: &'static CheckGroup, build: fn() -> T) -> Vec<(u64, Verdicts)> {
    let checks = group.checks(&[]);
    SEEDS
        .map(|seed| (seed, group.sweep(build, seed, &checks)))
        .collect()
}

/// Asserts that on every seed exactly the `failing` checks fail.
fn assert_fails_exactly<T: Trainer>(
    group: &'static CheckGroup,
    build: fn() -> T,
    failing: &[Check],
) {
    for (seed, verdicts) in sweep(group, build) {
        for (check, verdict) in verdicts {
            let should_fail = failing.contains(&check);
            match verdict {
                Ok(()) if should_fail => {
                    panic!("seed {seed}: {check:?} passed but should catch the bug")
                }
                Err(failure) if !should_fail => {
                    panic!("seed {seed}: {check:?} failed unexpectedly: {failure}")
                }
                _ => {}
            }
        }
    }
}

fn failure_of<T: Trainer>(
    group: &'static CheckGroup,
    build: fn() -> T,
    check: Check,
) -> CheckFailure {
    let verdicts = group.sweep(build, 0, &[check]);
    verdicts
        .into_iter()
        .next()
        .unwrap()
        .1
        .expect_err("the check should fail")
}

#[ml_test(integration)]
fn correct_trainers_pass_every_check_on_20_seeds() {
    assert_fails_exactly(&LOGREG, || LogisticRegression::new(Bug::None), &[]);
    assert_fails_exactly(&MLP, || Mlp::new(Bug::None), &[]);
}

#[ml_test(integration)]
fn an_optimizer_step_that_does_nothing() {
    let failing = [
        Check::LossDecreases,
        Check::ParamsUpdate,
        Check::OverfitsBatch,
    ];
    assert_fails_exactly(&LOGREG, || LogisticRegression::new(Bug::NoOpStep), &failing);
    assert_fails_exactly(&MLP, || Mlp::new(Bug::NoOpStep), &failing);
    let failure = failure_of(&MLP, || Mlp::new(Bug::NoOpStep), Check::ParamsUpdate);
    assert_eq!(failure.summary, "3 of 3 trainable tensor(s) did not move");
}

#[ml_test(integration)]
fn a_flipped_gradient_sign() {
    let failure = failure_of(
        &LOGREG,
        || LogisticRegression::new(Bug::FlippedSign),
        Check::LossDecreases,
    );
    assert_eq!(failure.summary, "the loss did not go down");
    for (group, verdicts) in [
        (
            "logreg",
            sweep(&LOGREG, || LogisticRegression::new(Bug::FlippedSign)),
        ),
        ("mlp", sweep(&MLP, || Mlp::new(Bug::FlippedSign))),
    ] {
        assert_eq!(verdicts.len(), SEEDS.count());
        for (seed, verdicts) in verdicts {
            let decreases = verdicts
                .iter()
                .find(|(c, _)| *c == Check::LossDecreases)
                .unwrap();
            assert!(
                decreases.1.is_err(),
                "{group} seed {seed}: gradient ascent must not pass loss_decreases"
            );
        }
    }
}

#[ml_test(integration)]
fn a_learning_rate_that_diverges_to_nan() {
    for (seed, verdicts) in sweep(&LOGREG, || LogisticRegression::new(Bug::DivergingLr)) {
        let finite = &verdicts
            .iter()
            .find(|(c, _)| *c == Check::LossIsFinite)
            .unwrap()
            .1;
        let failure = finite
            .as_ref()
            .expect_err("a diverging run has a non-finite loss");
        assert!(
            failure.summary.starts_with("the loss became "),
            "seed {seed}: {failure}"
        );
    }
}

#[ml_test(integration)]
fn a_layer_left_out_of_the_update() {
    for (seed, verdicts) in sweep(&MLP, || Mlp::new(Bug::LayerLeftOut)) {
        let update = &verdicts
            .iter()
            .find(|(c, _)| *c == Check::ParamsUpdate)
            .unwrap()
            .1;
        let failure = update.as_ref().expect_err("w1 and b1 never move");
        assert_eq!(
            failure.summary, "2 of 3 trainable tensor(s) did not move",
            "seed {seed}"
        );
        assert!(
            failure.details[0].starts_with("w1 [2, 8]: max change 0"),
            "{failure}"
        );
        assert!(
            failure.details[1].starts_with("b1 [8]: max change 0"),
            "{failure}"
        );
    }
}

#[ml_test(integration)]
fn labels_disconnected_from_the_inputs() {
    for (group, verdicts) in [
        (
            "logreg",
            sweep(&LOGREG, || LogisticRegression::new(Bug::LabelsDisconnected)),
        ),
        ("mlp", sweep(&MLP, || Mlp::new(Bug::LabelsDisconnected))),
    ] {
        for (seed, verdicts) in verdicts {
            let overfit = &verdicts
                .iter()
                .find(|(c, _)| *c == Check::OverfitsBatch)
                .unwrap()
                .1;
            assert!(
                overfit.is_err(),
                "{group} seed {seed}: a model blind to its inputs cannot memorise the batch"
            );
        }
    }
}

#[ml_test(integration)]
fn an_unseeded_rng() {
    assert_fails_exactly(
        &MLP,
        || Mlp::new(Bug::UnseededInit),
        &[Check::Deterministic],
    );
    for (seed, verdicts) in sweep(&LOGREG, || LogisticRegression::new(Bug::UnseededInit)) {
        let deterministic = &verdicts
            .iter()
            .find(|(c, _)| *c == Check::Deterministic)
            .unwrap()
            .1;
        assert!(
            deterministic.is_err(),
            "logreg seed {seed}: an unseeded init must fail deterministic"
        );
    }
    let failure = failure_of(
        &LOGREG,
        || LogisticRegression::new(Bug::UnseededInit),
        Check::Deterministic,
    );
    assert!(
        failure
            .summary
            .starts_with("two fresh trainers differ at step 0"),
        "{failure}"
    );
}

#[ml_test(integration)]
fn a_frozen_tensor_that_moves() {
    assert_fails_exactly(&MLP, || Mlp::new(Bug::FrozenMoves), &[Check::Frozen]);
    let failure = failure_of(&MLP, || Mlp::new(Bug::FrozenMoves), Check::Frozen);
    assert_eq!(failure.summary, "1 frozen tensor(s) moved");
    assert!(
        failure.details[0].starts_with("b2 [1]: max change "),
        "{failure}"
    );
}
