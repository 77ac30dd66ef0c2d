//! `#[overfit_check(...)]`: the options of a convergence check group (a `Trainer`) or, with
//! `capacity = ..`, of a fitting check group (a `Fitter`).

use std::time::Duration;

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit};

use super::SEED;
use crate::diag::Errors;
use crate::names::{DEFAULT_STEP_CHECKS, FIT_CHECKS, STEP_CHECKS, TIERS};
use crate::options::{self, Decl, Grammar, Opt, did_you_mean};

/// Default number of training steps of the shared run.
pub(crate) const DEFAULT_STEPS: usize = 200;

/// The most capacities a sweep may list: each is a full fit.
const MAX_CAPACITIES: usize = 1000;

const fn count(key: &'static str, example: &'static str) -> Opt<u128> {
    Opt::int(
        key,
        (1, u32::MAX as u128),
        "usize",
        "trains no step, so there is nothing to check",
        example,
    )
}

const fn at_least_zero(key: &'static str, example: &'static str) -> Opt<f64> {
    Opt::float(key, |x| x >= 0.0, "at least 0", example)
}

const STEPS: Opt<u128> = count("steps", "steps = 200");
const TIER: Opt<Expr> = Opt::expr("tier", "tier = slow");
const TIMEOUT: Opt<(String, Duration)> = Opt::duration("timeout", "timeout = \"5m\"");
const LOSS_AT_INIT: Opt<syn::MetaList> = Opt::list("loss_at_init", "loss_at_init(classes = C)");
const FROZEN: Opt<Expr> = Opt::expr("frozen", "frozen = [\"embedding\"]");
const SKIP: Opt<Expr> = Opt::expr("skip", "skip = [deterministic]");
const CAPACITY: Opt<Expr> = Opt::expr("capacity", "capacity = 1..=9");

const TARGET_LOSS: Opt<f64> = Opt::float(
    "target_loss",
    |x| x > 0.0,
    "greater than 0 (a loss of exactly 0 is rarely reached; use a small positive target; a model \
     trained in one call takes `capacity = ..` and `target_error = 0`)",
    "target_loss = 0.05",
);
const TARGET_RELATIVE: Opt<f64> = Opt::float(
    "target_relative",
    |x| x > 0.0 && x < 1.0,
    "between 0 and 1, exclusive",
    "target_relative = 0.1",
);
const WINDOW: Opt<f64> = Opt::float(
    "window",
    |x| x > 0.0 && x <= 0.5,
    "in (0, 0.5]: a fraction of the steps",
    "window = 0.1",
);
const MIN_DECREASE: Opt<f64> = at_least_zero("min_decrease", "min_decrease = 0.01");
const MIN_PARAM_CHANGE: Opt<f64> = at_least_zero("min_param_change", "min_param_change = 1e-8");
const INIT_RTOL: Opt<f64> = Opt::float(
    "init_rtol",
    |x| x > 0.0,
    "greater than 0",
    "init_rtol = 0.25",
);
const INIT_SAMPLES: Opt<u128> = Opt::int(
    "init_samples",
    (1, 10_000),
    "usize",
    "judges the loss at init on no initialisation",
    "init_samples = 15",
);
const INIT_SIGMAS: Opt<f64> = Opt::float(
    "init_sigmas",
    |x| x >= 0.0,
    "at least 0 (0: only `init_rtol` counts)",
    "init_sigmas = 3",
);
const DETERMINISTIC_STEPS: Opt<u128> = count("deterministic_steps", "deterministic_steps = 3");
const TARGET_ERROR: Opt<f64> = Opt::float(
    "target_error",
    |x| x >= 0.0,
    "at least 0 (0 demands an exact fit)",
    "target_error = 0",
);
const MAX_RISE: Opt<f64> = Opt::float(
    "max_rise",
    |x| x >= 0.0,
    "at least 0 (0 demands an exact fit)",
    "max_rise = 0",
);

