//! The names users write in attributes and environment variables: the runtime prints and selects
//! by them. The order of each list is the order of the runtime's enum. ml-test-macros parses
//! attributes with the same lists, and a test of that crate holds the two to one list.

/// Tier names, cheapest first: the order of `Tier`'s variants.
pub const TIERS: [&str; 5] = ["unit", "integration", "slow", "gpu", "e2e"];

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

/// The checks of a model trained in one call (`#[overfit_check(capacity = ..)]` on a `Fitter`):
/// the order of `FitCheck`'s variants and of the generated tests.
pub const FIT_CHECKS: [&str; 3] = ["fits_batch", "monotone_in_capacity", "deterministic"];
