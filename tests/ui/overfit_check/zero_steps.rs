use ml_test::prelude::*;

struct T;

#[overfit_check(steps = 0)]
fn model() -> T {
    T
}

fn main() {}
