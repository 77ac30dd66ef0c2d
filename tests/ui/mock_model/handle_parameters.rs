use ml_test::prelude::*;

#[mock_model(returns = [1])]
fn two_handles_one_mock(_first: Mock, _second: Mock) {}

#[mock_model(returns = [1])]
fn not_a_handle(_mock: String) {}

fn main() {}
