use ml_test::prelude::*;

#[ml_test(slow, timeout = "30 parsecs")]
fn trains() {}

#[ml_test(timeout = 30)]
fn predicts() {}

#[ml_test(timeout = "0s")]
fn never() {}

fn main() {}
