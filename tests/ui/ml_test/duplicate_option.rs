use ml_test::prelude::*;

#[ml_test(seed = 1, seed = 2)]
fn shuffles() {}

fn main() {}
