#[path = "../common/loader.rs"]
mod common;
use common::*;
use ml_test::prelude::*;

fn helper() -> Result<SharedModel<Vec<f32>, Vec<i64>>, String> {
    load_model()
}

struct NotALoader;

#[mock_model(loader = helper, returns = [1])]
fn mocks_a_plain_fn() {}

#[mock_model(loader = NotALoader, returns = [1])]
fn mocks_a_struct() {}

fn main() {}
