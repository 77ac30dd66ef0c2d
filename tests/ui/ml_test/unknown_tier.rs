use ml_test::prelude::*;

#[ml_test(slwo)]
fn trains() {}

fn main() {}
