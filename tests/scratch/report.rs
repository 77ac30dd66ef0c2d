// A user's tests of every kind, one passing and one failing each, run under ML_TEST_REPORT:
// the report of their run is checked in a real browser (tests/cargo_tiers.rs).
use std::time::Duration;

use ml_test::ndarray::{array, Array1, Array2, ArrayD};
use ml_test::prelude::*;

#[ml_test]
fn plain_passes() {
    assert_eq!(2 + 2, 4);
}

#[ml_test(integration)]
fn plain_fails() {
    assert_eq!(2 + 2, 5, "arithmetic is off");
}

pub struct LogReg {
    x: Array2<f64>,
    y: Array1<f64>,
    w: Array1<f64>,
    learn: bool,
}

impl Trainer for LogReg {
    fn step(&mut self) -> f64 {
        let p = self.x.dot(&self.w).mapv(|z| 1.0 / (1.0 + (-z).exp()));
        let n = self.y.len() as f64;
        let loss = -self.y.iter().zip(&p).map(|(y, p)| y * p.ln() + (1.0 - y) * (1.0 - p).ln()).sum::<f64>() / n;
        if self.learn {
            self.w = &self.w - &(self.x.t().dot(&(&p - &self.y)) / n);
        }
        loss
    }

    fn parameters(&self) -> Vec<(String, ArrayD<f64>)> {
        vec![param("w", &self.w)]
    }
}

fn logreg(learn: bool) -> LogReg {
    LogReg {
        x: array![[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [-1.0, -2.0], [-2.0, 0.5], [0.5, -1.5]],
        y: array![1.0, 1.0, 1.0, 0.0, 0.0, 0.0],
        w: array![0.01, -0.01],
        learn,
    }
}

#[overfit_check(steps = 300, target_loss = 0.05)]
fn learns() -> LogReg {
    logreg(true)
}

#[overfit_check(steps = 100)]
fn stuck() -> LogReg {
    logreg(false)
}

/// Income and debt; the third feature is an applicant's name code, which the model ignores.
fn approval(x: &[f64; 3]) -> f64 {
    1.0 / (1.0 + (-(x[0] - x[1])).exp())
}

#[ml_test(slow)]
fn behaviour_passes() {
    behaviour("approval", approval)
        .invariant("another name", &[1.0, 0.5, 7.0], |x| x[2] = 8.0)
        .increases("a higher income", &[1.0, 0.5, 7.0], |x| x[0] += 1.0)
        .expect("a clear case", &[5.0, 0.0, 7.0], |score| score > 0.9)
        .check();
}

#[ml_test(slow)]
fn behaviour_fails() {
    behaviour("approval", approval)
        .decreases("a higher income", &[1.0, 0.5, 7.0], |x| x[0] += 1.0)
        .invariant("the same name", &[1.0, 0.5, 7.0], |x| x[2] = 7.0)
        .check();
}

#[ml_test(slow)]
fn gates_pass() {
    gates("scorecard").at_least("accuracy", 0.91, 0.8).at_most("log_loss", 0.2, 0.45).check();
}

#[ml_test(slow)]
fn gates_fail() {
    gates("scorecard").at_least("accuracy", 0.71, 0.8).check();
}

#[ml_test(slow)]
fn latency_within_budget() {
    ml_test::latency(40, || std::hint::black_box(3 + 4)).assert_below(99.0, "1s");
}

#[ml_test(slow)]
fn latency_over_budget() {
    ml_test::latency(20, || std::thread::sleep(Duration::from_millis(2))).assert_below(50.0, "1ms");
}

#[ml_test(slow, seeds = 4)]
fn sweep_passes() {
    assert!(ml_test::seed() > 0);
}

#[ml_test(slow, seeds = 4)]
fn sweep_fails() {
    let seed = ml_test::seed();
    assert!(seed % 2 == 0, "odd seed {seed}");
}

#[ml_test(e2e)]
fn deployment_answers() {
    assert!(ml_test::e2e::client().live());
}

#[ml_test(e2e)]
fn deployment_lacks_a_model() {
    ml_test::e2e::client().infer("absent", &array![[1.0f32]]);
}
