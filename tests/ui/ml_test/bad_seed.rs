use ml_test::prelude::*;

#[ml_test(seed = "seven")]
fn shuffles() {}

#[ml_test(seed = -1)]
fn shuffles_negative() {}

fn main() {}
