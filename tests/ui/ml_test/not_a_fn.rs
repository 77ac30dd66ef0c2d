use ml_test::prelude::*;

#[ml_test]
struct Fixture;

fn main() {
    // The struct is still emitted, so code using it keeps compiling.
    let _ = Fixture;
}
