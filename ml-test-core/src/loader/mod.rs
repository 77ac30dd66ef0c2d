//! The loader seam: how a `#[model_loader]` fn hands out a mock, a randomly initialised model or
//! the real one.
//!
//! `#[model_loader]` keeps the user's fn and gives it a companion: a zero-sized struct of the same
//! name (in the type namespace, so it never clashes with the fn) implementing [`LoaderItem`]. Tests
//! name a loader through it (`#[mock_model(loader = serving::load_model)]`), and the seam inside
//! the fn identifies itself by it.
//!
//! In a build without the `testing` feature the seam expands to nothing: the loader is its body.
//! With the feature, a loader first reads one relaxed atomic ([`seam_armed`]); only while some
//! ml-test test runs does it look for an override ([`intercept`]).

mod adapters;
mod calls;
mod handle;
mod mismatch;
mod mock;
mod scope;

use std::any::{Any, TypeId};
use std::sync::{Arc, Mutex, OnceLock};

use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::Tier;
use crate::context::{self, TestContext};
use crate::model::SharedModel;

pub use adapters::{Adapters, Probe, ValueProbe, probe};
pub use calls::{Call, Close, Eq, ExpectedCall, close, eq};
pub use handle::Mock;
pub(crate) use mock::MockState;
pub use mock::{MockSpec, Probed, SeqValue};
pub(crate) use scope::Override;
pub use scope::{MockScope, RandomWeights};

/// What a loader declared, for messages and for the seam.
#[derive(Debug)]
pub struct LoaderInfo {
    /// `module::path::fn_name`.
    pub name: &'static str,
    /// Where the loader is defined.
    pub file: &'static str,
    /// The line of the fn.
    pub line: u32,
    /// Whether it declared `random = path`.
    pub random: bool,
}

/// What a loader returns: `Result<SharedModel<I, O>, E>`.
#[diagnostic::on_unimplemented(
    message = "a #[model_loader] returns `Result<SharedModel<I, O>, E>`, not `{Self}`",
    label = "not `Result<SharedModel<I, O>, E>`",
    note = "`SharedModel<I, O>` is `Arc<dyn Model<Input = I, Output = O>>`, from `ml_test::prelude`"
)]
pub trait LoaderReturn: Sized + 'static {
    /// The model's input.
    type Input: 'static;
    /// The model's output.
    type Output: 'static;
    /// `Ok` around `model`.
    fn from_model(model: SharedModel<Self::Input, Self::Output>) -> Self;
    /// The model, if the load succeeded.
    fn model(&self) -> Option<&SharedModel<Self::Input, Self::Output>>;
}

impl<I: 'static, O: 'static, E: 'static> LoaderReturn for Result<SharedModel<I, O>, E> {
    type Input = I;
    type Output = O;

    fn from_model(model: SharedModel<I, O>) -> Self {
        Ok(model)
    }

    fn model(&self) -> Option<&SharedModel<I, O>> {
        self.as_ref().ok()
    }
}

/// The input type of loader `L`'s model.
pub type InputOf<L> = <<L as LoaderItem>::Return as LoaderReturn>::Input;
/// The output type of loader `L`'s model.
pub type OutputOf<L> = <<L as LoaderItem>::Return as LoaderReturn>::Output;

/// Implemented by the companion struct that `#[model_loader]` puts beside a loader fn, under the
/// fn's name. Generated code only.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a model loader",
    label = "not a fn marked #[model_loader]",
    note = "`loader = path` names a fn marked #[model_loader]; its name must be in scope (e.g. `use super::*;`)"
)]
pub trait LoaderItem: 'static {
    /// The loader fn's return type.
    type Return: LoaderReturn;
    /// The loader's name, place and options.
    const INFO: LoaderInfo;
    /// The model built by the `random = path` constructor; `None` without one.
    fn random(rng: &mut StdRng) -> Option<Self::Return>;
    /// How mocks record this loader's inputs and build its outputs.
    fn adapters() -> Adapters<InputOf<Self>, OutputOf<Self>>;
}

/// A loader's identity: its companion type, and its name for messages.
#[derive(Clone, Copy, Debug)]
pub struct LoaderId {
    type_id: TypeId,
    /// The loader's `module::path::fn_name`.
    pub name: &'static str,
}

impl LoaderId {
    /// The identity of loader `L`.
    pub fn of<L: LoaderItem>() -> LoaderId {
        LoaderId {
            type_id: TypeId::of::<L>(),
            name: L::INFO.name,
        }
    }
}

impl PartialEq for LoaderId {
    fn eq(&self, other: &LoaderId) -> bool {
        self.type_id == other.type_id
    }
}

/// Whether any test is running, so a loader must look for an override: one relaxed load. While
/// no test context is alive, no override can be installed, and the seam is this one load.
#[inline]
pub fn seam_armed() -> bool {
    context::any_test_running()
}

/// The override for loader `L` in the running test, if any: a mock, or a model with random
/// weights. With none, the guard runs: a `unit` test may not reach the real body.
///
/// # Panics
/// In a `unit` test with no override for `L` (the real-model guard); when a mock's return value
/// cannot become `L`'s output type.
pub fn intercept<L: LoaderItem>() -> Option<L::Return> {
    let id = LoaderId::of::<L>();
    let context = context::current();
    // A thread in a test's context sees that test's overrides only, so parallel tests never see
    // each other's mocks; a thread in no context sees the `global` ones.
    let found = match &context {
        Some(context) => scope::find_installed(context, &id, L::INFO.random),
        None => scope::find_global(&id),
    };
    match found {
        Some(Override::Mock(state)) => {
            let model =
                mock::MockModel::<InputOf<L>, OutputOf<L>>::new(state, L::INFO.name, L::adapters());
            let model: SharedModel<InputOf<L>, OutputOf<L>> = Arc::new(model);
            Some(L::Return::from_model(model))
        }
        Some(Override::RandomWeights(random)) => {
            let mut rng = StdRng::seed_from_u64(random.seed);
            L::random(&mut rng)
        }
        None => {
            if let Some(context) = &context {
                guard_real_model(context, &L::INFO);
            }
            None
        }
    }
}

