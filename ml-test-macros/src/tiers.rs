//! Tier names and the compile-time tier selection read from `ML_TEST_TIERS`.

use proc_macro2::{Ident, Span};

/// The variable that selects tiers when the test crate compiles.
pub(crate) const TIERS_VAR: &str = "ML_TEST_TIERS";

/// Tier names, cheapest first, with the `ml_test_core::Tier` variant each maps to. The generated
/// code names the variant, so a mismatch with the runtime's enum fails to compile.
pub(crate) const TIERS: [(&str, &str); 5] = [
    ("unit", "Unit"),
    ("integration", "Integration"),
    ("slow", "Slow"),
    ("gpu", "Gpu"),
    ("e2e", "E2e"),
];

const DEFAULT_SELECTION: [&str; 2] = ["unit", "integration"];

pub(crate) fn is_tier(name: &str) -> bool {
    TIERS.iter().any(|(tier, _)| *tier == name)
}

pub(crate) fn tier_list() -> String {
    TIERS.map(|(tier, _)| tier).join(", ")
}

/// The `ml_test_core::Tier` variant of a known tier name.
pub(crate) fn variant(name: &str) -> Ident {
    let (_, variant) = TIERS
        .iter()
        .find(|(tier, _)| *tier == name)
        .expect("callers pass validated tier names");
    Ident::new(variant, Span::call_site())
}

/// The closest candidate to a misspelled name, if one is close enough to be what was meant.
pub(crate) fn did_you_mean<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::damerau_levenshtein(given, candidate), candidate))
        // One edit in four letters is a typo; more is a different word.
        .filter(|(distance, candidate)| *distance <= (candidate.len() / 4).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
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
                selected: DEFAULT_SELECTION.to_vec(),
                origin: format!(
                    "{TIERS_VAR} is unset, which selects {}",
                    DEFAULT_SELECTION.join(",")
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
                selected.extend(TIERS.map(|(tier, _)| tier));
            } else if let Some((tier, _)) = TIERS.iter().find(|(tier, _)| *tier == name) {
                selected.push(tier);
            } else {
                let hint = did_you_mean(
                    &name,
                    TIERS.map(|(tier, _)| tier).into_iter().chain(["all"]),
                )
                .map(|close| format!(" (did you mean `{close}`?)"))
                .unwrap_or_default();
                return Err(format!(
                    "{TIERS_VAR}={value:?} names an unknown tier `{name}`{hint}; expected a comma-separated \
                     list of the tiers {}, or `all` (unset selects {})",
                    tier_list(),
                    DEFAULT_SELECTION.join(",")
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
        assert!(
            TIERS
                .iter()
                .all(|(tier, _)| all.ignore_reason(tier).is_none())
        );
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
        let tiers = || TIERS.map(|(tier, _)| tier);
        assert_eq!(did_you_mean("slwo", tiers()), Some("slow"));
        assert_eq!(did_you_mean("intgration", tiers()), Some("integration"));
        assert_eq!(did_you_mean("e2", tiers()), Some("e2e"));
        assert_eq!(did_you_mean("fast", tiers()), None);
    }
}
