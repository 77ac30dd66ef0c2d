// With `capacity`, the fn must build a Fitter; this one builds a step-trained model.
use ml_test::prelude::*;
use ml_test::ndarray::ArrayD;

struct Steps;
impl Trainer for Steps {
    fn step(&mut self) -> f64 { 1.0 }
    fn parameters(&self) -> Vec<(String, ArrayD<f64>)> { Vec::new() }
}

#[overfit_check(capacity = 1..=3)]
fn steps() -> Steps {
    Steps
}

fn main() {}