/// The real-model guard: a `unit` test must not load a real model.
fn guard_real_model(context: &TestContext, info: &LoaderInfo) {
    if context.tier() != Tier::Unit {
        return;
    }
    let random = if info.random {
        "add #[random_weights(seed = 0)] to build the real architecture with seeded random weights"
    } else {
        "declare a random constructor, #[model_loader(random = path)], and add \
         #[random_weights(seed = 0)] to the test to build the architecture with random weights"
    };
    panic!(
        "unit test `{test}` reached the real body of model loader `{loader}` ({file}:{line}): unit \
         tests must not load real models. Fix it one of three ways:\n  \
         1. mock it: #[mock_model(loader = {short}, returns = ...)] (or #[mock_model(returns = ...)] for every loader)\n  \
         2. {random}\n  \
         3. move the test to a slower tier, e.g. #[ml_test(slow)], when the real model is what it tests",
        test = context.name(),
        loader = info.name,
        file = info.file,
        line = info.line,
        short = info.name.rsplit("::").next().unwrap_or(info.name),
    );
}

/// `#[model_loader(cache)]`: the model loaded once per process, shared by every later call.
/// Failed loads are not kept; the next call tries again.
pub struct LoaderCache {
    model: OnceLock<Box<dyn Any + Send + Sync>>,
    loading: Mutex<()>,
}

impl LoaderCache {
    /// An empty cache, for a `static`.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> LoaderCache {
        LoaderCache {
            model: OnceLock::new(),
            loading: Mutex::new(()),
        }
    }

    fn get<R: LoaderReturn>(&self) -> Option<R> {
        let model = self.model.get()?;
        let model = model
            .downcast_ref::<SharedModel<R::Input, R::Output>>()
            .expect("a loader's cache holds that loader's model type");
        Some(R::from_model(Arc::clone(model)))
    }

    /// The cached model, or the result of `load`, which runs at most once at a time; a
    /// successful load is kept for the rest of the process.
    pub fn get_or_load<R: LoaderReturn>(&self, load: impl FnOnce() -> R) -> R
    where
        SharedModel<R::Input, R::Output>: Send + Sync,
    {
        if let Some(cached) = self.get::<R>() {
            return cached;
        }
        // Concurrent first calls wait here instead of loading the model twice.
        let _loading = crate::sync::lock(&self.loading);
        if let Some(cached) = self.get::<R>() {
            return cached;
        }
        let loaded = load();
        if let Some(model) = loaded.model() {
            let _ = self.model.set(Box::new(Arc::clone(model)));
        }
        loaded
    }
}

/// Compile-time check that `loader = path` names a loader.
pub const fn assert_is_loader<L: LoaderItem>() {}

/// Loaders declared with a random constructor (`#[model_loader(random = path)]`); the
/// expansion implements it.
#[diagnostic::on_unimplemented(
    message = "#[random_weights(loader = ..)] names `{Self}`, a loader without a random constructor",
    label = "this loader has no `random = path`",
    note = "declare one where the loader is defined: #[model_loader(random = path)], with `path` a fn(&mut StdRng) returning what the loader returns"
)]
pub trait HasRandomConstructor: LoaderItem {}

/// Compile-time check that a `#[random_weights(loader = path)]` names a loader with a random
/// constructor.
pub const fn assert_has_random<L: HasRandomConstructor>() {}

/// The seam at the top of every `#[model_loader]` fn, with the `testing` feature: while a test
/// runs, return its override for this loader, if it has one. Used by generated code.
#[cfg(feature = "testing")]
#[doc(hidden)]
#[macro_export]
macro_rules! __model_loader_seam {
    ($loader:ty) => {
        if $crate::__private::seam_armed() {
            if let ::core::option::Option::Some(overridden) =
                $crate::__private::intercept::<$loader>()
            {
                return overridden;
            }
        }
    };
}

/// Without the `testing` feature the seam is nothing: the loader is its own body.
#[cfg(not(feature = "testing"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __model_loader_seam {
    ($loader:ty) => {};
}

/// In a test with `#[mock_model]` or `#[random_weights]`: with the `testing` feature, nothing.
/// Used by generated code.
#[cfg(feature = "testing")]
#[doc(hidden)]
#[macro_export]
macro_rules! __require_seam {
    ($attribute:literal) => {};
}

/// Without the `testing` feature no loader has a seam, so the test's overrides would never be
/// seen and every loader would run its real body: a compile error at the attribute instead.
#[cfg(not(feature = "testing"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __require_seam {
    ($attribute:literal) => {
        ::core::compile_error!(::core::concat!(
            $attribute,
            " needs ml-test's `testing` feature: it switches the loader seams on in test builds, \
             and without it every loader runs its real body and never sees the test's override. \
             Enable it in this crate's Cargo.toml:\n\n    [dev-dependencies]\n    ml-test = { \
             version = \"..\", features = [\"testing\"] }"
        ));
    };
}
