// Compiled with ML_TEST_TIERS=slwo,unit (see tests/ui.rs).
use ml_test::prelude::*;

#[ml_test]
fn predicts() {}

fn main() {}
