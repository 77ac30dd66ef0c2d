//! The model the service serves: a linear classifier over four flower measurements, its weights
//! read from a JSON file, and its loader.

use std::path::Path;
use std::sync::Arc;

use ml_test::ndarray::{Array1, Array2, Axis};
use ml_test::prelude::*;
use ml_test::rand::Rng;
use ml_test::rand::rngs::StdRng;
use serde::Deserialize;

/// How many measurements a flower has.
pub const FEATURES: usize = 4;
/// How many species the model tells apart.
pub const CLASSES: usize = 3;

/// The weights file as written.
#[derive(Deserialize)]
struct WeightsFile {
    weights: Vec<Vec<f32>>,
    bias: Vec<f32>,
}

/// Scores each class as `weights · x + bias` and predicts the best.
pub struct LinearClassifier {
    weights: Array2<f32>,
    bias: Array1<f32>,
}

impl LinearClassifier {
    /// Reads the weights file.
    pub fn from_file(path: &Path) -> Result<LinearClassifier, LoadError> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| LoadError(format!("cannot read {}: {error}", path.display())))?;
        let file: WeightsFile = serde_json::from_str(&text).map_err(|error| {
            LoadError(format!("{} is not a weights file: {error}", path.display()))
        })?;
        let rows = file.weights.len();
        let flat: Vec<f32> = file.weights.into_iter().flatten().collect();
        let weights = Array2::from_shape_vec((rows, FEATURES), flat)
            .map_err(|error| LoadError(format!("weights must be {CLASSES}x{FEATURES}: {error}")))?;
        if rows != CLASSES || file.bias.len() != CLASSES {
            return Err(LoadError(format!(
                "expected {CLASSES} classes, found {rows}"
            )));
        }
        Ok(LinearClassifier {
            weights,
            bias: Array1::from(file.bias),
        })
    }

    /// The same architecture with weights drawn from `rng`: for shape tests.
    pub fn random(rng: &mut StdRng) -> Result<SharedModel<Array2<f32>, Array1<i64>>, LoadError> {
        Ok(Arc::new(LinearClassifier {
            weights: Array2::from_shape_fn((CLASSES, FEATURES), |_| rng.random_range(-1.0..1.0)),
            bias: Array1::from_shape_fn(CLASSES, |_| rng.random_range(-1.0..1.0)),
        }))
    }
}

impl Model for LinearClassifier {
    type Input = Array2<f32>;
    type Output = Array1<i64>;

    fn predict(&self, batch: &Array2<f32>) -> Result<Array1<i64>, ModelError> {
        if batch.ncols() != FEATURES {
            return Err(ModelError::invalid_input(format!(
                "the model takes {FEATURES} features per row, got {}",
                batch.ncols()
            )));
        }
        let scores = batch.dot(&self.weights.t()) + &self.bias;
        Ok(scores.map_axis(Axis(1), |row| {
            let best = row
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map_or(0, |(class, _)| class);
            best as i64
        }))
    }
}

/// The model could not be loaded.
#[derive(Debug)]
pub struct LoadError(pub String);

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where the service's weights live. A real service reads gigabytes from disk or a bucket here.
pub fn weights_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/prediction_service/weights.json")
}

/// The production loader: reads the weights once per process (`cache`). Tests swap it for a mock
/// (`#[mock_model]`) or for the same architecture with random weights (`#[random_weights]`).
#[model_loader(random = LinearClassifier::random, cache)]
pub fn load_classifier() -> Result<SharedModel<Array2<f32>, Array1<i64>>, LoadError> {
    Ok(Arc::new(LinearClassifier::from_file(&weights_path())?))
}
