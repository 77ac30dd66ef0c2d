// A check group shares one training run: a seed sweep or exclusivity does not apply to it.
use ml_test::prelude::*;
use ml_test::ndarray::ArrayD;

struct Steps;
impl Trainer for Steps {
    fn step(&mut self) -> f64 { 1.0 }
    fn parameters(&self) -> Vec<(String, ArrayD<f64>)> { Vec::new() }
}

#[overfit_check(steps = 10)]
#[ml_test(slow, seeds = 5)]
fn steps() -> Steps {
    Steps
}

fn main() {}
