//! The scratch crate's production code: a model behind a loader, and the code that uses it.

use std::sync::Arc;

use ml_test::ndarray::{array, Array1, Array2, ArrayD, Axis};
use ml_test::prelude::*;

/// Label 1 for rows whose features sum above zero.
pub struct Scorer;

impl Model for Scorer {
    type Input = Array2<f32>;
    type Output = Array1<i64>;

    fn predict(&self, input: &Array2<f32>) -> Result<Array1<i64>, ModelError> {
        Ok(input.sum_axis(Axis(1)).mapv(|sum| i64::from(sum > 0.0)))
    }
}

/// Stands for a loader that reads gigabytes of weights.
#[model_loader]
pub fn load_scorer() -> Result<SharedModel<Array2<f32>, Array1<i64>>, String> {
    Ok(Arc::new(Scorer))
}

/// The code under test: it knows nothing of mocks.
pub fn predict(features: Array2<f32>) -> Result<Array1<i64>, String> {
    let model = load_scorer()?;
    model.predict(&features).map_err(|error| error.to_string())
}

/// A one-weight model whose every step halves its weight: the loss falls on every step, for the
/// scratch crate's check groups.
pub struct Halving {
    w: f64,
}

impl Halving {
    pub fn new() -> Halving {
        Halving { w: 1.0 }
    }
}

impl Default for Halving {
    fn default() -> Halving {
        Halving::new()
    }
}

impl Trainer for Halving {
    fn step(&mut self) -> f64 {
        self.w *= 0.5;
        self.w * self.w
    }

    fn parameters(&self) -> Vec<(String, ArrayD<f64>)> {
        vec![param("w", &array![self.w])]
    }
}
