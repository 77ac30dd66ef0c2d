#![warn(missing_docs)]
//! What every [ml-test](https://docs.rs/ml-test) test runs in: its registry entry and tier
//! (`registry.rs`, `tier.rs`), its context (`context.rs`), seeds
//! (`seeds.rs`, `context/seed.rs`), one run with its checks and report (`run.rs`), the forms
//! that run the body as a fn of its own, with a timeout or a seed sweep (`runner.rs`), and the
//! exclusive-test gate (`exclusive.rs`).
//!
//! It is a crate of its own so that a test binary links only this, whatever else of ml-test its
//! tests use: every generated test calls into it, and a small crate keeps the link of a large
//! suite close to plain `#[test]`'s (BENCHMARKS.md, "Compile budget"). Users depend on `ml-test`,
//! which re-exports what is public here.

pub mod context;
#[doc(hidden)]
pub mod exclusive;
#[doc(hidden)]
pub mod mocks;
#[doc(hidden)]
pub mod names;
#[doc(hidden)]
pub mod outcome;
#[doc(hidden)]
pub mod prerequisites;
mod registry;
#[doc(hidden)]
pub mod report;
mod run;
mod runner;
#[doc(hidden)]
pub mod seeds;
#[doc(hidden)]
pub mod sync;
mod tier;

pub use context::seed;
pub use registry::{TestEntry, TestKind, registry, registry_by_tier};
pub use tier::{Tier, UnknownTier};

/// Used by generated code; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::mocks::{MockDecl, Scalar};
    pub use crate::outcome::TestReturn;
    #[cfg(not(target_os = "linux"))]
    pub use crate::registry::Registered;
    pub use crate::run::{InlineRun, TestRun, start};
    pub use crate::runner::{ready, run, run_async, run_async_seeds, run_seeds, run_with_timeout};
    pub use crate::{TestEntry, TestKind, Tier};
    #[cfg(not(target_os = "linux"))]
    pub use inventory;
}
