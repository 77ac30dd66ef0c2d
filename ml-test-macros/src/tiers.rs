//! Tier names, the suffix each tier gives a test's libtest name, and the compile-time tier
//! selection read from `ML_TEST_TIERS`.
//!
//! Tiers are chosen at run time from the name: a test of any tier but `unit` is the libtest test
//! `<fn>__<tier>`, so `cargo test -- --include-ignored __slow` selects the slow tier from the
//! build plain `cargo test` made. `ML_TEST_TIERS` only decides, when the crate compiles, which
//! tiers carry `#[ignore]`. It depends on nothing else: the `gpu` and `e2e` prerequisites are
//! checked when such a test runs, so changing them recompiles nothing.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::ext::IdentExt;

use crate::names::{DEFAULT_TIERS, TIER_VARIANTS, TIERS};
use crate::options::did_you_mean;

/// The variable that selects tiers when the test crate compiles.
pub(crate) const TIERS_VAR: &str = "ML_TEST_TIERS";

pub(crate) fn tier_list() -> String {
    TIERS.join(", ")
}

/// The runtime's `Tier` of a tier name, as the path of its variant (`Tier::Slow`): a constant
/// the compiler reads without evaluating anything, unlike `Tier::ALL[i]`.
pub(crate) fn tier_path(name: &str) -> String {
    let variant = TIER_VARIANTS[TIERS.iter().position(|tier| *tier == name).unwrap_or(0)];
    format!("::ml_test::__private::Tier::{variant}")
}

/// The tokens of [`tier_path`].
pub(crate) fn tier_tokens(name: &str) -> TokenStream {
    crate::source::source(&tier_path(name))
}

/// The libtest name of a test of `tier` written as the fn `ident`: `ident__tier`, or `ident`
/// itself in the `unit` tier.
///
/// The new name is located at the user's ident (errors and the editor's "Run Test" lens point
/// there) but carries the expansion's context, so rustc's `non_snake_case` lint, which the
/// double underscore would trip, treats it as the macro's name and stays quiet, without an
/// `allow` that would also silence the lint for the user's own names in the body.
pub(crate) fn test_ident(ident: &syn::Ident, tier: &str) -> Option<syn::Ident> {
    (tier != "unit").then(|| {
        syn::Ident::new(
            &format!("{}__{tier}", ident.unraw()),
            Span::call_site().located_at(ident.span()),
        )
    })
}

/// Which tiers run in this build, from `ML_TEST_TIERS`.
pub(crate) struct TierSelection {
    selected: Vec<&'static str>,
    /// The variable's value as written, or `None` when it is unset (the default selection).
    written: Option<String>,
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

