// Tests that fail on purpose, to check what a failure tells the user.
use ml_test::prelude::*;

#[ml_test]
fn fails_and_reports_its_seed() {
    let seed = ml_test::context::current().unwrap().seed();
    panic!("the loss went up (seed {seed})");
}

#[ml_test]
fn returns_an_error() -> Result<(), String> {
    Err("the batch was empty".into())
}

// `#[test]` above `#[ml_test]`: libtest never sees the tier's #[ignore]. Written on separate
// lines it is a compile error; on one line the compile-time check cannot see it, and the
// run-time check catches it.
#[rustfmt::skip]
#[test] #[ml_test(slow)]
fn misordered_test_attribute() {}

#[ml_test]
#[should_panic(expected = "on purpose")]
fn panics_as_it_should() {
    panic!("on purpose");
}
