//! Test tiers: how expensive a test is and therefore when it runs.

use std::fmt;

/// The tier a test is filed in, from cheapest to most demanding.
///
/// `unit` and `integration` run on every push (they are selected when `ML_TEST_TIERS` is unset);
/// `slow`, `gpu` and `e2e` run when asked for, by the suffix they give a test's name
/// (`cargo test -- --include-ignored __slow`), or by `ML_TEST_TIERS=slow` when the crate compiles.
///
/// ```
/// use ml_test::Tier;
/// assert_eq!("slow".parse::<Tier>(), Ok(Tier::Slow));
/// assert_eq!(Tier::E2e.to_string(), "e2e");
/// assert!(Tier::Unit.selected_by_default());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// Fast, isolated tests of one piece of code; models are mocked or random. The default.
    Unit,
    /// Several real components together (a service with a mocked model, a pipeline on small data).
    Integration,
    /// Tests that train, load a real model or otherwise take seconds to minutes.
    Slow,
    /// Tests that need an accelerator.
    Gpu,
    /// Post-deployment checks against a running service.
    E2e,
}

impl Tier {
    /// Every tier, cheapest first.
    pub const ALL: [Tier; 5] = [
        Tier::Unit,
        Tier::Integration,
        Tier::Slow,
        Tier::Gpu,
        Tier::E2e,
    ];

    /// The tiers selected when `ML_TEST_TIERS` is unset.
    pub const DEFAULT_SELECTION: [Tier; 2] = [Tier::Unit, Tier::Integration];

    /// The name used in `#[ml_test(...)]` and in `ML_TEST_TIERS`.
    pub const fn as_str(self) -> &'static str {
        crate::names::TIERS[self as usize]
    }

    /// Whether the tier runs when `ML_TEST_TIERS` is unset.
    pub const fn selected_by_default(self) -> bool {
        matches!(self, Tier::Unit | Tier::Integration)
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a string that names no tier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownTier(pub String);

impl fmt::Display for UnknownTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown tier `{}`; the tiers are {}",
            self.0,
            crate::names::TIERS.join(", ")
        )
    }
}

impl std::error::Error for UnknownTier {}

impl std::str::FromStr for Tier {
    type Err = UnknownTier;

    /// A tier by its name, trimmed and case-insensitive, as `ML_TEST_TIERS` reads it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Tier::ALL
            .into_iter()
            .find(|tier| tier.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownTier(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_rejected() {
        for tier in Tier::ALL {
            assert_eq!(tier.as_str().parse::<Tier>(), Ok(tier));
            // As ML_TEST_TIERS reads names: trimmed, case-insensitive.
            let shouted = format!(" {} ", tier.as_str().to_uppercase());
            assert_eq!(shouted.parse::<Tier>(), Ok(tier));
        }
        let err = "slwo".parse::<Tier>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown tier `slwo`; the tiers are unit, integration, slow, gpu, e2e"
        );
    }

    #[test]
    fn only_unit_and_integration_are_selected_by_default() {
        let default: Vec<Tier> = Tier::ALL
            .into_iter()
            .filter(|t| t.selected_by_default())
            .collect();
        assert_eq!(default, Tier::DEFAULT_SELECTION);
    }
}
