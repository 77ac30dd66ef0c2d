//! Test attributes of other crates above and below #[ml_test]: each combination registers once
//! and runs once per case, inside ml-test's context, or says which order works.

use ml_test::context;
use ml_test::prelude::*;

#[ml_test]
#[test]
fn test_below() {
    assert!(context::current().is_some());
}

#[tokio::test]
#[ml_test]
async fn tokio_above() {
    tokio::task::yield_now().await;
    assert!(context::current().is_some());
}

#[ml_test]
#[tokio::test]
async fn tokio_below() {
    tokio::task::yield_now().await;
    assert!(context::current().is_some());
}

#[ml_test]
#[rstest::rstest]
#[case(1)]
#[case(2)]
fn rstest_below(#[case] x: u32) {
    assert!(x > 0);
    assert!(context::current().is_some());
}

#[ml_test]
#[test_case::test_case(1 ; "one")]
#[test_case::test_case(2 ; "two")]
fn test_case_below(x: u32) {
    assert!(x > 0);
    assert!(context::current().is_some());
}

/// An unselected tier reaches every case as `#[ignore]`.
#[ml_test(slow)]
#[rstest::rstest]
#[case(1)]
fn slow_cases(#[case] x: u32) {
    assert!(x > 0);
}

/// `#[test]` above `#[ml_test]` registers the fn before ml-test sees it (the expansion leaves no
/// trace). On separate lines that is a compile error (tests/orders_wrong.rs); on one line the
/// compile-time check cannot see it: libtest holds the fn twice, and the second run fails.
#[rustfmt::skip]
#[test] #[ml_test]
fn test_above() {
    assert!(context::current().is_some());
}

/// rstest copies the attributes below it onto each case, #[ml_test] above its own #[test]: each
/// case is an ml-test test of its own.
#[rstest::rstest]
#[case(1)]
#[case(2)]
#[ml_test]
fn rstest_above(#[case] x: u32) {
    assert!(x > 0);
    assert!(context::current().is_some());
}

/// test-case copies them below its own #[test]: like `#[test]` above, each case is registered
/// twice. On one line (as here) only the run-time check sees it.
#[rustfmt::skip]
#[test_case::test_case(1 ; "one")] #[ml_test]
fn test_case_above(x: u32) {
    assert!(x > 0);
}
