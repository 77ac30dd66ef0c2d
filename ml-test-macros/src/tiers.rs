//! Tier names and the compile-time tier selection read from `ML_TEST_TIERS`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::names::{DEFAULT_TIERS, TIERS};
use crate::options::did_you_mean;

/// The variable that selects tiers when the test crate compiles.
pub(crate) const TIERS_VAR: &str = "ML_TEST_TIERS";

pub(crate) fn tier_list() -> String {
    TIERS.join(", ")
}

/// The runtime's `Tier` of a tier name: `Tier::ALL[i]`, as the name's position in the one list
/// of tier names both crates read.
pub(crate) fn tier_tokens(name: &str) -> TokenStream {
    let index = TIERS.iter().position(|tier| *tier == name).unwrap_or(0);
    quote!(::ml_test::__private::Tier::ALL[#index])
}

/// Which tiers run in this build, from `ML_TEST_TIERS`.
pub(crate) struct TierSelection {
    selected: Vec<&'static str>,
    /// How the selection came about, for ignore reasons: `ML_TEST_TIERS=slow` or
    /// `ML_TEST_TIERS unset`.
    origin: String,
}

impl TierSelection {
    /// Reads `ML_TEST_TIERS` from the compiler's environment.
    pub(crate) fn from_env() -> Result<TierSelection, String> {
        match std::env::var(TIERS_VAR) {
            Ok(value) => TierSelection::parse(Some(&value)),
            Err(std::env::VarError::NotPresent) => TierSelection::parse(None),
            Err(std::env::VarError::NotUnicode(value)) => Err(format!(
                "{TIERS_VAR}={value:?} is not valid UTF-8; expected a comma-separated list of tiers ({}) or `all`",
                tier_list()
            )),
        }
    }

    /// `None` and blank values select the default tiers; names are trimmed and case-insensitive.
    pub(crate) fn parse(value: Option<&str>) -> Result<TierSelection, String> {
        let Some(value) = value.filter(|value| !value.trim().is_empty()) else {
            return Ok(TierSelection {
                selected: DEFAULT_TIERS.to_vec(),
                origin: format!(
                    "{TIERS_VAR} is unset, which selects {}",
                    DEFAULT_TIERS.join(",")
                ),
            });
        };
        let mut selected = Vec::new();
        for name in value
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
        {
            let name = name.to_ascii_lowercase();
            if name == "all" {
                selected.extend(TIERS);
            } else if let Some(tier) = TIERS.iter().find(|tier| **tier == name) {
                selected.push(tier);
            } else {
                let hint = did_you_mean(&name, TIERS.into_iter().chain(["all"]))
                    .map(|close| format!(" (did you mean `{close}`?)"))
                    .unwrap_or_default();
                return Err(format!(
                    "{TIERS_VAR}={value:?} names an unknown tier `{name}`{hint}; expected a comma-separated \
                     list of the tiers {}, or `all` (unset selects {})",
                    tier_list(),
                    DEFAULT_TIERS.join(",")
                ));
            }
        }
        Ok(TierSelection {
            selected,
            origin: format!("{TIERS_VAR}={}", value.trim()),
        })
    }

    /// Why a test of `tier` is ignored in this build, or `None` if the tier runs.
    pub(crate) fn ignore_reason(&self, tier: &str) -> Option<String> {
        (!self.selected.contains(&tier)).then(|| {
            format!(
                "tier `{tier}` is not selected ({}); run it with `{TIERS_VAR}={tier} cargo test` \
                 or `cargo test -- --include-ignored`",
                self.origin
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_or_blank_selects_unit_and_integration() {
        for value in [None, Some(""), Some("  ")] {
            let selection = TierSelection::parse(value).unwrap();
            assert_eq!(selection.ignore_reason("unit"), None);
            assert_eq!(selection.ignore_reason("integration"), None);
            let reason = selection.ignore_reason("slow").unwrap();
            assert_eq!(
                reason,
                "tier `slow` is not selected (ML_TEST_TIERS is unset, which selects unit,integration); \
                 run it with `ML_TEST_TIERS=slow cargo test` or `cargo test -- --include-ignored`"
            );
        }
    }

    #[test]
    fn lists_are_trimmed_case_insensitive_and_all_means_every_tier() {
        let selection = TierSelection::parse(Some(" Slow , e2e,")).unwrap();
        assert_eq!(selection.ignore_reason("slow"), None);
        assert_eq!(selection.ignore_reason("e2e"), None);
        assert!(
            selection
                .ignore_reason("unit")
                .unwrap()
                .contains("(ML_TEST_TIERS=Slow , e2e,)")
        );
        let all = TierSelection::parse(Some("all")).unwrap();
        assert!(TIERS.iter().all(|tier| all.ignore_reason(tier).is_none()));
    }

    #[test]
    fn unknown_names_are_errors_naming_the_variable_and_the_tiers() {
        let message = TierSelection::parse(Some("unit,slwo")).err().unwrap();
        assert_eq!(
            message,
            "ML_TEST_TIERS=\"unit,slwo\" names an unknown tier `slwo` (did you mean `slow`?); expected a \
             comma-separated list of the tiers unit, integration, slow, gpu, e2e, or `all` (unset selects \
             unit,integration)"
        );
        let far = TierSelection::parse(Some("nightly")).err().unwrap();
        assert!(!far.contains("did you mean"), "{far}");
    }

    #[test]
    fn did_you_mean_only_suggests_close_names() {
        let tiers = || TIERS;
        assert_eq!(did_you_mean("slwo", tiers()), Some("slow"));
        assert_eq!(did_you_mean("intgration", tiers()), Some("integration"));
        assert_eq!(did_you_mean("e2", tiers()), Some("e2e"));
        assert_eq!(did_you_mean("fast", tiers()), None);
    }
}
