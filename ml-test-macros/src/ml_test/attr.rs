//! The arguments of `#[ml_test(...)]`: at most one tier, then options.

use std::time::Duration;

use proc_macro2::{Span, TokenStream};
use syn::{Expr, ExprLit, Lit, Meta};

use crate::diag::Errors;
use crate::tiers::{TIERS, did_you_mean, is_tier, tier_list};

const OPTIONS: [&str; 4] = ["seed", "timeout", "seeds", "exclusive"];

fn accepted() -> String {
    format!(
        "accepted: one tier ({}) and the options `seed = <integer>`, `timeout = \"<duration>\"`, \
         `seeds = <runs>`, `exclusive`",
        tier_list()
    )
}

/// What `#[ml_test(...)]` asked for.
#[derive(Default)]
pub(crate) struct TestArgs {
    /// The tier name and where it was written; `unit` when absent.
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
    /// Without `seed`, seed from the enclosing module's path instead of the test's name: the
    /// checks of an `#[overfit_check]` group share their group's seed.
    pub(crate) seed_from_module: bool,
}

impl TestArgs {
    pub(crate) fn tier(&self) -> &'static str {
        self.tier.map_or("unit", |(tier, _)| tier)
    }
}

/// Reads the arguments, reporting every problem at its token.
pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> TestArgs {
    let mut parsed = TestArgs::default();
    let metas = crate::diag::parse_metas(args, errors);
    for meta in metas {
        match meta {
            Meta::Path(path) => match path.get_ident().map(ToString::to_string) {
                Some(name) if is_tier(&name) => {
                    set_tier(&mut parsed, &name, path.segments[0].ident.span(), errors)
                }
                Some(name) if name == "exclusive" => {
                    if parsed.exclusive {
                        errors.spanned(&path, "`exclusive` is given twice");
                    }
                    parsed.exclusive = true;
                    parsed.sweep_or_exclusive_span = Some(path.span_of_last());
                }
                Some(name) if OPTIONS.contains(&name.as_str()) => {
                    let example = match name.as_str() {
                        "seed" => "seed = 42",
                        "seeds" => "seeds = 20",
                        _ => "timeout = \"30s\"",
                    };
                    errors.spanned(
                        &path,
                        format_args!("`{name}` needs a value, e.g. `{example}`"),
                    );
                }
                Some(name) => unknown(&name, path.segments[0].ident.span(), errors),
                None => errors.spanned(
                    &path,
                    format_args!("expected a tier or an option, found a path; {}", accepted()),
                ),
            },
            Meta::NameValue(pair) => {
                let key = pair
                    .path
                    .get_ident()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                match key.as_str() {
                    "seed" if parsed.seed.is_some() => {
                        errors.spanned(&pair.path, "`seed` is given twice")
                    }
                    "seed" => parsed.seed = parse_seed(&pair.value, errors),
                    "timeout" if parsed.timeout.is_some() => {
                        errors.spanned(&pair.path, "`timeout` is given twice")
                    }
                    "timeout" => parsed.timeout = parse_timeout(&pair.value, errors),
                    "seeds" if parsed.seeds.is_some() => {
                        errors.spanned(&pair.path, "`seeds` is given twice")
                    }
                    "seeds" => {
                        parsed.seeds = parse_seeds(&pair.value, errors);
                        parsed.sweep_or_exclusive_span = Some(pair.path.span_of_last());
                    }
                    "exclusive" => errors.spanned(
                        &pair.value,
                        "`exclusive` is a flag and takes no value: write `#[ml_test(exclusive)]`",
                    ),
                    tier if is_tier(tier) => errors.spanned(
                        &pair.path,
                        format_args!(
                            "`{tier}` is a tier and takes no value: write `#[ml_test({tier})]`"
                        ),
                    ),
                    other => unknown(other, pair.path.span_of_last(), errors),
                }
            }
            Meta::List(list) => {
                let name = list
                    .path
                    .get_ident()
                    .map(ToString::to_string)
                    .unwrap_or_else(|| "this".into());
                errors.spanned(
                    &list.path,
                    format_args!("`{name}(...)` is not accepted; {}", accepted()),
                );
            }
        }
    }
    parsed
}

