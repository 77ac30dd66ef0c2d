use ml_test::prelude::*;

#[ml_test(slow, retries = 3)]
fn trains() {}

fn main() {}
