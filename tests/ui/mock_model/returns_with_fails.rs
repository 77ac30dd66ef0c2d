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

#[mock_model(returns = [99], fails = "down")]
fn predicts(mock: Mock) {
    mock.assert_not_called();
}

fn main() {}