const DECLS: &[Decl] = &[
    STEPS.decl,
    TARGET_LOSS.decl,
    TIER.decl,
    SEED.decl,
    TIMEOUT.decl,
    LOSS_AT_INIT.decl,
    FROZEN.decl,
    SKIP.decl,
    TARGET_RELATIVE.decl,
    WINDOW.decl,
    MIN_DECREASE.decl,
    MIN_PARAM_CHANGE.decl,
    INIT_RTOL.decl,
    INIT_SAMPLES.decl,
    INIT_SIGMAS.decl,
    DETERMINISTIC_STEPS.decl,
    CAPACITY.decl,
    TARGET_ERROR.decl,
    MAX_RISE.decl,
];

/// A threshold option: a number, or a count of steps or samples.
pub(crate) enum ThresholdOpt {
    Float(Opt<f64>),
    Count(Opt<u128>),
}

impl ThresholdOpt {
    const fn key(&self) -> &'static str {
        match self {
            ThresholdOpt::Float(opt) => opt.key(),
            ThresholdOpt::Count(opt) => opt.key(),
        }
    }
}

/// The thresholds of models trained by steps. Each option sets the runtime's threshold of the
/// same name (`Thresholds::window` for `window = ..`): its constant above is its only
/// declaration here.
pub(crate) const STEP_THRESHOLDS: [ThresholdOpt; 9] = [
    ThresholdOpt::Float(TARGET_LOSS),
    ThresholdOpt::Float(TARGET_RELATIVE),
    ThresholdOpt::Float(WINDOW),
    ThresholdOpt::Float(MIN_DECREASE),
    ThresholdOpt::Float(MIN_PARAM_CHANGE),
    ThresholdOpt::Float(INIT_RTOL),
    ThresholdOpt::Count(INIT_SAMPLES),
    ThresholdOpt::Float(INIT_SIGMAS),
    ThresholdOpt::Count(DETERMINISTIC_STEPS),
];

/// The thresholds of models trained in one call, named as `FitThresholds`' setters.
pub(crate) const FIT_THRESHOLDS: [ThresholdOpt; 2] = [
    ThresholdOpt::Float(TARGET_ERROR),
    ThresholdOpt::Float(MAX_RISE),
];

/// Options of models trained by optimisation steps (a `Trainer`) only, besides their thresholds.
const STEP_OPTIONS: [&str; 3] = [STEPS.key(), LOSS_AT_INIT.key(), FROZEN.key()];

/// Options of models trained in one call (a `Fitter`) only, besides their thresholds.
const FIT_OPTIONS: [&str; 1] = [CAPACITY.key()];

/// A threshold's value as its declaration reads it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Threshold {
    Float(f64),
    Count(usize),
}

pub(crate) const GRAMMAR: Grammar = Grammar {
    attribute: "overfit_check",
    noun: "check or option",
    decls: DECLS,
    words: &[],
    word_kind: "",
    accepted,
    misplaced: Some(misplaced),
};

const CLASSES_OPT: Opt<u128> = Opt::int(
    "classes",
    (2, u32::MAX as u128),
    "usize",
    "says nothing about the initialisation: ln(1) = 0",
    "classes = 3",
);

pub(crate) const CLASSES: Grammar = Grammar {
    attribute: "loss_at_init",
    noun: "loss_at_init option",
    decls: &[CLASSES_OPT.decl],
    words: &[],
    word_kind: "",
    accepted: || {
        "write `loss_at_init(classes = C)` with the number of classes C (at least 2)".into()
    },
    misplaced: None,
};

fn accepted() -> String {
    format!(
        "accepted: `steps = N`, `target_loss = X`, `tier = <{}>`, `seed = N`, `timeout = \"..\"`, \
         `loss_at_init(classes = C)`, `frozen = [\"name\", ..]`, `skip = [check, ..]`, and the thresholds \
         `target_relative`, `window`, `min_decrease`, `min_param_change`, `init_rtol`, `init_samples`, `init_sigmas`, `deterministic_steps`; \
         for a model trained in one call: `capacity = 1..=9` (or `[1, 2, 4]`), `target_error = X`, `max_rise = X`",
        TIERS.join("|")
    )
}

/// A check written where an option goes.
fn misplaced(key: &str) -> Option<String> {
    (STEP_CHECKS[..DEFAULT_STEP_CHECKS].contains(&key) || FIT_CHECKS.contains(&key))
        .then(|| format!("`{key}` is generated by default; to leave it out write `skip = [{key}]`"))
}

