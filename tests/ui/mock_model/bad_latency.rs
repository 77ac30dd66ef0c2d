use ml_test::prelude::*;

#[mock_model(returns = [99], latency = "fast")]
fn slow_model() {}

#[mock_model(returns = [99], latency = 50)]
fn slow_model_again() {}

fn main() {}
