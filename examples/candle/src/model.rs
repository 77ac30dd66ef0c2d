//! A candle MLP on twelve iris flowers: stock `candle_nn::linear` layers, candle's own AdamW,
//! a switch for the classic training bugs, and the classifier a service loads from safetensors.

use std::path::PathBuf;
use std::sync::Arc;

use candle_core::{D, DType, Device, Tensor};
use candle_nn::{Linear, Module as _, Optimizer, VarBuilder, VarMap, linear};
use ml_test::prelude::*;
use ml_test::rand::rngs::StdRng;

/// Features per flower and classes.
pub const FEATURES: usize = 4;
pub const CLASSES: usize = 3;
const HIDDEN: usize = 16;

/// Four flowers of each species (sepal length, sepal width, petal length, petal width, in cm),
/// with their species' index.
const FLOWERS: [([f32; FEATURES], u32); 12] = [
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

/// The standardised batch (12 x 4, f32) and its labels (12, u32).
pub fn batch(device: &Device) -> candle_core::Result<(Tensor, Tensor)> {
    let x: Vec<f32> = FLOWERS
        .iter()
        .flat_map(|(features, _)| (0..FEATURES).map(|i| (features[i] - MEAN[i]) / STD[i]))
        .collect();
    let y: Vec<u32> = FLOWERS.iter().map(|(_, label)| *label).collect();
    Ok((
        Tensor::from_vec(x, (FLOWERS.len(), FEATURES), device)?,
        Tensor::from_vec(y, FLOWERS.len(), device)?,
    ))
}

/// Two stock linear layers with a ReLU between them.
pub struct Mlp {
    hidden: Linear,
    output: Linear,
}

impl Mlp {
    /// The layers, from `vb` (named `hidden.*` and `output.*`).
    pub fn new(vb: &VarBuilder, outputs: usize) -> candle_core::Result<Mlp> {
        Ok(Mlp {
            hidden: linear(FEATURES, HIDDEN, vb.pp("hidden"))?,
            output: linear(HIDDEN, outputs, vb.pp("output"))?,
        })
    }

    /// Logits for a batch (n x 4 -> n x classes). `detach` cuts the graph after the hidden layer.
    fn logits(&self, x: &Tensor, detach: bool) -> candle_core::Result<Tensor> {
        let mut hidden = self.hidden.forward(x)?.relu()?;
        if detach {
            hidden = hidden.detach();
        }
        self.output.forward(&hidden)
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
    /// A learning rate far too high for AdamW on this batch.
    DivergingLr,
    /// The cross-entropy is summed over the batch instead of averaged.
    SummedLoss,
    /// The output layer has ten classes where the data has three.
    WrongClasses,
    /// The batch lost a feature column, so the first step fails with candle's shape error.
    BrokenBatch,
}

/// The MLP, AdamW over its variables, and the fixed batch.
pub struct Training {
    varmap: VarMap,
    model: Mlp,
    optimiser: candle_nn::AdamW,
    x: Tensor,
    y: Tensor,
    bug: Bug,
}

impl Training {
    /// A fresh MLP whose initial weights come from the test's seed.
    pub fn new(bug: Bug) -> candle_core::Result<Training> {
        let varmap = VarMap::new();
        let vb = ml_test::candle::var_builder(&varmap, DType::F32, &Device::Cpu);
        Training::with_builder(bug, varmap, &vb)
    }

    /// A fresh MLP whose initial weights come from `rng` (outside a test).
    pub fn from_rng(bug: Bug, rng: &mut StdRng) -> candle_core::Result<Training> {
        let varmap = VarMap::new();
        let vb = ml_test::candle::var_builder_from_rng(rng, &varmap, DType::F32, &Device::Cpu);
        Training::with_builder(bug, varmap, &vb)
    }

    fn with_builder(bug: Bug, varmap: VarMap, vb: &VarBuilder) -> candle_core::Result<Training> {
        let device = Device::Cpu;
        let outputs = if bug == Bug::WrongClasses {
            10
        } else {
            CLASSES
        };
        let model = Mlp::new(vb, outputs)?;
        let lr = if bug == Bug::DivergingLr { 1e3 } else { 0.05 };
        let optimiser = candle_nn::AdamW::new_lr(varmap.all_vars(), lr)?;
        let (x, y) = batch(&device)?;
        Ok(Training {
            varmap,
            model,
            optimiser,
            x,
            y,
            bug,
        })
    }
}

impl TryTrainer for Training {
    type Error = candle_core::Error;

    fn try_step(&mut self) -> candle_core::Result<f64> {
        let x = if self.bug == Bug::BrokenBatch {
            self.x.narrow(1, 0, FEATURES - 1)?
        } else {
            self.x.clone()
        };
        let logits = self.model.logits(&x, self.bug == Bug::DetachedLayer)?;
        let mut loss = candle_nn::loss::cross_entropy(&logits, &self.y)?;
        if self.bug == Bug::SummedLoss {
            loss = (loss * FLOWERS.len() as f64)?;
        }
        if self.bug == Bug::NoOptimiserStep {
            let _gradients = loss.backward()?;
        } else {
            self.optimiser.backward_step(&loss)?;
        }
        Ok(f64::from(loss.to_scalar::<f32>()?))
    }

    fn parameters(&self) -> Vec<(String, ml_test::ndarray::ArrayD<f64>)> {
        ml_test::candle::parameters(&self.varmap)
    }
}

/// The weights file the service ships: the MLP trained on the batch above
/// (`cargo run --example candle --features candle -- train` writes it again).
pub fn weights_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("classifier.safetensors")
}

/// The serving side: a batch of raw measurements (n x 4, f32) in, class probabilities out.
pub struct Classifier {
    model: Mlp,
}

impl Classifier {
    fn from_builder(vb: &VarBuilder) -> Result<SharedModel<Tensor, Tensor>, ModelError> {
        Ok(Arc::new(Classifier {
            model: Mlp::new(vb, CLASSES)?,
        }))
    }

    /// The architecture with seeded random weights, for `#[random_weights]` tests.
    pub fn random(rng: &mut StdRng) -> Result<SharedModel<Tensor, Tensor>, ModelError> {
        let vb =
            ml_test::candle::var_builder_from_rng(rng, &VarMap::new(), DType::F32, &Device::Cpu);
        Classifier::from_builder(&vb)
    }
}

impl Model for Classifier {
    type Input = Tensor;
    type Output = Tensor;

    fn predict(&self, raw: &Tensor) -> Result<Tensor, ModelError> {
        let device = raw.device();
        let mean = Tensor::new(&MEAN, device)?;
        let std = Tensor::new(&STD, device)?;
        let x = raw.broadcast_sub(&mean)?.broadcast_div(&std)?;
        let logits = self.model.logits(&x, false)?;
        Ok(candle_nn::ops::softmax(&logits, D::Minus1)?)
    }
}

/// Loads the trained classifier from its safetensors file.
#[model_loader(random = Classifier::random, cache)]
pub fn load_classifier() -> Result<SharedModel<Tensor, Tensor>, ModelError> {
    let tensors = candle_core::safetensors::load(weights_path(), &Device::Cpu)?;
    let vb = VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu);
    Classifier::from_builder(&vb)
}

/// What a `/predict` handler does with the model: the most likely species of each flower.
pub fn predict_species(measurements: &[[f32; FEATURES]]) -> Result<Vec<u32>, ModelError> {
    let model = load_classifier()?;
    let flat: Vec<f32> = measurements.iter().flatten().copied().collect();
    let batch = Tensor::from_vec(flat, (measurements.len(), FEATURES), &Device::Cpu)?;
    let probabilities = model.predict(&batch)?;
    Ok(probabilities.argmax(D::Minus1)?.to_vec1::<u32>()?)
}

/// Trains the MLP from `rng`'s initial weights for `steps` steps and saves its weights.
pub fn train_and_save(rng: &mut StdRng, steps: usize) -> candle_core::Result<Vec<f64>> {
    let mut training = Training::from_rng(Bug::None, rng)?;
    let losses = (0..steps)
        .map(|_| training.try_step())
        .collect::<candle_core::Result<Vec<f64>>>()?;
    training.varmap.save(weights_path())?;
    Ok(losses)
}
