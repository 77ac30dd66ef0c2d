// Fails to build on purpose, with one error: the tier's suffix (`check__slow`) trips no lint,
// and ml-test adds no `allow` that would hide a lint from the user's own names in the body.
#![deny(non_snake_case, unused_imports, dead_code)]
use ml_test::prelude::*;

#[ml_test(slow)]
fn check() {
    let camelCase = 1;
    assert_eq!(camelCase, 1);
}

#[ml_test(integration)]
pub fn public_check() {}
