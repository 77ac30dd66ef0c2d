//! A linfa user's arrays (ndarray 0.16) with ml-test built without its `ndarray-0_16` feature:
//! the failures say which feature to turn on.

use std::sync::Arc;

use ml_test::prelude::*;
use ndarray016::{Array1, Array2, array};

struct Threshold;

impl Model for Threshold {
    type Input = Array2<f64>;
    type Output = Array1<usize>;

    fn predict(&self, x: &Array2<f64>) -> Result<Array1<usize>, ModelError> {
        Ok(x.column(0).mapv(|v| usize::from(v > 0.5)))
    }
}

#[model_loader]
fn load_threshold() -> Result<SharedModel<Array2<f64>, Array1<usize>>, String> {
    Ok(Arc::new(Threshold))
}

#[mock_model(returns = [1, 0])]
fn a_literal_for_an_old_array() {
    let _ = load_threshold();
}

#[mock_model(loader = load_threshold, returns = array![1, 0])]
fn an_old_array_input_against_numbers(mock: Mock) {
    load_threshold()
        .unwrap()
        .predict(&array![[0.9, 1.0], [0.1, 2.0]])
        .unwrap();
    mock.assert_called_once_with(ml_test::ndarray::array![[0.9, 1.0], [0.1, 2.0]]);
}
