use std::sync::Arc;
use ml_test::prelude::*;

struct Constant;

impl Model for Constant {
    type Input = Vec<f32>;
    type Output = Vec<i64>;
    fn predict(&self, _: &Vec<f32>) -> Result<Vec<i64>, ModelError> {
        Ok(vec![1])
    }
}

#[model_loader]
fn load_model() -> Result<SharedModel<Vec<f32>, Vec<i64>>, String> {
    Ok(Arc::new(Constant))
}

#[mock_model(returns = [1])]
fn two_handles_one_mock(first: Mock, second: Mock) {}

#[mock_model(returns = [1])]
fn not_a_handle(mock: String) {}

fn main() {}
