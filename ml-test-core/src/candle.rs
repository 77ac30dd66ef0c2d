//! candle models under test (feature `candle`): seeded initial weights, parameters for
//! [`Trainer::parameters`](crate::Trainer::parameters), and candle tensors as numbers.
//!
//! candle's CPU generator cannot be seeded, so `candle_nn::linear` and the other stock layers
//! start from different weights on every run. [`var_builder`] hands the layers a `VarBuilder`
//! that draws each variable from the running test's seed, with the init scheme the layer asks
//! for (Kaiming-uniform weights and uniform biases for `linear`), so a test repeats run after
//! run, `deterministic` holds for a correct model and `#[random_weights(seed = ..)]` decides the
//! weights.
//!
//! With this feature a [`Tensor`] is a number everywhere ml-test takes one: in
//! `#[mock_model(returns = [[0.1, 0.9]])]` literals (decimal literals become `f32` tensors,
//! whole numbers `i64`, on the CPU), in call assertions (`mock.assert_called_once_with(tensor)`),
//! in `assert_close!` and in [`param`](crate::param). A candle error converts into a
//! [`ModelError`], so `predict` can use `?`.
//!
//! See `examples/candle/` for a trained MLP, its bug zoo and its mocked loader.

use candle_core::{DType, Device, Shape, Tensor, Var};
use candle_nn::init::NormalOrUniform;
use candle_nn::var_builder::SimpleBackend;
use candle_nn::{Init, VarBuilder, VarMap};
use ndarray::ArrayD;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal};

use crate::literal::{FromLiteral, Literal, LiteralMismatch};
use crate::model::{ModelError, ModelErrorKind};
use crate::numeric::{Dtype, Numbers, Numeric, Scalar};

/// A `VarBuilder` over `varmap` whose new variables draw their initial values from the running
/// test's seed, each with its layer's own init scheme. Variables already in `varmap` (loaded
/// weights) are used as they are.
///
/// Each variable's values derive from the test's seed and the variable's name, so adding a
/// layer does not change the others' initial weights. The builder takes one stream of
/// [`rng()`](crate::rng): a second builder in the same test starts from other values, and
/// each fresh trainer of a check group (which gets a fresh test context) from the same ones.
///
/// # Panics
/// Outside a test run by ml-test (there is no test seed); the message says what to use there.
pub fn var_builder(varmap: &VarMap, dtype: DType, device: &Device) -> VarBuilder<'static> {
    if crate::context::current().is_none() {
        panic!(
            "ml_test::candle::var_builder is for tests run by ml-test: it seeds the weights from \
             the test's seed, and no ml-test test is running on this thread. Annotate the test \
             with #[ml_test] (or #[overfit_check], #[random_weights]); in a thread the test \
             spawned, carry its context over with `ml_test::context::current()` and `.enter()`; \
             in production code use `VarBuilder::from_varmap`."
        );
    }
    var_builder_from_rng(&mut crate::rng(), varmap, dtype, device)
}

/// [`var_builder`] seeded from `rng` instead of the test's seed: for a
/// `#[model_loader(random = ..)]` constructor, which gets the generator of
/// `#[random_weights(seed = ..)]`, and for code outside a test.
pub fn var_builder_from_rng(
    rng: &mut impl Rng,
    varmap: &VarMap,
    dtype: DType,
    device: &Device,
) -> VarBuilder<'static> {
    let backend = Seeded {
        map: varmap.clone(),
        base: rng.random::<u64>(),
    };
    VarBuilder::from_backend(Box::new(backend), dtype, device.clone())
}

/// `varmap`'s variables by name (sorted), as f64 arrays, for [`Trainer::parameters`](crate::Trainer::parameters)
/// (crate::Trainer::parameters).
///
/// # Panics
/// When a variable cannot be read back to the host (a device error); the message names it.
pub fn parameters(varmap: &VarMap) -> Vec<(String, ArrayD<f64>)> {
    let data = varmap
        .data()
        .lock()
        .unwrap_or_else(|poison| poison.into_inner());
    let mut names: Vec<&String> = data.keys().collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let numbers = data[name]
                .as_tensor()
                .try_numbers()
                .unwrap_or_else(|why| panic!("ml_test::candle::parameters: `{name}`: {why}"));
            (name.clone(), numbers.into_array())
        })
        .collect()
}

/// The seeded backend of [`var_builder`]: a `VarMap` whose missing variables are drawn from
/// the test's seed.
struct Seeded {
    map: VarMap,
    base: u64,
}

impl Seeded {
    /// The generator of variable `name`: the builder's seed mixed with a hash of the name that
    /// is the same on every platform and toolchain (FNV-1a), so a replayed seed gives the same
    /// weights anywhere.
    fn rng_for(&self, name: &str) -> StdRng {
        let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
        StdRng::seed_from_u64(self.base ^ hash)
    }
}

impl SimpleBackend for Seeded {
    fn get(
        &self,
        shape: Shape,
        name: &str,
        init: Init,
        dtype: DType,
        device: &Device,
    ) -> candle_core::Result<Tensor> {
        let mut data = self.map.data().lock().unwrap_or_else(|p| p.into_inner());
        if let Some(var) = data.get(name) {
            if var.shape() != &shape {
                candle_core::bail!("shape mismatch on {name}: {shape:?} <> {:?}", var.shape());
            }
            return Ok(var.as_tensor().clone());
        }
        let values = draw(init, &shape, &mut self.rng_for(name));
        let initial = Tensor::from_vec(values, shape, device)?.to_dtype(dtype)?;
        let var = Var::from_tensor(&initial)?;
        let tensor = var.as_tensor().clone();
        data.insert(name.to_owned(), var);
        Ok(tensor)
    }

