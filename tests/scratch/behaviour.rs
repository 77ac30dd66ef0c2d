// A user's behaviour checks, written against the documented contract only: a correct scorer,
// a broken one, a vacuous perturbation, and batch invariance on two models.
use ml_test::ndarray::{Array1, Array2, Axis, array};
use ml_test::prelude::*;

#[derive(Clone, Debug)]
pub struct Applicant {
    name: String,
    income: f64,
    debt: f64,
}

fn features(a: &Applicant) -> Vec<f64> {
    vec![a.income / 1000.0, a.debt / 1000.0]
}

fn correct(a: &Applicant) -> f64 {
    let x = features(a);
    1.0 / (1.0 + (-(0.05 * x[0] - 0.1 * x[1] - 1.0)).exp())
}

/// Reads the name and ignores the income.
fn broken(a: &Applicant) -> f64 {
    1.0 / (1.0 + (-(0.2 * a.name.len() as f64 - 0.1 * a.debt / 1000.0)).exp())
}

fn alice() -> Applicant {
    Applicant { name: "Alice".into(), income: 60_000.0, debt: 10_000.0 }
}

fn suite(score: fn(&Applicant) -> f64) {
    behaviour("approval", score)
        .features(|a: &Applicant| {
            let mut x = features(a);
            x.push(a.name.len() as f64);
            x
        })
        .feature_names(["income_k", "debt_k", "name_len"])
        .invariant("a renamed applicant", &alice(), |a| a.name = "Maximilian".into())
        .increases("a higher income", &alice(), |a| a.income *= 1.5)
        .decreases("more debt", &alice(), |a| a.debt += 20_000.0)
        .expect("approved", &alice(), |p| p > 0.5)
        .check();
}

#[ml_test]
fn correct_scorer() {
    suite(correct);
}

#[ml_test]
fn broken_scorer() {
    suite(broken);
}

#[ml_test]
fn field_the_features_ignore() {
    behaviour("approval", correct)
        .features(features)
        .invariant("the name does not matter", &alice(), |a| a.name = "Zoe".into())
        .check();
}

struct PerRow;

impl Model for PerRow {
    type Input = Array2<f64>;
    type Output = Array1<f64>;
    fn predict(&self, x: &Array2<f64>) -> Result<Array1<f64>, ModelError> {
        Ok(x.map_axis(Axis(1), |row| row[0] - 2.0 * row[1]))
    }
}

struct BatchMean;

impl Model for BatchMean {
    type Input = Array2<f64>;
    type Output = Array1<f64>;
    fn predict(&self, x: &Array2<f64>) -> Result<Array1<f64>, ModelError> {
        let mean = x.mean_axis(Axis(0)).unwrap();
        PerRow.predict(&(x - &mean))
    }
}

#[ml_test]
fn per_row_model_is_batch_invariant() {
    ml_test::behaviour::assert_batch_invariant(&PerRow, &array![[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]]);
}

#[ml_test]
fn batch_mean_model_is_not() {
    ml_test::behaviour::assert_batch_invariant(&BatchMean, &array![[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]]);
}