/// The span errors about a key point at: its last segment.
trait SpanOfLast {
    fn span_of_last(&self) -> Span;
}

impl SpanOfLast for syn::Path {
    fn span_of_last(&self) -> Span {
        self.segments
            .last()
            .map_or_else(Span::call_site, |segment| segment.ident.span())
    }
}

fn set_tier(parsed: &mut TestArgs, name: &str, span: Span, errors: &mut Errors) {
    let name = TIERS
        .iter()
        .map(|(tier, _)| *tier)
        .find(|tier| *tier == name)
        .expect("checked by is_tier");
    match parsed.tier {
        Some((first, _)) => errors.at(
            span,
            format_args!(
                "a test has exactly one tier and `{first}` is given already; \
                 keep the tier that decides when it runs, or split it into two tests"
            ),
        ),
        None => parsed.tier = Some((name, span)),
    }
}

fn unknown(name: &str, span: Span, errors: &mut Errors) {
    let candidates = TIERS.iter().map(|(tier, _)| *tier).chain(OPTIONS);
    let hint = did_you_mean(name, candidates)
        .map(|close| format!("did you mean `{close}`? "))
        .unwrap_or_default();
    errors.at(
        span,
        format_args!("unknown tier or option `{name}`; {hint}{}", accepted()),
    );
}

/// `seeds = N`: how many runs the sweep has, from 1 to `u32::MAX`.
fn parse_seeds(value: &Expr, errors: &mut Errors) -> Option<u32> {
    if let Expr::Lit(ExprLit {
        lit: Lit::Int(int), ..
    }) = value
    {
        if !matches!(int.suffix(), "" | "u32") {
            errors.spanned(
                int,
                format_args!(
                    "`seeds` counts runs (a `u32`); remove the `{}` suffix",
                    int.suffix()
                ),
            );
            return None;
        }
        return match int.base10_parse::<u32>() {
            Ok(0) => {
                errors.spanned(
                    int,
                    "`seeds = 0` runs the test on no seed, so it could never fail; give the number \
                     of runs, e.g. `seeds = 20`",
                );
                None
            }
            Ok(seeds) => Some(seeds),
            Err(_) => {
                errors.spanned(
                    int,
                    format_args!("`seeds` is a number of runs from 1 to {}", u32::MAX),
                );
                None
            }
        };
    }
    errors.spanned(
        value,
        "`seeds` takes the number of runs, an integer literal, e.g. `seeds = 20`",
    );
    None
}

pub(crate) fn parse_seed(value: &Expr, errors: &mut Errors) -> Option<u64> {
    if let Expr::Lit(ExprLit {
        lit: Lit::Int(int), ..
    }) = value
    {
        match int.base10_parse::<u64>() {
            Ok(seed) => return Some(seed),
            Err(_) => {
                errors.at(
                    int.span(),
                    format_args!("`seed` takes an integer from 0 to {}", u64::MAX),
                );
                return None;
            }
        }
    }
    errors.spanned(value, "`seed` takes an integer literal, e.g. `seed = 42`");
    None
}

pub(crate) fn parse_timeout(value: &Expr, errors: &mut Errors) -> Option<(String, Duration)> {
    parse_duration("timeout", value, errors)
}

/// A duration option (`timeout`, `latency`): a string in humantime's grammar, above zero.
pub(crate) fn parse_duration(
    key: &str,
    value: &Expr,
    errors: &mut Errors,
) -> Option<(String, Duration)> {
    let Expr::Lit(ExprLit {
        lit: Lit::Str(text),
        ..
    }) = value
    else {
        errors.spanned(
            value,
            format_args!("`{key}` takes a duration string, e.g. `{key} = \"30s\"` or `\"500ms\"`"),
        );
        return None;
    };
    let written = text.value();
    match humantime::parse_duration(&written) {
        Ok(duration) if duration.is_zero() => {
            errors.at(
                text.span(),
                format_args!("`{key}` must be longer than zero"),
            );
            None
        }
        Ok(duration) => Some((written, duration)),
        Err(error) => {
            errors.at(
                text.span(),
                format_args!(
                    "`{written}` is not a duration ({error}); write a number and a unit, \
                     e.g. \"500ms\", \"30s\", \"2m\" or \"1h 30m\""
                ),
            );
            None
        }
    }
}
