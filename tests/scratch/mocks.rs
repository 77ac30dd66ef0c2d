//! A user's tests of code that loads a model.

use ml_test::ndarray::array;
use ml_test::prelude::*;
use tier_selection_crate::{load_scorer, predict};

#[mock_model(returns = [99])]
fn predict_uses_the_mock(mock: Mock) {
    assert_eq!(predict(array![[1.0, 2.0]]), Ok(array![99]));
    mock.assert_called_once_with(array![[1.0f32, 2.0]]);
}

#[mock_model(loader = load_scorer, returns = [99])]
fn a_wrong_expectation_shows_both_calls(mock: Mock) {
    predict(array![[3.0, 4.0]]).unwrap();
    mock.assert_called_once_with(array![[1.0f32, 2.0]]);
}

#[ml_test(slow)]
fn the_real_model_in_the_slow_tier() {
    assert_eq!(predict(array![[1.0, 2.0], [-3.0, 1.0]]), Ok(array![1, 0]));
}

#[ml_test]
fn a_unit_test_that_loads_the_real_model() {
    let _ = predict(array![[1.0, 2.0]]);
}
