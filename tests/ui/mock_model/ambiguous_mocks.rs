use ml_test::prelude::*;

#[mock_model(returns = [1])]
#[mock_model(returns = [2])]
fn two_catch_all_mocks() {}

#[mock_model(returns_fn = |input| input.clone())]
fn untyped_closure_without_loader() {}

fn main() {}
