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
//! #[ml_test(slow, seed = 7, timeout = "5m")] // runs with ML_TEST_TIERS=slow (or all)
//! fn full_epoch_on_the_sample_set() {
//!     use ml_test::rand::Rng;
//!     let mut rng = ml_test::rng(); // seeded from the test: reruns repeat
//!     let _noise: f64 = rng.random();
//! }
//! # fn main() {}
//! ```
//!
//! Tiers: `unit` (the default), `integration`, `slow`, `gpu`, `e2e` (post-deployment checks).
//! `ML_TEST_TIERS` (a comma list, or `all`; unset means `unit,integration`) selects the tiers when
//! the test crate compiles; tests of the other tiers are marked ignored with a reason that names
//! their tier and how to run them. See the README for the whole story.

pub use ml_test_core::convergence;
pub use ml_test_core::{
    TestEntry, TestKind, TestReturn, Tier, context, registry, registry_by_tier, rng,
};
pub use ml_test_core::{Trainer, param};
pub use ml_test_macros::{ml_test, mock_model, model_loader, overfit_check, random_weights};

pub use ml_test_core::loader::{Call, Close, Eq, ExpectedCall, Mock, close, eq};
pub use ml_test_core::model::{Model, ModelError, ModelErrorKind, SharedModel};
pub use ml_test_core::numeric::{Dtype, Numbers, Numeric};
pub use ml_test_core::{assert_close, close::Tolerance};

/// The ndarray version of [`Trainer::parameters`].
pub use ml_test_core::ndarray;

/// The rand version ml-test's [`rng`] comes from, for its `Rng` traits.
pub use ml_test_core::rand;

/// `use ml_test::prelude::*;` brings the attributes and the everyday helpers into scope.
pub mod prelude {
    pub use ml_test_core::assert_close;
    pub use ml_test_core::loader::Mock;
    pub use ml_test_core::model::{Model, ModelError, SharedModel};
    pub use ml_test_core::{Tier, Trainer, param, rng};
    pub use ml_test_macros::{ml_test, mock_model, model_loader, overfit_check, random_weights};
}

/// Used by the code that ml-test's attributes generate; not a public API, no stability promise.
#[doc(hidden)]
pub mod __private {
    pub use ml_test_core::__private::*;
}
