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
pub mod convergence;
pub mod data;
#[cfg(feature = "e2e")]
pub mod e2e;
pub mod gates;
pub mod latency;
mod literal;
mod loader;
pub mod metrics;
mod model;
pub mod numeric;
mod report;
mod rng;
mod text;

// The run of every test, a crate of its own (see its docs); its modules keep their paths here.
pub mod context {
    //! The running test's context: which test, which tier, which seed, and what framework code
    //! keeps for it (the loader seam's mocks, cleanups for an abandoned test, whether a deployment
    //! answered).
    //!
    //! The code that `#[ml_test]` generates starts a run of the test when it begins. The run sets a
    //! thread-local [`TestContext`] and restores the previous one when it ends, whether the test
    //! returns or panics. Framework code (the RNG, the loader seam, reports) reads it through
    //! [`current`].
    //!
    //! The context belongs to the test's thread. A thread the test spawns starts without it; carry
    //! it over explicitly:
    //!
    //! ```
    //! # use ml_test::context;
    //! # fn demo() {
    //! let ctx = context::current().expect("inside an #[ml_test] test");
    //! std::thread::spawn(move || {
    //!     let _entered = ctx.enter();
    //!     // here `ml_test::rng()` and everything else that reads the context works
    //! })
    //! .join()
    //! .unwrap();
    //! # }
    //! ```

    pub use crate::rng::rng;
    pub use ml_test_runner::context::*;
}
#[cfg(feature = "e2e")]
use ml_test_runner::prerequisites;
use ml_test_runner::{exclusive, outcome, seeds, sync};

/// Mocks of model loaders: the handle a `#[mock_model]` test takes ([`Mock`]), the calls it
/// records ([`Call`](mock::Call)), and what its assertions compare them with ([`eq`], [`close`],
/// or a number).
pub mod mock {
    pub use crate::loader::{Call, Close, Eq, ExpectedCall, Mock, close, eq};
}

pub use behaviour::behaviour;
pub use close::Tolerance;
pub use convergence::{Fitter, Trainer, TryTrainer, param};
pub use gates::gates;
pub use latency::latency;
pub use loader::{Mock, close, eq};
pub use ml_test_runner::seed;
pub use ml_test_runner::{TestEntry, TestKind, registry, registry_by_tier};
pub use ml_test_runner::{Tier, UnknownTier};
pub use model::{Model, ModelError, ModelErrorKind, SharedModel};
pub use rng::rng;

pub use ndarray;
pub use rand;

/// Used by generated code; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::convergence::{
        Check, CheckGroup, FitCheck, FitGroup, FitThresholds, Fitter, Thresholds, Trainer,
    };
    pub use ml_test_runner::__private::*;

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
    pub use crate::{
        __loader_adapters as loader_adapters, __model_loader_seam as model_loader_seam,
        __probe_value as probe_value, __require_seam as require_seam,
    };
    pub use ::core::time::Duration;
    pub use ::rand::rngs::StdRng;
}
