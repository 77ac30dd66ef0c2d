// `capacity` makes the fn a model trained in one call: options of step-trained models are errors.
use ml_test::prelude::*;

struct Tree;
impl Fitter for Tree {
    type Predictions = Vec<u8>;
    fn fit(&mut self, _capacity: usize) -> Vec<u8> { vec![0] }
    fn error(&self, _predictions: &Vec<u8>) -> f64 { 0.0 }
}

#[overfit_check(capacity = 1..=9, steps = 100, loss_at_init(classes = 2), skip = [loss_decreases])]
fn tree() -> Tree {
    Tree
}

fn main() {}
