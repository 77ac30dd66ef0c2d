//! burn models under test (feature `burn`, burn 0.22): seeded module initialisation, named
//! parameters for [`Trainer::parameters`](crate::Trainer::parameters), and burn tensors as
//! numbers.
//!
//! burn's random generator is one per backend and process, and its parameters initialise
//! lazily, on first use. [`init`] seeds the device from the running test's seed, builds the
//! module and initialises every parameter before it returns, all under one lock, so two tests
//! building models at the same moment do not take each other's random draws, a test repeats run
//! after run and `deterministic` holds for a correct model. Any backend works: ml-test does not
//! pick one (the examples use `Device::flex()`, burn's pure-Rust CPU backend).
//!
//! With this feature a `Tensor<D>` (float) or `Tensor<D, Int>` is a number everywhere ml-test
//! takes one: in `#[mock_model(returns = [[0.1, 0.9]])]` literals (of the tensor's rank, on the
//! default device), in call assertions, in `assert_close!` and in [`param`](crate::param).
//!
//! See `examples/burn/` for a trained MLP, its bug zoo and its mocked loader.

use std::cell::Cell;
use std::sync::Mutex;

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Bool, DType, Device, Float, Int, Tensor, TensorData};
use ndarray::ArrayD;
use rand::Rng;

use crate::literal::{FromLiteral, Literal, LiteralMismatch, rank_mismatch};
use crate::numeric::{Dtype, Element, Numbers, Numeric};

/// Held while a seeded module is built: burn's generator is global, so two builds at once would
/// interleave their draws.
static SEEDED_BUILD: Mutex<()> = Mutex::new(());

thread_local! {
    /// Whether this thread is inside [`init`]'s build, so a nested `init` (a sub-module built
    /// with it) draws from the outer seeding instead of waiting for the lock it holds.
    static BUILDING: Cell<bool> = const { Cell::new(false) };
}

/// Builds a module with `build` from a generator seeded by the running test's seed, and
/// initialises all its parameters before returning, so the weights depend on the seed alone.
///
/// ```ignore
/// let model: Mlp = ml_test::burn::init(&device, |device| MlpConfig::new(4, 16, 3).init(device));
/// ```
///
/// Each call takes one stream of [`rng()`](crate::rng): a second module in the same test
/// starts from other values, and each fresh trainer of a check group (which gets a fresh test
/// context) from the same ones. Random draws made elsewhere at the same moment, outside `init`,
/// by other tests of the process still share burn's generator: build those with `init` too.
///
/// # Panics
/// Outside a test run by ml-test (there is no test seed); the message says what to use there.
pub fn init<M: Module>(device: &Device, build: impl FnOnce(&Device) -> M) -> M {
    if crate::context::current().is_none() {
        panic!(
            "ml_test::burn::init is for tests run by ml-test: it seeds burn's generator from the \
             test's seed, and no ml-test test is running on this thread. Annotate the test with \
             #[ml_test] (or #[overfit_check], #[random_weights]); in a thread the test spawned, \
             carry its context over with `ml_test::context::current()` and `.enter()`; in \
             production code call `device.seed(..)` yourself."
        );
    }
    init_from_rng(&mut crate::rng(), device, build)
}

/// [`init`] seeded from `rng` instead of the test's seed: for a `#[model_loader(random = ..)]`
/// constructor, which gets the generator of `#[random_weights(seed = ..)]`, and for code
/// outside a test.
pub fn init_from_rng<M: Module>(
    rng: &mut impl Rng,
    device: &Device,
    build: impl FnOnce(&Device) -> M,
) -> M {
    let seed = rng.random::<u64>();
    if BUILDING.with(Cell::get) {
        let module = build(device);
        module.visit(&mut Initialise);
        return module;
    }
    let _lock = SEEDED_BUILD.lock().unwrap_or_else(|p| p.into_inner());
    BUILDING.with(|building| building.set(true));
    let _reset = Reset;
    device.seed(seed);
    let module = build(device);
    module.visit(&mut Initialise);
    module
}

/// Clears the thread's building flag when the build ends, by return or panic.
struct Reset;

impl Drop for Reset {
    fn drop(&mut self) {
        BUILDING.with(|building| building.set(false));
    }
}

