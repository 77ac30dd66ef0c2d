// Tests of the tiers whose prerequisites a machine may lack: a deployment, an accelerator.
use ml_test::prelude::*;

#[ml_test(e2e)]
fn reaches_the_endpoint() {
    assert!(ml_test::e2e::endpoint().starts_with("http://"));
}

/// Checks nothing a deployment could break: it must not pass.
#[ml_test(e2e)]
fn reaches_nothing() {}

#[ml_test(gpu)]
fn needs_a_gpu() {}
