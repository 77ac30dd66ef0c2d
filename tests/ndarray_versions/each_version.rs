// Included once per ndarray version by tests/ndarray_versions.rs, with `nd` that version.

use std::panic::catch_unwind;
use std::sync::Arc;

use ml_test::behaviour::{assert_batch_invariant, output_contract};
use ml_test::data::assert_disjoint;
use ml_test::prelude::*;
use nd::{Array1, Array2, Axis, array};

use super::panic_message;

/// Class 1 when the first feature is above a threshold: each row on its own.
struct Threshold(f64);

impl Model for Threshold {
    type Input = Array2<f64>;
    type Output = Array1<usize>;

    fn predict(&self, x: &Array2<f64>) -> Result<Array1<usize>, ModelError> {
        Ok(x.column(0).mapv(|v| usize::from(v > self.0)))
    }
}

/// Centres each feature on the batch's mean: a prediction depends on the other rows.
struct BatchCentred;

impl Model for BatchCentred {
    type Input = Array2<f64>;
    type Output = Array1<f64>;

    fn predict(&self, x: &Array2<f64>) -> Result<Array1<f64>, ModelError> {
        let mean = x.mean_axis(Axis(0)).expect("rows");
        Ok((x - &mean).column(0).to_owned())
    }
}

#[model_loader]
fn load_threshold() -> Result<SharedModel<Array2<f64>, Array1<usize>>, String> {
    Ok(Arc::new(Threshold(0.5)))
}

#[ml_test]
fn metrics_score_the_arrays() {
    let truth: Array1<usize> = array![1, 0, 1, 1, 0];
    let predicted: Array1<usize> = array![1, 0, 0, 1, 0];
    assert_eq!(metrics::accuracy(&truth, &predicted), 0.8);
    assert_eq!(metrics::precision(truth.view(), &predicted), 1.0);
    assert_eq!(metrics::accuracy(&[1, 0, 1, 1, 0], &predicted), 0.8);
    let scores: Array1<f64> = array![0.9, 0.2, 0.25, 0.8, 0.3];
    assert!((metrics::roc_auc(&truth, &scores) - 5.0 / 6.0).abs() < 1e-12);
    assert!((metrics::mae(&scores, scores.view()) - 0.0).abs() < 1e-12);
}

#[mock_model(returns = [1, 0])]
fn a_mock_returns_the_loaders_arrays_and_compares_its_inputs(mock: Mock) {
    let model = load_threshold().unwrap();
    let x: Array2<f64> = array![[0.9, 1.0], [0.1, 2.0]];
    assert_eq!(model.predict(&x).unwrap(), array![1, 0]);
    mock.assert_called_once_with(array![[0.9, 1.0], [0.1, 2.0]]);
    // ml-test's own ndarray, and nested Vecs, compare by their numbers.
    mock.assert_called_with(ml_test::ndarray::array![[0.9, 1.0], [0.1, 2.0]]);
    mock.assert_any_call(vec![vec![0.9, 1.0], vec![0.1, 2.0]]);
    assert_eq!(mock.calls()[0].input::<Array2<f64>>(), Some(&x));
    let message = panic_message(catch_unwind(|| {
        mock.assert_called_with(array![[0.9, 1.0], [0.1, 2.5]])
    }));
    assert!(
        message.contains("Expected input: [[0.9, 1.0], [0.1, 2.5]] (f64, shape (2, 2))"),
        "{message}"
    );
}

#[mock_model(loader = load_threshold, returns = array![0, 0, 1])]
fn a_returns_expression_of_the_loaders_array_type(mock: Mock) {
    let x: Array2<f64> = Array2::zeros((3, 2));
    assert_eq!(load_threshold().unwrap().predict(&x).unwrap(), array![0, 0, 1]);
    mock.assert_called_once_with(Array2::<f64>::zeros((3, 2)));
}

#[mock_model(returns = [[1, 2]])]
#[should_panic(expected = "cannot become the loader's output type `Array1<usize> (ndarray")]
fn a_literal_of_another_rank_names_the_arrays_version() {
    let _ = load_threshold();
}

#[ml_test]
fn assert_close_and_param_read_the_arrays() {
    let a: Array1<f32> = array![0.1, 0.2];
    assert_close!(a, ml_test::ndarray::array![0.1f32, 0.2]);
    assert_close!(a, [0.1, 0.2]);
    let message = panic_message(catch_unwind(|| assert_close!(a, [0.1, 0.3])));
    assert!(message.contains("Mismatched elements: 1 / 2"), "{message}");
    let (name, values) = param("w", &array![[1.0, 2.0]]);
    assert_eq!((name.as_str(), values.shape()), ("w", &[1, 2][..]));
}

#[ml_test]
fn behaviour_cases_perturb_the_arrays() {
    let score = |x: &Array1<f64>| 2.0 * x[0];
    behaviour("doubles the first feature", score)
        .invariant("the second feature is ignored", &array![0.3, 1.0], |x| x[1] = 7.0)
        .increases("a larger first feature", &array![0.3, 1.0], |x| x[0] += 1.0)
        .check();
    // What the model sees, as an array of this version: a perturbation that changes nothing
    // there is caught as vacuous.
    let report = behaviour("doubles the first feature", score)
        .features(|x: &Array1<f64>| x.clone())
        .invariant("rounding an integer", &array![2.0, 1.0], |x| x[0] = x[0].round())
        .run();
    assert!(!report.passed());
}

#[ml_test]
fn output_contracts_split_the_batch_into_rows() {
    assert_batch_invariant(&Threshold(0.5), &array![[0.9, 1.0], [0.1, 2.0]]);
    output_contract(&Threshold(0.5), &array![[0.9, 1.0], [0.1, 2.0]])
        .in_range(0, 1)
        .check();
    let message = panic_message(catch_unwind(|| {
        assert_batch_invariant(&BatchCentred, &array![[1.0], [3.0]]);
    }));
    assert!(message.contains("2 of 2 rows differ"), "{message}");
}

/// Memorises the first `capacity` labels of a batch of four and predicts 0 for the rest: a
/// fitter whose predictions are this version's `Array1<usize>`.
struct Memoriser {
    labels: Array1<usize>,
}

impl Fitter for Memoriser {
    type Predictions = Array1<usize>;

    fn fit(&mut self, capacity: usize) -> Array1<usize> {
        Array1::from_shape_fn(self.labels.len(), |i| {
            if i < capacity { self.labels[i] } else { 0 }
        })
    }

    fn error(&self, predictions: &Array1<usize>) -> f64 {
        1.0 - metrics::accuracy(&self.labels, predictions)
    }
}

#[overfit_check(capacity = 0..=4, tier = unit)]
fn memoriser() -> Memoriser {
    Memoriser {
        labels: array![1, 0, 1, 1],
    }
}

#[ml_test]
fn a_splits_rows_are_its_records() {
    let train: Array2<f64> = array![[1.0, 2.0], [3.0, 4.0]];
    let test: Array2<f64> = array![[5.0, 6.0], [3.0, 4.0]];
    let key = |row: &nd::ArrayView1<f64>| row.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_disjoint(train.rows(), array![[5.0, 6.0]].rows(), key);
    let message = panic_message(catch_unwind(|| {
        assert_disjoint(train.rows(), test.rows(), key);
    }));
    assert!(message.contains("test row 1, training row 1"), "{message}");
    let message = panic_message(catch_unwind(|| {
        assert_disjoint(train.outer_iter(), test.outer_iter(), |row| row.sum().to_bits());
    }));
    assert!(message.contains("test row 1, training row 1"), "{message}");
}
