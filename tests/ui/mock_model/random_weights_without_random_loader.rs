#[path = "../common/loader.rs"]
mod common;
use common::*;
use ml_test::prelude::*;

#[random_weights(seed = 7, loader = load_model)]
fn shapes() {}

fn main() {}
