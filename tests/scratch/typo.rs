use ml_test::prelude::*;

#[ml_test(slwo)]
fn misspelled_tier() {}
