use ml_test::prelude::*;

#[ml_test]
fn predicts(batch_size: usize, model: &str) {
    let _ = (batch_size, model);
}

fn main() {}
