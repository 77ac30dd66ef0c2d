// `target_error` belongs to models trained in one call, which name their capacity sweep.
use ml_test::prelude::*;
use ml_test::ndarray::ArrayD;

struct Steps;
impl Trainer for Steps {
    fn step(&mut self) -> f64 { 1.0 }
    fn parameters(&self) -> Vec<(String, ArrayD<f64>)> { Vec::new() }
}

#[overfit_check(target_error = 0, skip = [fits_batch])]
fn steps() -> Steps {
    Steps
}

fn main() {}
