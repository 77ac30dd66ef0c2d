// One mistake in a loader's attribute, or in its signature, gives one error: its companion item
// is still emitted, so the tests that name the loader compile.
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

#[model_loader]
fn no_return_type() {}

#[mock_model(loader = misspelled, returns = [1])]
fn mocks_the_misspelled_loader() {}

#[mock_model(loader = no_return_type, returns = [1])]
fn mocks_the_loader_without_a_return_type() {}

fn main() {
    let _ = misspelled();
}
