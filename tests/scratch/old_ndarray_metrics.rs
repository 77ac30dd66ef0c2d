//! Does not compile: ml-test without `ndarray-0_16` cannot read ndarray 0.16 labels, and the
//! error says which feature to turn on.

use ml_test::metrics;
use ndarray016::{Array1, array};

#[test]
fn scores_linfa_predictions() {
    let truth: Array1<usize> = array![1, 0, 1];
    let predicted: Array1<usize> = array![1, 0, 0];
    assert!(metrics::accuracy(&truth, &predicted) > 0.5);
}
