use ml_test::prelude::*;

struct T;

#[overfit_check(steps = 10, skip = [loss_goes_down])]
fn model() -> T {
    T
}

#[overfit_check(gradients_flow)]
fn other() -> T {
    T
}

fn main() {}
