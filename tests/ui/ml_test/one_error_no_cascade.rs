// One mistake in a test's attributes gives one error per mistake, all of them together, and the
// fn is still emitted, so the code that calls it compiles.
use ml_test::prelude::*;

#[ml_test(slwo, seed = 300u8)]
#[mock_model(returns = 1e400)]
fn three_mistakes() {
    #![allow(unused_variables)]
    let unused = 1;
}

#[overfit_check(steps = 99999999999999999999, target_loss = 1e400)]
fn overflowing_options() -> u8 {
    0
}

fn main() {
    three_mistakes();
    let _ = overflowing_options();
}
