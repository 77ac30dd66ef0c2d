//! The names users write in attributes and environment variables, in one place. The runtime
//! prints and selects by them; `ml-test-macros` includes this file to parse attributes, so it
//! holds only constants. The order of each list is the order of the runtime's enum.

// Some names are read only by ml-test-macros, which includes this file.
#![allow(dead_code)]

/// Tier names, cheapest first: the order of `Tier`'s variants.
pub const TIERS: [&str; 5] = ["unit", "integration", "slow", "gpu", "e2e"];

/// The tiers that run when `ML_TEST_TIERS` is unset.
pub const DEFAULT_TIERS: [&str; 2] = ["unit", "integration"];

/// The checks of a model trained by steps (`#[overfit_check]` on a `Trainer`): the order of
/// `Check`'s variants and of the generated tests.
pub const STEP_CHECKS: [&str; 7] = [
    "loss_is_finite",
    "loss_decreases",
    "params_update",
    "overfits_batch",
    "deterministic",
    "loss_at_init",
    "frozen",
];

/// How many of [`STEP_CHECKS`] run by default; the rest run when their option is given
/// (`loss_at_init(classes = C)`, `frozen = [..]`).
pub const DEFAULT_STEP_CHECKS: usize = 5;

/// The checks of a model trained in one call (`#[overfit_check(capacity = ..)]` on a `Fitter`):
/// the order of `FitCheck`'s variants and of the generated tests.
pub const FIT_CHECKS: [&str; 3] = ["fits_batch", "monotone_in_capacity", "deterministic"];
