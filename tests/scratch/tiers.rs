// A user's test file: one test per tier, each checking the tier it runs in.
use ml_test::prelude::*;

fn tier_now() -> Tier {
    ml_test::context::current().expect("inside an ml-test test").tier()
}

#[ml_test]
fn unit_check() {
    assert_eq!(tier_now(), Tier::Unit);
}

#[ml_test(integration)]
fn integration_check() {
    assert_eq!(tier_now(), Tier::Integration);
}

#[ml_test(slow)]
fn slow_check() {
    assert_eq!(tier_now(), Tier::Slow);
}

#[ml_test(gpu)]
fn gpu_check() {
    assert_eq!(tier_now(), Tier::Gpu);
}

/// The scenarios give the run a deployment (`ML_TEST_ENDPOINT`): an e2e test reaches it.
#[ml_test(e2e)]
fn e2e_check() {
    assert_eq!(tier_now(), Tier::E2e);
    assert!(ml_test::e2e::client().live());
}
