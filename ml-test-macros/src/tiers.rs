//! Tier names and the compile-time tier selection read from `ML_TEST_TIERS`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::names::{DEFAULT_TIERS, TIERS};
use crate::options::did_you_mean;
use crate::prerequisites;

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
    /// The tiers selected only by `all`, not by name.
    implicit: Vec<&'static str>,
    /// Whether the `gpu` and `e2e` prerequisites are there (see `prerequisites.rs`): consulted
    /// only for a tier `all` selected, to ignore its tests when they could not pass here.
    prerequisites: Prerequisites,
}

/// The `gpu` and `e2e` prerequisites seen when the test crate compiles.
#[derive(Clone)]
pub(crate) struct Prerequisites {
    /// An accelerator is visible; an invalid `ML_TEST_GPU` is an error.
    pub(crate) gpu: Result<bool, String>,
    /// `ML_TEST_ENDPOINT` is set.
    pub(crate) endpoint: bool,
}

impl Prerequisites {
    /// Both present: for selections that consult neither (no tier is implied by `all`), and for
    /// selections made in tests of the macros.
    pub(crate) fn present() -> Prerequisites {
        Prerequisites {
            gpu: Ok(true),
            endpoint: true,
        }
    }

    /// What this machine and environment have, read once per compilation (detecting an
    /// accelerator may run `nvidia-smi`).
    fn of_this_build() -> Prerequisites {
        static SEEN: std::sync::OnceLock<Prerequisites> = std::sync::OnceLock::new();
        SEEN.get_or_init(|| Prerequisites {
            gpu: prerequisites::gpu_visible(),
            endpoint: prerequisites::endpoint_set(),
        })
        .clone()
    }
}

impl TierSelection {
    /// Reads `ML_TEST_TIERS` from the compiler's environment.
    pub(crate) fn from_env() -> Result<TierSelection, String> {
        match std::env::var(TIERS_VAR) {
            Ok(value) => TierSelection::parse_with(Some(&value), Prerequisites::of_this_build),
            Err(std::env::VarError::NotPresent) => {
                TierSelection::parse_with(None, Prerequisites::of_this_build)
            }
            Err(std::env::VarError::NotUnicode(value)) => Err(format!(
                "{TIERS_VAR}={value:?} is not valid UTF-8; expected a comma-separated list of tiers ({}) or `all`",
                tier_list()
            )),
        }
    }

    /// `None` and blank values select the default tiers; names are trimmed and case-insensitive.
    /// The prerequisites of `gpu` and `e2e` count as present.
    #[cfg(test)]
    pub(crate) fn parse(value: Option<&str>) -> Result<TierSelection, String> {
        TierSelection::parse_with(value, Prerequisites::present)
    }

    /// `prerequisites` is asked only when `all` implies a tier that has them: detecting an
    /// accelerator may run `nvidia-smi`, which most builds need not pay for.
    pub(crate) fn parse_with(
        value: Option<&str>,
        prerequisites: impl FnOnce() -> Prerequisites,
    ) -> Result<TierSelection, String> {
        let Some(value) = value.filter(|value| !value.trim().is_empty()) else {
            return Ok(TierSelection {
                selected: DEFAULT_TIERS.to_vec(),
                origin: format!(
                    "{TIERS_VAR} is unset, which selects {}",
                    DEFAULT_TIERS.join(",")
                ),
                implicit: Vec::new(),
                prerequisites: Prerequisites::present(),
            });
        };
        let mut selected = Vec::new();
        let mut named = Vec::new();
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
                named.push(*tier);
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
        let implicit: Vec<&'static str> = selected
            .iter()
            .copied()
            .filter(|tier| !named.contains(tier))
            .collect();
        let prerequisites = if implicit.iter().any(|tier| matches!(*tier, "gpu" | "e2e")) {
            prerequisites()
        } else {
            Prerequisites::present()
        };
        if implicit.contains(&"gpu") {
            // Read to decide whether `all` runs the gpu tier here: an invalid value is an error.
            prerequisites.gpu.clone()?;
        }
        Ok(TierSelection {
            selected,
            origin: format!("{TIERS_VAR}={}", value.trim()),
            implicit,
            prerequisites,
        })
    }

    /// Why a test of `tier` is ignored in this build, or `None` if the tier runs. A `gpu` or
    /// `e2e` test that only `all` selected is ignored when its prerequisite is missing here: named
    /// (`ML_TEST_TIERS=gpu`), it runs and fails saying what is missing; from `all`, which means
    /// "everything that can run here", it is reported ignored with the reason.
    pub(crate) fn ignore_reason(&self, tier: &str) -> Option<String> {
        if !self.selected.contains(&tier) {
            return Some(format!(
                "tier `{tier}` is not selected ({}); run it with `{TIERS_VAR}={tier} cargo test` \
                 or `cargo test -- --include-ignored`",
                self.origin
            ));
        }
        if !self.implicit.contains(&tier) {
            return None;
        }
        match tier {
            "gpu" if !self.prerequisites.gpu.clone().unwrap_or(false) => Some(format!(
                "tier `gpu` came only from `all` ({}) and no accelerator was visible when this \
                 crate compiled (looked for {}); run it on a machine with one, or name the tier \
                 (`{TIERS_VAR}=gpu`) to have it fail here saying so",
                self.origin,
                prerequisites::GPU_DETECTION
            )),
            "e2e" if !self.prerequisites.endpoint => Some(format!(
                "tier `e2e` came only from `all` ({}) and {} was unset when this crate compiled: \
                 a post-deployment test needs a deployment; set {} to the deployed server's base \
                 URL, or name the tier (`{TIERS_VAR}=e2e`) to have it fail here saying so",
                self.origin,
                prerequisites::ENDPOINT_VAR,
                prerequisites::ENDPOINT_VAR
            )),
            _ => None,
        }
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
    fn all_runs_gpu_and_e2e_only_where_their_prerequisites_are() {
        let missing = Prerequisites {
            gpu: Ok(false),
            endpoint: false,
        };
        let all = TierSelection::parse_with(Some("all"), || missing.clone()).unwrap();
        let gpu = all.ignore_reason("gpu").unwrap();
        assert!(
            gpu.starts_with(
                "tier `gpu` came only from `all` (ML_TEST_TIERS=all) and no accelerator"
            ),
            "{gpu}"
        );
        let e2e = all.ignore_reason("e2e").unwrap();
        assert!(
            e2e.contains("ML_TEST_ENDPOINT was unset when this crate compiled"),
            "{e2e}"
        );
        assert_eq!(all.ignore_reason("slow"), None);
        // Named, they run (and fail at run time saying what is missing).
        let named = TierSelection::parse_with(Some("gpu,e2e"), || missing).unwrap();
        assert_eq!(named.ignore_reason("gpu"), None);
        assert_eq!(named.ignore_reason("e2e"), None);
        let invalid = Prerequisites {
            gpu: Err("ML_TEST_GPU=\"yes\" is not valid".into()),
            endpoint: true,
        };
        assert!(TierSelection::parse_with(Some("all"), || invalid).is_err());
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
