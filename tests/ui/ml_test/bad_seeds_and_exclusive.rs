// `seeds` counts the runs of a sweep; `exclusive` is a flag.
use ml_test::prelude::*;

#[ml_test(slow, seeds = 0)]
fn no_runs() {}

#[ml_test(slow, seeds = "x")]
fn not_a_number() {}

#[ml_test(slow, seeds = 5u8)]
fn suffixed() {}

#[ml_test(slow, seeds = 99999999999)]
fn too_many() {}

#[ml_test(slow, seeds)]
fn no_value() {}

#[ml_test(exclusive = 3)]
fn exclusive_with_a_value() {}

#[ml_test(exclusive, exclusive)]
fn exclusive_twice() {}

fn main() {}
