//! Seeds: where a test's seed comes from, how ml-test derives every other seed from it (rng
//! streams, sweep runs, names), and the command that replays a run. Pure functions; the running
//! test's seed itself is in its context.

use std::fmt;

use crate::TestEntry;

/// The environment variable that replaces every test's seed, to replay or vary a run.
pub const SEED_VAR: &str = "ML_TEST_SEED";

/// Where a test's seed came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeedSource {
    /// `#[ml_test(seed = N)]`.
    Attribute,
    /// Derived from the test's libtest name, so every run of the test repeats.
    TestName,
    /// Derived from the name of the `#[overfit_check]` group the check belongs to: the checks of
    /// a group share one training run, so they share its seed.
    GroupName,
    /// Given by the code that started the run (a tool sweeping seeds, `CheckGroup::sweep`).
    Given,
    /// The `ML_TEST_SEED` environment variable, which wins over both.
    Environment,
    /// Run `run` (1-based) of a `#[ml_test(seeds = N)]` sweep of `of` runs, derived from the
    /// test's own seed.
    Sweep {
        /// Which run, from 1.
        run: u32,
        /// How many runs the sweep has.
        of: u32,
    },
}

impl fmt::Display for SeedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeedSource::Attribute => f.write_str("from the attribute's `seed`"),
            SeedSource::TestName => f.write_str("derived from the test name"),
            SeedSource::GroupName => f.write_str("derived from the check group's name"),
            SeedSource::Given => f.write_str("given by the code that started the run"),
            SeedSource::Environment => f.write_str("from ML_TEST_SEED"),
            SeedSource::Sweep { run, of } => write!(f, "run {run} of the {of}-seed sweep"),
        }
    }
}

/// The command that reruns `entry` with `seed`, whatever the tier selection of the build it runs
/// in: `--exact` picks the test and `--include-ignored` runs it even when its tier is not
/// selected (the user's shell may lack the `ML_TEST_TIERS` this run was built with).
pub fn replay_command(entry: &TestEntry, seed: u64) -> String {
    format!(
        "{SEED_VAR}={seed} cargo test -- --exact {} --include-ignored",
        entry.name()
    )
}

/// The seeds of the runs of a `seeds = count` sweep from `base`: splitmix64 outputs of their
/// own sequence, so they share no stream with `ml_test::rng()`'s streams of any run.
///
/// ```
/// let seeds = ml_test::context::sweep_seeds(42, 3);
/// assert_eq!(seeds.len(), 3);
/// assert_eq!(seeds, ml_test::context::sweep_seeds(42, 3), "stable");
/// ```
pub fn sweep_seeds(base: u64, count: u32) -> Vec<u64> {
    // Offset from the rng streams' inputs (`seed ^ n * gamma`) by a constant of its own.
    (0..u64::from(count))
        .map(|run| {
            splitmix64(
                base.wrapping_add(0x5851_f42d_4c95_7f2d)
                    .wrapping_add(run.wrapping_mul(GOLDEN_GAMMA)),
            )
        })
        .collect()
}

/// A panic-free parse of `ML_TEST_SEED`: `Ok(None)` when blank, the seed when it is a decimal or
/// `0x`-prefixed hexadecimal u64, else a message that names the variable and the valid values.
pub(crate) fn parse_seed_var(value: &str) -> Result<Option<u64>, String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let parsed = match trimmed
        .strip_prefix("0x")
        .or_else(|| trimmed.strip_prefix("0X"))
    {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
        None => trimmed.replace('_', "").parse::<u64>(),
    };
    parsed.map(Some).map_err(|_| {
        format!(
            "{SEED_VAR}={value:?} is not a seed: expected an unsigned 64-bit integer, decimal or \
             0x-prefixed hexadecimal (e.g. {SEED_VAR}=42 or {SEED_VAR}=0x2a), or unset it to use \
             each test's own seed"
        )
    })
}

/// FNV-1a over the test name: stable across Rust releases and platforms (unlike `DefaultHasher`),
/// so a test's derived seed never changes unless its name does.
pub const fn seed_from_name(name: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let bytes = name.as_bytes();
    let mut hash = OFFSET;
    let mut i = 0;
    while i < bytes.len() {
        hash = (hash ^ bytes[i] as u64).wrapping_mul(PRIME);
        i += 1;
    }
    hash
}

/// The seed of the `draw`-th generator of a test. The first is the test's seed itself, so
/// `StdRng::seed_from_u64(seed)` replays it outside the framework; later ones are decorrelated
/// with splitmix64.
pub fn stream_seed(seed: u64, draw: u64) -> u64 {
    if draw == 0 {
        return seed;
    }
    splitmix64(seed ^ draw.wrapping_mul(GOLDEN_GAMMA))
}

/// 2^64 divided by the golden ratio: splitmix64's increment, spacing derived inputs apart.
const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// splitmix64's finaliser: every seed ml-test derives (rng streams, sweep runs) goes through it.
const fn splitmix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_var_accepts_decimal_hex_and_blank() {
        assert_eq!(parse_seed_var("42"), Ok(Some(42)));
        assert_eq!(parse_seed_var(" 0x2A "), Ok(Some(42)));
        assert_eq!(parse_seed_var("1_000"), Ok(Some(1000)));
        assert_eq!(parse_seed_var(""), Ok(None));
        assert_eq!(parse_seed_var(&u64::MAX.to_string()), Ok(Some(u64::MAX)));
    }

    #[test]
    fn bad_seed_var_names_the_variable_and_the_valid_values() {
        let message = parse_seed_var("abc").unwrap_err();
        assert!(
            message.starts_with("ML_TEST_SEED=\"abc\" is not a seed"),
            "{message}"
        );
        assert!(
            message.contains("decimal or 0x-prefixed hexadecimal"),
            "{message}"
        );
        assert!(parse_seed_var("-1").is_err());
        assert!(parse_seed_var("18446744073709551616").is_err()); // u64::MAX + 1
    }

    #[test]
    fn name_seeds_are_stable_and_distinct() {
        // Pinned: a change here changes every derived seed users may have written down.
        assert_eq!(seed_from_name(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(seed_from_name("a"), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(seed_from_name("tests::a"), seed_from_name("tests::b"));
    }

    #[test]
    fn streams_start_at_the_seed_and_then_differ() {
        assert_eq!(stream_seed(7, 0), 7);
        let later: std::collections::HashSet<u64> = (1..100).map(|n| stream_seed(7, n)).collect();
        assert_eq!(later.len(), 99);
        assert!(!later.contains(&7));
    }
}
