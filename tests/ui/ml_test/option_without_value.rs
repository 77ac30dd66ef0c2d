use ml_test::prelude::*;

#[ml_test(slow, timeout)]
fn trains() {}

#[ml_test(slow = true)]
fn evaluates() {}

fn main() {}