    fn get_unchecked(
        &self,
        name: &str,
        dtype: DType,
        device: &Device,
    ) -> candle_core::Result<Tensor> {
        let data = self.map.data().lock().unwrap_or_else(|p| p.into_inner());
        match data.get(name) {
            Some(var) => var.as_tensor().to_dtype(dtype)?.to_device(device),
            None => Err(candle_core::Error::CannotFindTensor {
                path: name.to_owned(),
            }),
        }
    }

    fn contains_tensor(&self, name: &str) -> bool {
        let data = self.map.data().lock().unwrap_or_else(|p| p.into_inner());
        data.contains_key(name)
    }
}

/// `shape`'s initial values by `init`, as candle's `Init::var` draws them, from `rng`.
fn draw(init: Init, shape: &Shape, rng: &mut StdRng) -> Vec<f64> {
    let count = shape.elem_count();
    let uniform = |rng: &mut StdRng, lo: f64, up: f64| -> Vec<f64> {
        (0..count)
            .map(|_| lo + (up - lo) * rng.random::<f64>())
            .collect()
    };
    let normal = |rng: &mut StdRng, mean: f64, stdev: f64| -> Vec<f64> {
        match Normal::new(mean, stdev) {
            Ok(normal) => (0..count).map(|_| normal.sample(rng)).collect(),
            Err(_) => vec![f64::NAN; count],
        }
    };
    match init {
        Init::Const(value) => vec![value; count],
        Init::Uniform { lo, up } => uniform(rng, lo, up),
        Init::Randn { mean, stdev } => normal(rng, mean, stdev),
        Init::Kaiming {
            dist,
            fan,
            non_linearity,
        } => {
            let std = non_linearity.gain() / (fan.for_shape(shape) as f64).sqrt();
            match dist {
                NormalOrUniform::Uniform => {
                    let bound = 3f64.sqrt() * std;
                    uniform(rng, -bound, bound)
                }
                NormalOrUniform::Normal => normal(rng, 0.0, std),
            }
        }
    }
}

fn dtype_of(tensor: &Tensor) -> Result<Dtype, String> {
    Ok(match tensor.dtype() {
        DType::U8 => Dtype::U8,
        DType::U32 => Dtype::U32,
        DType::I16 => Dtype::I16,
        DType::I32 => Dtype::I32,
        DType::I64 => Dtype::I64,
        DType::BF16 => Dtype::BF16,
        DType::F16 => Dtype::F16,
        DType::F32 => Dtype::F32,
        DType::F64 => Dtype::F64,
        other => {
            return Err(format!(
                "a candle tensor of dtype {other:?} is not a number ml-test compares; convert it \
                 with `.to_dtype(DType::F32)`"
            ));
        }
    })
}

/// A candle tensor's shape, dtype and values (read back to the host).
impl Numeric for Tensor {
    fn numbers(&self) -> Numbers {
        self.try_numbers().unwrap_or_else(|why| panic!("{why}"))
    }

    fn try_numbers(&self) -> Result<Numbers, String> {
        let dtype = dtype_of(self)?;
        let values = self
            .to_dtype(DType::F64)
            .and_then(|t| t.flatten_all())
            .and_then(|t| t.to_vec1::<f64>())
            .map_err(|error| format!("the candle tensor could not be read: {error}"))?;
        Ok(Numbers {
            shape: self.dims().to_vec(),
            dtype,
            values,
        })
    }
}

/// A literal becomes a CPU tensor of its shape: `f32` when any number has a fraction or
/// exponent (`[[0.1, 0.9]]`), `i64` when all are whole (`[99]`), as `torch.tensor` decides.
impl FromLiteral for Tensor {
    fn from_literal(literal: &Literal) -> Result<Tensor, LiteralMismatch> {
        let float = literal
            .scalars
            .iter()
            .any(|scalar| matches!(scalar, Scalar::Float(_)));
        let shape = literal.shape.as_slice();
        let built = if float {
            let values = literal.elements::<f32>()?;
            Tensor::from_vec(values, shape, &Device::Cpu)
        } else {
            let values = literal.elements::<i64>()?;
            Tensor::from_vec(values, shape, &Device::Cpu)
        };
        built.map_err(|error| LiteralMismatch(error.to_string()))
    }

    fn describe() -> String {
        "Tensor".to_owned()
    }
}

/// A candle error as a failed prediction: shape, dtype and index errors are the caller's input
/// (`InvalidInput`), the rest `Internal`; the candle error is kept as the source.
impl From<candle_core::Error> for ModelError {
    fn from(error: candle_core::Error) -> ModelError {
        let kind = kind_of(&error);
        ModelError::new(kind, error.to_string()).with_source(error)
    }
}

fn kind_of(error: &candle_core::Error) -> ModelErrorKind {
    use candle_core::Error as E;
    match error {
        E::Context { inner, .. } | E::WithBacktrace { inner, .. } | E::WithPath { inner, .. } => {
            kind_of(inner)
        }
        E::UnexpectedDType { .. }
        | E::DTypeMismatchBinaryOp { .. }
        | E::DimOutOfRange { .. }
        | E::UnexpectedNumberOfDims { .. }
        | E::UnexpectedShape { .. }
        | E::ShapeMismatch { .. }
        | E::ShapeMismatchBinaryOp { .. }
        | E::ShapeMismatchCat { .. }
        | E::ShapeMismatchSplit { .. }
        | E::EmptyTensor { .. }
        | E::NarrowInvalidArgs { .. }
        | E::InvalidIndex { .. }
        | E::BroadcastIncompatibleShapes { .. } => ModelErrorKind::InvalidInput,
        _ => ModelErrorKind::Internal,
    }
}
