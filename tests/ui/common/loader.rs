// The loader the #[mock_model] cases mock; not a case itself (tests/ui.rs globs the case dirs).
use std::sync::Arc;
use ml_test::prelude::*;

pub struct Constant;

impl Model for Constant {
    type Input = Vec<f32>;
    type Output = Vec<i64>;
    fn predict(&self, _: &Vec<f32>) -> Result<Vec<i64>, ModelError> {
        Ok(vec![1])
    }
}

#[model_loader]
pub fn load_model() -> Result<SharedModel<Vec<f32>, Vec<i64>>, String> {
    Ok(Arc::new(Constant))
}
