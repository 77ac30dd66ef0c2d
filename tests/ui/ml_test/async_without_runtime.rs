use ml_test::prelude::*;

#[ml_test]
async fn fetches_weights() {}

fn main() {}
