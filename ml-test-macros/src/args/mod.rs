//! The argument parsers of the attributes: each declares its options for the engine in
//! `options.rs` and turns what the engine read into its typed arguments.

pub(crate) mod loader;
pub(crate) mod mock;
pub(crate) mod overfit;
pub(crate) mod test;

use crate::options::Opt;

/// `seed = N`: any `u64`.
pub(crate) const SEED: Opt<u128> = Opt::int("seed", (0, u64::MAX as u128), "u64", "", "seed = 42");

/// The documentation of each attribute (`docs/<attribute>.md`, shown on hover and on docs.rs)
/// lists every option its grammar declares, so the two cannot drift apart.
#[cfg(test)]
mod documented {
    use crate::names::{FIT_CHECKS, STEP_CHECKS, TIERS};
    use crate::options::Grammar;

    const ML_TEST: &str = include_str!("../../docs/ml_test.md");
    const MOCK_MODEL: &str = include_str!("../../docs/mock_model.md");
    const RANDOM_WEIGHTS: &str = include_str!("../../docs/random_weights.md");
    const OVERFIT_CHECK: &str = include_str!("../../docs/overfit_check.md");
    const MODEL_LOADER: &str = include_str!("../../docs/model_loader.md");

    /// Each grammar with its attribute's documentation, and how an option is written where the
    /// documentation describes it: at the start of a list item (`- \`steps = <usize>\`: ..`).
    fn documented() -> [(&'static Grammar, &'static str, &'static str); 6] {
        [
            (&super::test::GRAMMAR, ML_TEST, "- `"),
            (&super::mock::MOCK_GRAMMAR, MOCK_MODEL, "- `"),
            (&super::mock::RANDOM_GRAMMAR, RANDOM_WEIGHTS, "- `"),
            (&super::overfit::GRAMMAR, OVERFIT_CHECK, "- `"),
            (&super::overfit::CLASSES, OVERFIT_CHECK, "- `loss_at_init("),
            (&super::loader::GRAMMAR, MODEL_LOADER, "- `"),
        ]
    }

    #[test]
    fn every_declared_option_is_documented_on_its_attribute() {
        for (grammar, doc, item) in documented() {
            for decl in grammar.decls {
                let written = format!("{item}{}", decl.key);
                assert!(
                    doc.lines().any(|line| line.starts_with(&written)
                        && line[written.len()..].starts_with([' ', '`', '(', ')'])),
                    "#[{}]'s documentation lists no option `{}`: add a list item starting \
                     {written:?}",
                    grammar.attribute,
                    decl.key
                );
            }
        }
    }

    #[test]
    fn every_tier_and_check_is_documented() {
        for tier in TIERS {
            assert!(ML_TEST.contains(&format!("| `{tier}` |")), "tier {tier}");
            assert!(OVERFIT_CHECK.contains(&format!("`{tier}`")), "tier {tier}");
        }
        for check in STEP_CHECKS {
            assert!(OVERFIT_CHECK.contains(&format!("| `{check}` |")), "{check}");
        }
        for check in FIT_CHECKS {
            assert!(OVERFIT_CHECK.contains(&format!("`{check}`")), "{check}");
        }
    }
}
