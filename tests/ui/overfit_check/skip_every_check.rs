// Skipping every check would leave a group that tests nothing.
use ml_test::prelude::*;

struct Tree;
impl Fitter for Tree {
    type Predictions = Vec<u8>;
    fn fit(&mut self, _capacity: usize) -> Vec<u8> { vec![0] }
    fn error(&self, _predictions: &Vec<u8>) -> f64 { 0.0 }
}

#[overfit_check(capacity = 1..=3, skip = [fits_batch, monotone_in_capacity, deterministic])]
fn tree() -> Tree {
    Tree
}

fn main() {}

struct Steps;
impl Trainer for Steps {
    fn step(&mut self) -> f64 { 1.0 }
    fn parameters(&self) -> Vec<(String, ml_test::ndarray::ArrayD<f64>)> { Vec::new() }
}

#[overfit_check(skip = [loss_is_finite, loss_decreases, params_update, overfits_batch, deterministic])]
fn steps() -> Steps {
    Steps
}
