use ml_test::prelude::*;

#[ml_test(slow, gpu)]
fn trains_on_device() {}

fn main() {}
