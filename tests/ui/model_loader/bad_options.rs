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

#[model_loader(cahce)]
fn misspelled() -> Result<SharedModel<Vec<f32>, Vec<i64>>, String> {
    Ok(Arc::new(Constant))
}

#[model_loader(cache)]
fn cached_with_a_parameter(path: &str) -> Result<SharedModel<Vec<f32>, Vec<i64>>, String> {
    let _ = path;
    Ok(Arc::new(Constant))
}

#[model_loader]
fn no_return_type() {}

fn main() {}
