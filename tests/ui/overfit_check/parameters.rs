use ml_test::prelude::*;

struct T;

#[overfit_check(steps = 10)]
fn model(learning_rate: f64) -> T {
    let _ = learning_rate;
    T
}

fn main() {}
