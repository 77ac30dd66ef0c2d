use ml_test::prelude::*;

struct T;

#[overfit_check(target_loss = 0.0)]
fn model() -> T {
    T
}

#[overfit_check(target_loss = -0.5)]
fn other() -> T {
    T
}

fn main() {}

// An overflowing literal is an error at the token, not a macro panic.
#[overfit_check(target_loss = 1e400)]
fn overflowing() -> T {
    T
}
