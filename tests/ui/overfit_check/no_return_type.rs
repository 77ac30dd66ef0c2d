use ml_test::prelude::*;

#[overfit_check]
fn model() {}

fn main() {}