/// What `#[overfit_check(...)]` asked for; `None` means the documented default.
#[derive(Default)]
pub(crate) struct OverfitArgs {
    pub(crate) steps: Option<usize>,
    pub(crate) tier: Option<(&'static str, Span)>,
    pub(crate) seed: Option<u64>,
    pub(crate) timeout: Option<(String, Duration)>,
    pub(crate) classes: Option<usize>,
    pub(crate) frozen: Vec<String>,
    /// The check names to leave out.
    pub(crate) skip: Vec<(String, Span)>,
    /// `capacity = ..`: a one-shot model's sweep, and where it is written.
    pub(crate) capacity: Option<(Vec<usize>, Span)>,
    /// Whether `capacity` is written, even if its sweep is malformed (reported on its own).
    pub(crate) one_shot: bool,
    /// The thresholds given (of [`STEP_THRESHOLDS`] or [`FIT_THRESHOLDS`]), in that order.
    pub(crate) thresholds: Vec<(&'static str, Threshold)>,
}

impl OverfitArgs {
    /// The checks the group generates, in order.
    pub(crate) fn checks(&self) -> Vec<&'static str> {
        let listed: &[&'static str] = if self.one_shot {
            &FIT_CHECKS
        } else {
            &STEP_CHECKS[..DEFAULT_STEP_CHECKS]
        };
        let mut checks: Vec<&'static str> = listed
            .iter()
            .copied()
            .filter(|check| !self.skip.iter().any(|(skip, _)| skip == check))
            .collect();
        if !self.one_shot {
            let optional = &STEP_CHECKS[DEFAULT_STEP_CHECKS..];
            if self.classes.is_some() {
                checks.push(optional[0]);
            }
            if !self.frozen.is_empty() {
                checks.push(optional[1]);
            }
        }
        checks
    }
}

pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> OverfitArgs {
    let options = options::parse(&GRAMMAR, args, errors);
    let usize_of = |opt| options.get(opt).and_then(|n| usize::try_from(n).ok());
    let thresholds = STEP_THRESHOLDS
        .iter()
        .chain(&FIT_THRESHOLDS)
        .filter_map(|threshold| {
            let value = match threshold {
                ThresholdOpt::Float(opt) => Threshold::Float(options.get(opt)?),
                ThresholdOpt::Count(opt) => Threshold::Count(usize_of(opt)?),
            };
            Some((threshold.key(), value))
        })
        .collect();
    let mut parsed = OverfitArgs {
        steps: usize_of(&STEPS),
        seed: options.get(&SEED).and_then(|n| u64::try_from(n).ok()),
        timeout: options.get(&TIMEOUT),
        one_shot: options.span(&CAPACITY).is_some(),
        thresholds,
        ..OverfitArgs::default()
    };
    if let Some(tier) = options.get_ref(&TIER) {
        parsed.tier = parse_tier(tier, errors);
    }
    if let Some(list) = options.get_ref(&LOSS_AT_INIT) {
        let classes = options::parse(&CLASSES, list.tokens.clone(), errors);
        match classes.get(&CLASSES_OPT) {
            Some(n) => parsed.classes = usize::try_from(n).ok(),
            None if list.tokens.is_empty() => errors.spanned(
                list,
                "write `loss_at_init(classes = C)` with the number of classes C (at least 2)",
            ),
            None => {}
        }
    }
    if let Some(frozen) = options.get_ref(&FROZEN) {
        parsed.frozen = strings(frozen, errors);
    }
    if let Some(skip) = options.get_ref(&SKIP) {
        parsed.skip = check_names(skip, errors);
    }
    if let Some(capacity) = options.get_ref(&CAPACITY) {
        parsed.capacity = capacities(capacity, errors);
    }
    check_mode(&parsed, &options, errors);
    parsed
}

/// Options of the other kind of model, skip names of the other mode, and check lists that leave
/// nothing to test. Run once every argument is read, since `capacity` may come last.
fn check_mode(parsed: &OverfitArgs, options: &options::Options, errors: &mut Errors) {
    let one_shot = parsed.one_shot;
    for given in &options.given {
        let key = given.key;
        if one_shot
            && (STEP_OPTIONS.contains(&key) || STEP_THRESHOLDS.iter().any(|t| t.key() == key))
        {
            errors.at(
                given.span,
                format_args!(
                    "`{key}` is for models trained by optimisation steps (a `Trainer`), but \
                     `capacity = ..` makes this a model trained in one call (a `Fitter`), which has \
                     no steps or loss; with `capacity` the options are `target_error`, `max_rise`, \
                     `tier`, `seed`, `timeout` and `skip = [{}]`",
                    FIT_CHECKS.join(", ")
                ),
            );
        }
        if !one_shot
            && (FIT_OPTIONS.contains(&key) || FIT_THRESHOLDS.iter().any(|t| t.key() == key))
        {
            errors.at(
                given.span,
                format_args!(
                    "`{key}` is for models trained in one call (a `Fitter`): add the capacity sweep, \
                     e.g. `capacity = 1..=9`; a model trained by steps (a `Trainer`) sets \
                     `target_loss` instead"
                ),
            );
        }
    }
    let (checks, kind): (&[&str], &str) = if one_shot {
        (&FIT_CHECKS, "a model trained in one call (`capacity = ..`)")
    } else {
        (
            &STEP_CHECKS[..DEFAULT_STEP_CHECKS],
            "a model trained by steps",
        )
    };
    for (name, span) in &parsed.skip {
        if !checks.contains(&name.as_str()) {
            let hint = did_you_mean(name, checks.iter().copied())
                .map(|c| format!("did you mean `{c}`? "))
                .unwrap_or_default();
            errors.at(
                *span,
                format_args!(
                    "unknown check `{name}`; {hint}the checks of {kind} are {}",
                    checks.join(", ")
                ),
            );
        }
    }
    if let Some(span) = options.get_ref(&SKIP).map(Spanned::span)
        && parsed.checks().is_empty()
    {
        errors.at(
            span,
            "`skip` leaves no check, so the group would generate no test and check nothing; \
             keep at least one check, or remove the attribute",
        );
    }
    if let Some((capacities, span)) = &parsed.capacity
        && capacities.len() < 2
        && !parsed.skip.iter().any(|(s, _)| s == "monotone_in_capacity")
    {
        errors.at(
            *span,
            "`monotone_in_capacity` compares the error across capacities, so the sweep needs at \
             least two; give more, or write `skip = [monotone_in_capacity]`",
        );
    }
}

/// One capacity: a `usize` literal without a suffix or with `usize`.
fn capacity(expr: &Expr, errors: &mut Errors) -> Option<usize> {
    if let Expr::Lit(ExprLit {
        lit: Lit::Int(int), ..
    }) = expr
    {
        if !matches!(int.suffix(), "" | "usize") {
            errors.spanned(
                int,
                format_args!(
                    "a capacity is a `usize`; remove the `{}` suffix",
                    int.suffix()
                ),
            );
            return None;
        }
        if let Ok(n) = int.base10_parse::<u32>() {
            return usize::try_from(n).ok();
        }
        errors.spanned(int, format_args!("a capacity is at most {}", u32::MAX));
        return None;
    }
    errors.spanned(expr, "expected a non-negative integer literal");
    None
}

/// `capacity = 1..=9`, `1..10` or `[1, 2, 4, 8]`: non-negative integers, strictly increasing.
fn capacities(value: &Expr, errors: &mut Errors) -> Option<(Vec<usize>, Span)> {
    let listed: Vec<usize> = match value {
        Expr::Range(range) => {
            let (Some(start), Some(end)) = (&range.start, &range.end) else {
                errors.spanned(
                    value,
                    "`capacity` takes a closed range of integers, e.g. `capacity = 1..=9`",
                );
                return None;
            };
            let (start, end) = (capacity(start, errors)?, capacity(end, errors)?);
            let inclusive = matches!(range.limits, syn::RangeLimits::Closed(_));
            let end = if inclusive {
                end.checked_add(1)
            } else {
                Some(end)
            };
            let Some(end) = end.filter(|end| *end > start) else {
                errors.spanned(value, "the capacity range is empty");
                return None;
            };
            if end - start > MAX_CAPACITIES {
                errors.spanned(
                    value,
                    format_args!(
                        "a sweep of {count} capacities fits the model {count} times; list at most \
                         {MAX_CAPACITIES}, e.g. `[1, 2, 4, 8, 16]`",
                        count = end - start
                    ),
                );
                return None;
            }
            (start..end).collect()
        }
        Expr::Array(array) if !array.elems.is_empty() => {
            if array.elems.len() > MAX_CAPACITIES {
                errors.spanned(
                    value,
                    format_args!("list at most {MAX_CAPACITIES} capacities"),
                );
                return None;
            }
            let mut listed = Vec::new();
            for elem in &array.elems {
                let n = capacity(elem, errors)?;
                if listed.last().is_some_and(|last| *last >= n) {
                    errors.spanned(
                        elem,
                        "capacities must increase: list them from least to most capacity",
                    );
                    return None;
                }
                listed.push(n);
            }
            listed
        }
        _ => {
            errors.spanned(
                value,
                "`capacity` takes the sweep of capacities to fit: a range such as `1..=9` or a \
                 list such as `[1, 2, 4, 8]` (larger = more capacity: a deeper tree, fewer neighbours)",
            );
            return None;
        }
    };
    Some((listed, value.span()))
}

/// `tier = slow`.
pub(crate) fn parse_tier(value: &Expr, errors: &mut Errors) -> Option<(&'static str, Span)> {
    if let Expr::Path(path) = value
        && let Some(ident) = path.path.get_ident()
    {
        let name = ident.to_string();
        if let Some(tier) = TIERS.iter().find(|tier| **tier == name) {
            return Some((tier, ident.span()));
        }
        let hint = did_you_mean(&name, TIERS)
            .map(|c| format!(" (did you mean `{c}`?)"))
            .unwrap_or_default();
        errors.spanned(
            ident,
            format_args!(
                "unknown tier `{name}`{hint}; the tiers are {}",
                TIERS.join(", ")
            ),
        );
        return None;
    }
    errors.spanned(
        value,
        format_args!("`tier` takes a tier name: {}", TIERS.join(", ")),
    );
    None
}

/// `frozen = ["name", ..]`: parameter names, at least one.
fn strings(value: &Expr, errors: &mut Errors) -> Vec<String> {
    match value {
        Expr::Array(array) if !array.elems.is_empty() => array
            .elems
            .iter()
            .filter_map(|elem| match elem {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) if s.suffix().is_empty() => Some(s.value()),
                other => {
                    errors.spanned(other, "expected a parameter name in quotes");
                    None
                }
            })
            .collect(),
        Expr::Array(array) => {
            errors.spanned(
                array,
                "`frozen = []` names no parameter, so the check could never fail; list the \
                 parameters that must not move, or remove the option",
            );
            Vec::new()
        }
        other => {
            errors.spanned(
                other,
                "`frozen` takes a list of parameter names, e.g. `frozen = [\"embedding\"]`",
            );
            Vec::new()
        }
    }
}

fn check_names(value: &Expr, errors: &mut Errors) -> Vec<(String, Span)> {
    let Expr::Array(array) = value else {
        errors.spanned(
            value,
            "`skip` takes a list of checks, e.g. `skip = [deterministic]`",
        );
        return Vec::new();
    };
    let mut names: Vec<(String, Span)> = Vec::new();
    for elem in &array.elems {
        if let Expr::Path(path) = elem
            && let Some(ident) = path.path.get_ident()
        {
            let name = ident.to_string();
            if names.iter().any(|(given, _)| *given == name) {
                errors.spanned(elem, format_args!("`{name}` is listed twice"));
                continue;
            }
            names.push((name, elem.span()));
        } else {
            errors.spanned(
                elem,
                format_args!(
                    "expected a check name: {} (or, with `capacity`, {})",
                    STEP_CHECKS[..DEFAULT_STEP_CHECKS].join(", "),
                    FIT_CHECKS.join(", ")
                ),
            );
        }
    }
    names
}
