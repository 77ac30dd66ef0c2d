//! A burn MLP on twelve iris flowers: burn's `Linear` layers with their default init, burn's
//! SGD, a switch for the classic training bugs, and the classifier a service loads from a
//! burn record file.

use std::path::PathBuf;
use std::sync::Arc;

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Linear, LinearConfig};
use burn::optim::{GradientsParams, ModuleOptimizer, SgdConfig};
use burn::tensor::activation::{relu, softmax};
use burn::tensor::{Device, Int, Tensor, TensorData};
use ml_test::prelude::*;
use ml_test::rand::rngs::StdRng;

/// Features per flower and classes.
pub const FEATURES: usize = 4;
pub const CLASSES: usize = 3;
const HIDDEN: usize = 16;

/// Four flowers of each species (sepal length, sepal width, petal length, petal width, in cm),
/// with their species' index.
const FLOWERS: [([f32; FEATURES], i64); 12] = [
    ([5.1, 3.5, 1.4, 0.2], 0),
    ([4.9, 3.0, 1.4, 0.2], 0),
    ([4.7, 3.2, 1.3, 0.2], 0),
    ([5.0, 3.6, 1.4, 0.2], 0),
    ([7.0, 3.2, 4.7, 1.4], 1),
    ([6.4, 3.2, 4.5, 1.5], 1),
    ([6.9, 3.1, 4.9, 1.5], 1),
    ([5.5, 2.3, 4.0, 1.3], 1),
    ([6.3, 3.3, 6.0, 2.5], 2),
    ([5.8, 2.7, 5.1, 1.9], 2),
    ([7.1, 3.0, 5.9, 2.1], 2),
    ([6.3, 2.9, 5.6, 1.8], 2),
];

/// Per-feature mean and standard deviation of the iris data set, for standardising inputs.
const MEAN: [f32; FEATURES] = [5.843, 3.057, 3.758, 1.199];
const STD: [f32; FEATURES] = [0.825, 0.434, 1.759, 0.760];

/// The device everything here runs on: burn's pure-Rust CPU backend, with autodiff.
pub fn device() -> Device {
    Device::flex().autodiff()
}

fn standardise(raw: Tensor<2>) -> Tensor<2> {
    let device = raw.device();
    let mean = Tensor::<1>::from_data(TensorData::from(MEAN), &device).unsqueeze::<2>();
    let std = Tensor::<1>::from_data(TensorData::from(STD), &device).unsqueeze::<2>();
    (raw - mean) / std
}

/// The standardised batch (12 x 4) and its labels (12).
pub fn batch(device: &Device) -> (Tensor<2>, Tensor<1, Int>) {
    let x: Vec<f32> = FLOWERS.iter().flat_map(|(features, _)| *features).collect();
    let y: Vec<i64> = FLOWERS.iter().map(|(_, label)| *label).collect();
    let x = Tensor::<2>::from_data(TensorData::new(x, [FLOWERS.len(), FEATURES]), device);
    let y = Tensor::<1, Int>::from_data(TensorData::new(y, [FLOWERS.len()]), device);
    (standardise(x), y)
}

/// Two linear layers with a ReLU between them.
#[derive(Module, Debug)]
pub struct Mlp {
    hidden: Linear,
    output: Linear,
}

impl Mlp {
    /// The layers, with burn's default initialisation.
    pub fn new(device: &Device, outputs: usize) -> Mlp {
        Mlp {
            hidden: LinearConfig::new(FEATURES, HIDDEN).init(device),
            output: LinearConfig::new(HIDDEN, outputs).init(device),
        }
    }

    /// Logits for a batch (n x 4 -> n x classes). `detach` cuts the graph after the hidden layer.
    fn logits(&self, x: Tensor<2>, detach: bool) -> Tensor<2> {
        let mut hidden = relu(self.hidden.forward(x));
        if detach {
            hidden = hidden.detach();
        }
        self.output.forward(hidden)
    }
}

/// A training bug to plant, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bug {
    None,
    /// The optimiser step is forgotten: gradients are computed, nothing moves.
    NoOptimiserStep,
    /// The hidden layer's output is detached, so the hidden layer never learns.
    DetachedLayer,
    /// A learning rate far too high for SGD on this batch.
    DivergingLr,
    /// The cross-entropy is summed over the batch instead of averaged.
    SummedLoss,
    /// The output layer has ten classes where the data has three.
    WrongClasses,
}

/// The MLP, SGD, and the fixed batch. burn's optimiser takes the module by value, so it is
/// held in an `Option` between steps.
pub struct Training {
    model: Option<Mlp>,
    optimiser: ModuleOptimizer,
    lr: f64,
    x: Tensor<2>,
    y: Tensor<1, Int>,
    bug: Bug,
}

