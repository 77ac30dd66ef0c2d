use ml_test::prelude::*;

struct Model {
    weights: Vec<f64>,
}

#[overfit_check(steps = 10)]
fn model() -> Model {
    Model { weights: vec![0.0] }
}

fn main() {
    let _ = model().weights;
}
