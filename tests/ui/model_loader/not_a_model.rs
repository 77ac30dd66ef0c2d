use ml_test::prelude::*;

#[model_loader]
fn load_weights() -> Result<Vec<f32>, String> {
    Ok(vec![0.5])
}

fn main() {}
