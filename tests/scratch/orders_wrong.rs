//! Test attributes written above #[ml_test], each on its own line: compile errors that say
//! which order works.

use ml_test::prelude::*;

#[test]
#[ml_test]
fn test_above() {}

/// A doc comment and another attribute between do not hide it.
#[test]
#[allow(unused)]
#[ml_test(integration)]
fn test_above_with_attributes_between() {}

#[test_case::test_case(1 ; "one")]
#[ml_test]
fn test_case_above(x: u32) {
    assert!(x > 0);
}
