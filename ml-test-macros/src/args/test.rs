//! `#[ml_test(tier, seed = N, timeout = "30s", seeds = N, exclusive)]`.

use std::time::Duration;

use proc_macro2::{Span, TokenStream};

use super::SEED;
use crate::diag::Errors;
use crate::names::TIERS;
use crate::options::{self, Decl, Grammar, Opt};

const TIMEOUT: Opt<(String, Duration)> = Opt::duration("timeout", "timeout = \"30s\"");
const SEEDS: Opt<u128> = Opt::int(
    "seeds",
    (1, u32::MAX as u128),
    "u32",
    "runs the test on no seed, so it could never fail",
    "seeds = 20",
);
const EXCLUSIVE: Opt<bool> = Opt::flag("exclusive", "exclusive");

const DECLS: &[Decl] = &[SEED.decl, TIMEOUT.decl, SEEDS.decl, EXCLUSIVE.decl];

pub(crate) const GRAMMAR: Grammar = Grammar {
    attribute: "ml_test",
    noun: "tier or option",
    decls: DECLS,
    words: &TIERS,
    word_kind: "tier",
    accepted,
    misplaced: None,
};

fn accepted() -> String {
    format!(
        "accepted: one tier ({}) and the options `seed = <integer>`, `timeout = \"<duration>\"`, \
         `seeds = <runs>`, `exclusive`",
        TIERS.join(", ")
    )
}

/// What `#[ml_test(...)]` asked for.
#[derive(Default)]
pub(crate) struct TestArgs {
    /// The tier and where it is written; `unit` when absent.
    pub(crate) tier: Option<(&'static str, Span)>,
    pub(crate) seed: Option<u64>,
    /// As written (`"30s"`) and parsed.
    pub(crate) timeout: Option<(String, Duration)>,
    /// `seeds = N`: run the body once per derived seed.
    pub(crate) seeds: Option<u32>,
    /// `exclusive`: no other ml-test test of the binary runs meanwhile.
    pub(crate) exclusive: bool,
    /// Where `seeds` / `exclusive` are written, for errors where they do not apply.
    pub(crate) sweep_or_exclusive_span: Option<Span>,
}

/// Reads the arguments, reporting every problem at its token.
pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> TestArgs {
    let options = options::parse(&GRAMMAR, args, errors);
    let mut words = options.words.iter();
    let tier = words.next().copied();
    for (_, span) in words {
        errors.at(
            *span,
            format_args!(
                "a test has exactly one tier and `{}` is given already; keep the tier that decides \
                 when it runs, or split it into two tests",
                tier.map_or("", |(tier, _)| tier)
            ),
        );
    }
    TestArgs {
        tier,
        seed: options.get(&SEED).and_then(|seed| u64::try_from(seed).ok()),
        timeout: options.get(&TIMEOUT),
        seeds: options
            .get(&SEEDS)
            .and_then(|seeds| u32::try_from(seeds).ok()),
        exclusive: options.flag(&EXCLUSIVE),
        sweep_or_exclusive_span: options.span(&SEEDS).or(options.span(&EXCLUSIVE)),
    }
}
