use ml_test::prelude::*;

#[ml_test]
fn predicts<T: Default>() {
    let _ = T::default();
}

fn main() {}
