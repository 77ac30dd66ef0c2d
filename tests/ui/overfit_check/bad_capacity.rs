// A capacity sweep is increasing usize literals, with two or more unless the trend check is skipped.
use ml_test::prelude::*;

struct Tree;
impl Fitter for Tree {
    type Predictions = Vec<u8>;
    fn fit(&mut self, _capacity: usize) -> Vec<u8> { vec![0] }
    fn error(&self, _predictions: &Vec<u8>) -> f64 { 0.0 }
}

#[overfit_check(capacity = [4, 2])]
fn decreasing() -> Tree { Tree }

#[overfit_check(capacity = 5..5)]
fn empty() -> Tree { Tree }

#[overfit_check(capacity = "1..=9")]
fn a_string() -> Tree { Tree }

#[overfit_check(capacity = [3])]
fn one_capacity() -> Tree { Tree }

#[overfit_check(capacity = 1u8..=3)]
fn suffixed() -> Tree { Tree }

#[overfit_check(capacity = 0..=1000000)]
fn too_many() -> Tree { Tree }

#[overfit_check(capacity = 1..=3, target_error = -0.5, max_rise = 1e400)]
fn bad_thresholds() -> Tree { Tree }

fn main() {}
