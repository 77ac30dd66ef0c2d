//! Convergence checks on real trainers: logistic regression and a two-layer MLP on XOR, both
//! written on ndarray with hand-written gradients.
//!
//! ```text
//! cargo test --example convergence -- --include-ignored __slow  # the checks: slow tier by default
//! cargo run --example convergence                               # the checks, run by hand
//! ```

#![cfg_attr(not(test), allow(dead_code))]

mod trainers;

use ml_test::prelude::*;
use trainers::{Bug, LogisticRegression, Mlp};

/// Logistic regression on six separable points: two classes, so the loss starts near ln 2.
#[overfit_check(steps = 300, target_loss = 0.05, loss_at_init(classes = 2))]
fn logistic_regression() -> LogisticRegression {
    LogisticRegression::new(Bug::None)
}

/// XOR needs the hidden layer: a model that overfits these four points has working backprop
/// through both layers. The output bias is frozen, and the check proves it stays put.
#[overfit_check(steps = 1000, frozen = ["b2"], loss_at_init(classes = 2))]
fn xor_mlp() -> Mlp {
    Mlp::new(Bug::None)
}

/// A planted bug, to see what a failure looks like: `cargo run --example convergence`.
fn mlp_with_a_layer_left_out() -> Mlp {
    Mlp::new(Bug::LayerLeftOut)
}

fn main() {
    use ml_test::convergence::{Check, CheckGroup};
    static GROUP: CheckGroup = CheckGroup::standalone("convergence::mlp_with_a_layer_left_out")
        .steps(1000)
        .frozen(&["b2"]);
    for (check, verdict) in GROUP.sweep(
        mlp_with_a_layer_left_out,
        1,
        &GROUP.checks(&[Check::Deterministic]),
    ) {
        match verdict {
            Ok(()) => println!("{check:?}: ok"),
            Err(failure) => println!("{check:?}: FAILED {failure}"),
        }
    }
}
