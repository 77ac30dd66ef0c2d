// A user's evaluation tests, written against the documented contract only.
use std::time::Duration;

use ml_test::prelude::*;

/// Holds for most seeds: fails when the seed is a multiple of 3.
#[ml_test(slow, seeds = 20)]
fn threshold_on_twenty_splits() {
    let seed = ml_test::context::current().unwrap().seed();
    assert!(seed % 3 != 0, "accuracy below 0.82 with seed {seed}");
}

#[ml_test]
fn failing_gates() {
    gates("scorecard")
        .at_least("accuracy", metrics::accuracy(&[1, 0, 1, 1], &[1, 0, 0, 1]), 0.82)
        .at_least("roc_auc", metrics::roc_auc(&[1, 0, 1, 1], &[0.9, 0.2, 0.4, 0.8]), 0.84)
        .at_most("log_loss", metrics::log_loss(&[1, 0, 1, 1], &[0.9, 0.2, 0.4, 0.8]), 0.1)
        .check();
}

#[ml_test]
fn latency_of_a_1ms_sleep() {
    let report = ml_test::latency(50, || std::thread::sleep(Duration::from_millis(1)));
    assert!(report.median() >= Duration::from_millis(1), "{report}");
    report.assert_below(50.0, "1s");
}

#[ml_test]
fn splits_share_a_row() {
    let train = [(1, "a"), (2, "b")];
    let test = [(3, "b")];
    ml_test::data::assert_disjoint(&train, &test, |row| row.1);
}
