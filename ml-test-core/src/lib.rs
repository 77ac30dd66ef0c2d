#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
//! Runtime of [ml-test](https://docs.rs/ml-test): test tiers, the test registry and the running
//! test's context.
//!
//! Users depend on the `ml-test` crate, which re-exports what is public here; the code that its
//! attributes generate reaches this crate through `ml_test::__private`.

mod arrays;
pub mod behaviour;
#[cfg(feature = "burn")]
pub mod burn;
#[cfg(feature = "candle")]
pub mod candle;
mod close;
pub mod context;
pub mod convergence;
pub mod data;
#[cfg(feature = "e2e")]
pub mod e2e;
mod exclusive;
pub mod gates;
pub mod latency;
mod literal;
mod loader;
pub mod metrics;
mod model;
mod names;
pub mod numeric;
mod outcome;
mod prerequisites;
mod registry;
mod runner;
mod seeds;
mod sync;
mod text;
mod tier;

/// Mocks of model loaders: the handle a `#[mock_model]` test takes ([`Mock`]), the calls it
/// records ([`Call`](mock::Call)), and what its assertions compare them with ([`eq`], [`close`],
/// or a number).
pub mod mock {
    pub use crate::loader::{Call, Close, Eq, ExpectedCall, Mock, close, eq};
}

pub use behaviour::behaviour;
pub use close::Tolerance;
pub use context::{rng, seed};
pub use convergence::{Fitter, Trainer, TryTrainer, param};
pub use gates::gates;
pub use latency::latency;
pub use loader::{Mock, close, eq};
pub use model::{Model, ModelError, ModelErrorKind, SharedModel};
pub use registry::{TestEntry, TestKind, registry, registry_by_tier};
pub use tier::{Tier, UnknownTier};

pub use ndarray;
pub use rand;

/// Used by generated code; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::context::TestRun;
    pub use crate::convergence::{
        Check, CheckGroup, FitCheck, FitGroup, FitThresholds, Fitter, Thresholds, Trainer,
    };

    /// Compile-time check that an `#[overfit_check]` fn builds a [`Trainer`].
    pub fn assert_builds_trainer<T: Trainer>(_build: &fn() -> T) {}

    /// Compile-time check that an `#[overfit_check(capacity = ..)]` fn builds a [`Fitter`].
    pub fn assert_builds_fitter<F: Fitter>(_build: &fn() -> F) {}
    pub use crate::close::assert_close_with;
    pub use crate::literal::Literal;
    pub use crate::loader::probe;
    pub use crate::loader::{
        Adapters, HasRandomConstructor, InputOf, LoaderCache, LoaderInfo, LoaderItem, LoaderReturn,
        MockScope, MockSpec, OutputOf, Probed, RandomWeights, SeqValue, assert_has_random,
        assert_is_loader, intercept, seam_armed,
    };
    pub use crate::loader::{Probe, ValueProbe};
    pub use crate::model::SharedModel;
    pub use crate::numeric::{Numbers, Scalar};
    pub use crate::outcome::TestReturn;
    pub use crate::registry::registered;
    pub use crate::runner::{
        InlineRun, ready, run, run_async, run_async_seeds, run_seeds, run_with_timeout, start,
    };
    pub use crate::{
        __loader_adapters as loader_adapters, __model_loader_seam as model_loader_seam,
        __probe_value as probe_value, __require_seam as require_seam,
    };
    pub use crate::{TestEntry, TestKind, Tier};
    pub use ::core::time::Duration;
    pub use ::rand::rngs::StdRng;
    pub use inventory;
}
