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