impl Training {
    /// A fresh MLP whose initial weights come from the test's seed.
    pub fn new(bug: Bug) -> Training {
        let device = device();
        let outputs = if bug == Bug::WrongClasses {
            10
        } else {
            CLASSES
        };
        let model = ml_test::burn::init(&device, |device| Mlp::new(device, outputs));
        Training::with_model(bug, model, &device)
    }

    /// A fresh MLP whose initial weights come from `rng` (outside a test).
    pub fn from_rng(bug: Bug, rng: &mut StdRng) -> Training {
        let device = device();
        let model = ml_test::burn::init_from_rng(rng, &device, |device| Mlp::new(device, CLASSES));
        Training::with_model(bug, model, &device)
    }

    fn with_model(bug: Bug, model: Mlp, device: &Device) -> Training {
        let (x, y) = batch(device);
        Training {
            model: Some(model),
            optimiser: SgdConfig::new().init(),
            lr: if bug == Bug::DivergingLr { 50.0 } else { 0.5 },
            x,
            y,
            bug,
        }
    }

    fn model(&self) -> &Mlp {
        self.model
            .as_ref()
            .expect("the model is back after each step")
    }
}

impl Trainer for Training {
    fn step(&mut self) -> f64 {
        let model = self
            .model
            .take()
            .expect("the model is back after each step");
        let logits = model.logits(self.x.clone(), self.bug == Bug::DetachedLayer);
        let mut loss = CrossEntropyLossConfig::new()
            .init(&self.x.device())
            .forward(logits, self.y.clone());
        if self.bug == Bug::SummedLoss {
            loss = loss * FLOWERS.len() as f32;
        }
        let value = f64::from(loss.clone().into_scalar::<f32>());
        let gradients = GradientsParams::from_grads(loss.backward(), &model);
        self.model = Some(if self.bug == Bug::NoOptimiserStep {
            model
        } else {
            self.optimiser.step(self.lr, model, gradients)
        });
        value
    }

    fn parameters(&self) -> Vec<(String, ml_test::ndarray::ArrayD<f64>)> {
        ml_test::burn::parameters(self.model())
    }
}

/// The record file the service ships: the MLP trained on the batch above
/// (`cargo run -- train` writes it again).
pub fn weights_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("classifier.bpk")
}

/// The serving side: a batch of raw measurements (n x 4) in, class probabilities out.
pub struct Classifier {
    model: Mlp,
}

impl Classifier {
    /// The architecture with seeded random weights, for `#[random_weights]` tests.
    pub fn random(rng: &mut StdRng) -> Result<SharedModel<Tensor<2>, Tensor<2>>, ModelError> {
        let model =
            ml_test::burn::init_from_rng(rng, &device(), |device| Mlp::new(device, CLASSES));
        Ok(Arc::new(Classifier { model }))
    }
}

impl Model for Classifier {
    type Input = Tensor<2>;
    type Output = Tensor<2>;

    fn predict(&self, raw: &Tensor<2>) -> Result<Tensor<2>, ModelError> {
        let [_, features] = raw.dims();
        if features != FEATURES {
            return Err(ModelError::invalid_input(format!(
                "the classifier takes {FEATURES} features per flower, got {features}"
            )));
        }
        let logits = self.model.logits(standardise(raw.clone()), false);
        Ok(softmax(logits, 1))
    }
}

/// Loads the trained classifier from its burn record file.
#[model_loader(random = Classifier::random, cache)]
pub fn load_classifier() -> Result<SharedModel<Tensor<2>, Tensor<2>>, ModelError> {
    let model = Mlp::new(&device(), CLASSES)
        .try_load_file(weights_path())
        .map_err(|error| {
            ModelError::unavailable(format!("{}: {error:?}", weights_path().display()))
        })?;
    Ok(Arc::new(Classifier { model }))
}

/// What a `/predict` handler does with the model: the most likely species of each flower.
pub fn predict_species(measurements: &[[f32; FEATURES]]) -> Result<Vec<i64>, ModelError> {
    let model = load_classifier()?;
    let flat: Vec<f32> = measurements.iter().flatten().copied().collect();
    let batch = Tensor::<2>::from_data(
        TensorData::new(flat, [measurements.len(), FEATURES]),
        &device(),
    );
    let probabilities = model.predict(&batch)?;
    let species = probabilities.argmax(1).into_data();
    Ok(species.iter::<i64>().collect())
}

/// Trains the MLP from `rng`'s initial weights for `steps` steps and saves its record.
pub fn train_and_save(rng: &mut StdRng, steps: usize) -> Vec<f64> {
    let mut training = Training::from_rng(Bug::None, rng);
    let losses = (0..steps).map(|_| training.step()).collect();
    let model = training.model.take().expect("trained");
    model
        .save_file(weights_path())
        .expect("the record file is written");
    losses
}
