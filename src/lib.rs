#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
//! # ml-test
//!
//! Testing machine-learning code in Rust. Attributes turn plain test functions into tiered
//! libtest tests that run inside a seeded test context:
//!
//! ```
//! use ml_test::prelude::*;
//!
//! #[ml_test] // tier `unit`: runs on every `cargo test`
//! fn tokenizer_splits_on_whitespace() {
//!     assert_eq!("a b".split_whitespace().count(), 2);
//! }
//!
//! #[ml_test(slow, seed = 7, timeout = "5m")] // the test `full_epoch_on_the_sample_set__slow`
//! fn full_epoch_on_the_sample_set() {
//!     use ml_test::rand::Rng;
//!     let mut rng = ml_test::rng(); // seeded from the test: reruns repeat
//!     let _noise: f64 = rng.random();
//! }
//! # fn main() {}
//! ```
//!
//! Model loaders marked `#[model_loader]` can be swapped in tests (with the `testing` feature in
//! `[dev-dependencies]`): `#[mock_model]` hands out a recording mock, `#[random_weights]` the
//! real architecture with seeded random weights, and a `unit` test that reaches a real loader
//! fails with the fix in the message.
//!
//! ```no_run
//! use std::sync::Arc;
//! use ml_test::ndarray::{Array1, Array2, array};
//! use ml_test::prelude::*;
//!
//! struct Scorer;
//! impl Model for Scorer {
//!     type Input = Array2<f32>;
//!     type Output = Array1<i64>;
//!     fn predict(&self, x: &Array2<f32>) -> Result<Array1<i64>, ModelError> {
//!         Ok(x.column(0).mapv(|v| i64::from(v > 0.0)))
//!     }
//! }
//!
//! #[model_loader]
//! fn load_scorer() -> Result<SharedModel<Array2<f32>, Array1<i64>>, String> {
//!     Ok(Arc::new(Scorer)) // in real code: read the weights
//! }
//!
//! #[mock_model(returns = [99])]
//! fn predict_uses_the_model(mock: Mock) {
//!     let model = load_scorer().unwrap();
//!     assert_eq!(model.predict(&array![[1.0, 2.0]]).unwrap(), array![99]);
//!     mock.assert_called_once_with(array![[1.0f32, 2.0]]);
//! }
//! # fn main() {}
//! ```
//!
//! What a trained model learned, and how it evaluates: behaviour cases (a perturbation that
//! never reaches the model fails as vacuous), quality gates on metrics, seed sweeps, latency
//! budgets and exclusive timing tests.
//!
//! ```
//! use ml_test::prelude::*;
//!
//! fn approval(income: &f64) -> f64 {
//!     1.0 / (1.0 + (-(income / 10_000.0 - 5.0)).exp())
//! }
//!
//! #[ml_test(integration)]
//! fn the_model_learned_the_direction() {
//!     behaviour("approval", approval)
//!         .increases("a higher income", &40_000.0, |income| *income *= 1.5)
//!         .expect("a high income is approved", &90_000.0, |p| p > 0.5)
//!         .check();
//! }
//!
//! #[ml_test(slow, seeds = 5)] // five runs, each with its own seed and rng() streams
//! fn quality_gates_hold_on_every_split() {
//!     let truth = [1, 0, 1, 1, 0];
//!     let scores = [0.9, 0.2, 0.7, 0.6, 0.4];
//!     let predicted: Vec<u8> = scores.iter().map(|s| u8::from(*s > 0.5)).collect();
//!     gates("scorecard")
//!         .at_least("accuracy", metrics::accuracy(&truth, &predicted), 0.8)
//!         .at_least("roc_auc", metrics::roc_auc(&truth, &scores), 0.84)
//!         .check();
//! }
//!
//! #[ml_test(slow, exclusive)] // no other ml-test test of the binary runs meanwhile
//! fn scoring_latency_budget() {
//!     ml_test::latency(200, || approval(&52_000.0)).assert_below(99, "1ms");
//! }
//! # fn main() {}
//! ```
//!
//! Tiers: `unit` (the default), `integration`, `slow`, `gpu`, `e2e` (post-deployment checks). A
//! test of any tier but `unit` is the libtest test `<fn>__<tier>`, so tiers are chosen at run time
//! from one build: `cargo test` runs unit and integration, `cargo test -- --include-ignored
//! __slow` the slow tier; the other tiers' tests are ignored with a reason that names their tier
//! and that command. `ML_TEST_TIERS` (a comma list, or `all`; unset means `unit,integration`)
//! selects tiers when the test crate compiles instead. See the README for the whole story.

/// What a trained model learned: [`behaviour()`] checks (invariance, directional and
/// known-answer cases, vacuous perturbations caught) and batch output contracts
/// ([`behaviour::assert_batch_invariant`], [`behaviour::output_contract`]).
pub use ml_test_core::behaviour;
pub use ml_test_core::convergence;

/// candle models under test (feature `candle`): [`candle::var_builder`] seeds stock layers from
/// the test's seed, [`candle::parameters`] feeds [`Trainer::parameters`]; candle tensors are
/// numbers in mocks, call assertions, [`assert_close!`] and [`param`].
#[cfg(feature = "candle")]
pub use ml_test_core::candle;

/// burn models under test (feature `burn`): [`burn::init`] builds a module from the test's
/// seed, [`burn::parameters`] names its parameters; burn tensors are numbers in mocks, call
/// assertions, [`assert_close!`] and [`param`].
#[cfg(feature = "burn")]
pub use ml_test_core::burn;

/// Post-deployment tests (tier `e2e`): an Open Inference Protocol v2 client of the deployment in
/// `ML_TEST_ENDPOINT`, and a helper that starts a server process.
#[cfg(feature = "e2e")]
pub use ml_test_core::e2e;
pub use ml_test_core::{Fitter, Trainer, TryTrainer, param};
pub use ml_test_core::{
    TestEntry, TestKind, Tier, UnknownTier, context, registry, registry_by_tier, rng, seed,
};
/// Evaluating a trained model: quality gates on metrics ([`gates()`]), the metrics
/// ([`metrics`]), latency budgets ([`latency()`]) and split checks ([`data`]).
pub use ml_test_core::{data, gates, latency, metrics};
pub use ml_test_macros::{ml_test, mock_model, model_loader, overfit_check, random_weights};

pub use ml_test_core::mock;
pub use ml_test_core::numeric;
pub use ml_test_core::{Mock, close, eq};
pub use ml_test_core::{Model, ModelError, ModelErrorKind, SharedModel};
pub use ml_test_core::{Tolerance, assert_close};

/// The ndarray version of [`Trainer::parameters`].
pub use ml_test_core::ndarray;

/// The rand version ml-test's [`rng`] comes from, for its `Rng` traits.
pub use ml_test_core::rand;

/// `use ml_test::prelude::*;` brings the attributes and the everyday helpers into scope.
pub mod prelude {
    pub use ml_test_core::assert_close;
    pub use ml_test_core::behaviour;
    pub use ml_test_core::{Fitter, Tier, Trainer, TryTrainer, param, rng};
    pub use ml_test_core::{Mock, close, eq};
    pub use ml_test_core::{Model, ModelError, SharedModel};
    pub use ml_test_core::{gates, latency, metrics};
    pub use ml_test_macros::{ml_test, mock_model, model_loader, overfit_check, random_weights};
}

/// Used by the code that ml-test's attributes generate; not a public API, no stability promise.
#[doc(hidden)]
pub mod __private {
    pub use ml_test_core::__private::*;
    pub use ml_test_macros::__ml_test_registered as registered;
    pub use ml_test_macros::__ml_test_sync_case;
}