/// Reads every parameter once, which runs burn's lazy initialisers in the module's field order.
struct Initialise;

impl ModuleVisitor for Initialise {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let _ = param.val();
    }

    fn visit_int<const D: usize>(&mut self, param: &Param<Tensor<D, Int>>) {
        let _ = param.val();
    }

    fn visit_bool<const D: usize>(&mut self, param: &Param<Tensor<D, Bool>>) {
        let _ = param.val();
    }
}

/// `module`'s float parameters by their path in the module (`layers.0.weight`, `output.bias`),
/// in field order, as f64 arrays, for [`Trainer::parameters`](crate::Trainer::parameters).
///
/// # Panics
/// When a parameter cannot be read back (a device error); the message names it.
pub fn parameters<M: Module>(module: &M) -> Vec<(String, ArrayD<f64>)> {
    let mut collect = Collect::default();
    module.visit(&mut collect);
    collect.found
}

#[derive(Default)]
struct Collect {
    path: Vec<String>,
    found: Vec<(String, ArrayD<f64>)>,
}

impl ModuleVisitor for Collect {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        let _ = container_type;
        self.path.push(name.to_owned());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let name = self.path.join(".");
        let numbers = param
            .val()
            .try_numbers()
            .unwrap_or_else(|why| panic!("ml_test::burn::parameters: `{name}`: {why}"));
        self.found.push((name, numbers.into_array()));
    }
}

fn dtype_of(dtype: DType) -> Result<Dtype, String> {
    Ok(match dtype {
        DType::F64 => Dtype::F64,
        DType::F32 | DType::Flex32 => Dtype::F32,
        DType::F16 => Dtype::F16,
        DType::BF16 => Dtype::BF16,
        DType::I64 => Dtype::I64,
        DType::I32 => Dtype::I32,
        DType::I16 => Dtype::I16,
        DType::I8 => Dtype::I8,
        DType::U64 => Dtype::U64,
        DType::U32 => Dtype::U32,
        DType::U16 => Dtype::U16,
        DType::U8 => Dtype::U8,
        other => {
            return Err(format!(
                "a burn tensor of dtype {other:?} is not a number ml-test compares; dequantize \
                 or cast it first"
            ));
        }
    })
}

/// A float or int tensor's shape, dtype and values (read back from its device).
impl<const D: usize, K: burn::tensor::kind::Numeric> Numeric for Tensor<D, K> {
    fn numbers(&self) -> Numbers {
        self.try_numbers().unwrap_or_else(|why| panic!("{why}"))
    }

    fn try_numbers(&self) -> Result<Numbers, String> {
        let data = self.to_data();
        Ok(Numbers {
            shape: self.dims().to_vec(),
            dtype: dtype_of(data.dtype())?,
            values: data.iter::<f64>().collect(),
        })
    }
}

/// A rank-`D` literal's values as `E`s, for `Tensor<{D}{kind}>` (`kind`: `""` or `", Int"`).
fn literal_data<const D: usize, E: Element + burn::tensor::Element>(
    literal: &Literal,
    kind: &str,
) -> Result<TensorData, LiteralMismatch> {
    if literal.shape.len() != D {
        return Err(rank_mismatch(literal, &format!("Tensor<{D}{kind}>")));
    }
    Ok(TensorData::new(
        literal.elements::<E>()?,
        literal.shape.clone(),
    ))
}

/// A literal of rank `D` becomes a float tensor on the default device, in the device's float
/// type.
impl<const D: usize> FromLiteral for Tensor<D, Float> {
    fn from_literal(literal: &Literal) -> Result<Self, LiteralMismatch> {
        let data = literal_data::<D, f32>(literal, "")?;
        Ok(Tensor::from_data(data, &Device::default()))
    }

    fn describe() -> String {
        format!("Tensor<{D}>")
    }
}

/// A literal of rank `D` of whole numbers becomes an int tensor on the default device.
impl<const D: usize> FromLiteral for Tensor<D, Int> {
    fn from_literal(literal: &Literal) -> Result<Self, LiteralMismatch> {
        let data = literal_data::<D, i64>(literal, ", Int")?;
        Ok(Tensor::from_data(data, &Device::default()))
    }

    fn describe() -> String {
        format!("Tensor<{D}, Int>")
    }
}