    /// `None` and blank values select the default tiers; names are trimmed and case-insensitive;
    /// `all` selects every tier.
    pub(crate) fn parse(value: Option<&str>) -> Result<TierSelection, String> {
        let Some(value) = value.filter(|value| !value.trim().is_empty()) else {
            return Ok(TierSelection {
                selected: DEFAULT_TIERS.to_vec(),
                written: None,
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
            written: Some(value.trim().to_owned()),
        })
    }

    /// Why a test of `tier` is ignored in this build, or `None` if the tier runs. Short (libtest
    /// prints it beside every ignored test) and it gives the run-time command, which needs no
    /// rebuild.
    pub(crate) fn ignore_reason(&self, tier: &str) -> Option<String> {
        if self.selected.contains(&tier) {
            return None;
        }
        let origin = self
            .written
            .as_ref()
            .map(|value| format!(" ({TIERS_VAR}={value})"))
            .unwrap_or_default();
        let how = match tier {
            // Unit tests carry no suffix to select them by; they are selected unless the
            // variable leaves them out.
            "unit" => format!("unset {TIERS_VAR} to run it"),
            "gpu" => "on a GPU machine, run `cargo test -- --include-ignored __gpu`".to_owned(),
            "e2e" => {
                "run `ML_TEST_ENDPOINT=<url> cargo test -- --include-ignored __e2e`".to_owned()
            }
            tier => format!("run `cargo test -- --include-ignored __{tier}`"),
        };
        Some(format!("tier `{tier}` is not selected{origin}; {how}"))
    }
}

/// Whether this expansion reports a bad `ML_TEST_TIERS`: the first test of each crate does, and
/// only it, so one mistake makes one error rather than one per test. rustc loads this macro
/// crate afresh for each crate it compiles; rust-analyzer keeps it loaded and expands tests
/// again as files change, so the reporting test is remembered by crate and position, and its
/// later expansions report again.
pub(crate) fn first_report_in_crate() -> bool {
    use std::collections::HashMap;
    use std::sync::Mutex;
    /// Where a call is: file, line, column.
    type Site = (String, usize, usize);
    static REPORTERS: Mutex<Option<HashMap<String, Site>>> = Mutex::new(None);
    let krate = std::env::var("CARGO_CRATE_NAME").unwrap_or_default();
    // A macro server that cannot say where the call is (an older rust-analyzer) reports at
    // every test, as before, rather than failing to expand.
    let Ok(here) = std::panic::catch_unwind(|| {
        let site = proc_macro::Span::call_site();
        (site.file(), site.line(), site.column())
    }) else {
        return true;
    };
    let mut reporters = REPORTERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let reporter = reporters
        .get_or_insert_with(HashMap::new)
        .entry(krate)
        .or_insert_with(|| here.clone());
    *reporter == here
}

/// Makes rustc record `ML_TEST_TIERS` in the crate's dep-info, so cargo rebuilds the test crate
/// when the variable changes (proc macros cannot declare that themselves on stable). Once per
/// compilation is enough: rustc loads this macro crate once per crate it compiles and expands
/// every attribute again on every build, so the first expansion of each build emits it. Nothing
/// else is tracked: the `gpu` and `e2e` prerequisites are read when a test runs.
pub(crate) fn track_tiers_var(always: bool) -> TokenStream {
    use std::sync::atomic::{AtomicBool, Ordering};
    static EMITTED: AtomicBool = AtomicBool::new(false);
    if !always && EMITTED.swap(true, Ordering::Relaxed) {
        return TokenStream::new();
    }
    quote! {
        const _: ::core::option::Option<&str> = ::core::option_env!(#TIERS_VAR);
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
            assert_eq!(
                selection.ignore_reason("slow").unwrap(),
                "tier `slow` is not selected; run `cargo test -- --include-ignored __slow`"
            );
        }
    }

    #[test]
    fn every_reason_gives_the_run_time_command_of_its_tier() {
        let selection = TierSelection::parse(Some("slow")).unwrap();
        assert_eq!(
            selection.ignore_reason("unit").unwrap(),
            "tier `unit` is not selected (ML_TEST_TIERS=slow); unset ML_TEST_TIERS to run it"
        );
        assert_eq!(
            selection.ignore_reason("integration").unwrap(),
            "tier `integration` is not selected (ML_TEST_TIERS=slow); run \
             `cargo test -- --include-ignored __integration`"
        );
        assert!(
            selection
                .ignore_reason("gpu")
                .unwrap()
                .ends_with("`cargo test -- --include-ignored __gpu`")
        );
        assert!(
            selection
                .ignore_reason("e2e")
                .unwrap()
                .ends_with("`ML_TEST_ENDPOINT=<url> cargo test -- --include-ignored __e2e`")
        );
        // libtest prints the reason beside every ignored test: it fits on a terminal's line, the
        // variable's value aside.
        for value in [None, Some("unit")] {
            let selection = TierSelection::parse(value).unwrap();
            let origin = value.map_or(0, |value| " (ML_TEST_TIERS=)".len() + value.len());
            for tier in TIERS {
                let reason = selection.ignore_reason(tier).unwrap_or_default();
                assert!(
                    reason.len() <= 100 + origin,
                    "{} long: {reason}",
                    reason.len()
                );
            }
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
        // Every tier, gpu and e2e included: their prerequisites are checked when they run.
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
    fn the_tier_goes_at_the_end_of_the_name_and_unit_names_stay() {
        let ident = syn::Ident::new("trains_well", Span::call_site());
        assert_eq!(test_ident(&ident, "unit"), None);
        for tier in &TIERS[1..] {
            assert_eq!(
                test_ident(&ident, tier).unwrap().to_string(),
                format!("trains_well__{tier}")
            );
        }
        let raw: syn::Ident = syn::parse_str("r#match").unwrap();
        assert_eq!(test_ident(&raw, "slow").unwrap().to_string(), "match__slow");
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
