//! The names users write in attributes and environment variables: the tiers and the checks of
//! `#[overfit_check]`. The order of each list is the order of the runtime's enum, which names
//! them the same way (ml-test-core's `Tier`, `Check`, `FitCheck`); the test below holds the two
//! crates to one list, so each crate packages on its own.

/// Tier names, cheapest first: the order of `Tier`'s variants.
pub const TIERS: [&str; 5] = ["unit", "integration", "slow", "gpu", "e2e"];

/// The runtime's `Tier` variant of each of [`TIERS`], in the same order.
pub const TIER_VARIANTS: [&str; 5] = ["Unit", "Integration", "Slow", "Gpu", "E2e"];

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

#[cfg(test)]
mod tests {
    use super::*;
    use ml_test_core::Tier;
    use ml_test_core::convergence::{Check, FitCheck};

    #[test]
    fn the_runtime_names_the_tiers_and_checks_alike_in_the_same_order() {
        assert_eq!(TIERS, Tier::ALL.map(Tier::as_str));
        assert_eq!(TIER_VARIANTS, Tier::ALL.map(|tier| format!("{tier:?}")));
        assert_eq!(DEFAULT_TIERS, Tier::DEFAULT_SELECTION.map(Tier::as_str));
        assert_eq!(STEP_CHECKS, Check::ALL.map(Check::name));
        assert_eq!(
            STEP_CHECKS[..DEFAULT_STEP_CHECKS],
            Check::DEFAULT.map(Check::name)
        );
        assert_eq!(FIT_CHECKS, FitCheck::ALL.map(FitCheck::name));
        assert_eq!(
            crate::args::overfit::DEFAULT_STEPS,
            ml_test_core::convergence::DEFAULT_STEPS
        );
    }
}
