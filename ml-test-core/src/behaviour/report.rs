//! Judging behaviour cases and rendering the report.

use std::fmt::{self, Write as _};

use super::Evaluated;
use crate::numeric::Numbers;
use crate::text::compact;
use crate::text::plural;

/// What kind of case it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseKind {
    /// `.invariant(..)`: the score must not move.
    Invariant,
    /// `.increases(..)`: the score must go up.
    Increases,
    /// `.decreases(..)`: the score must go down.
    Decreases,
    /// `.expect(..)`: a predicate on the score must hold.
    Expect,
}

impl CaseKind {
    fn label(self) -> &'static str {
        match self {
            CaseKind::Invariant => "invariant",
            CaseKind::Increases => "increases",
            CaseKind::Decreases => "decreases",
            CaseKind::Expect => "expect",
        }
    }
}

/// A case's verdict.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// The case held.
    Passed,
    /// The case did not hold; why, in one line.
    Failed(String),
    /// The perturbation changed nothing the model sees, so the case could never fail; why.
    Vacuous(String),
}

/// One case's outcome, with the numbers behind it.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseResult {
    /// The case's name, as given.
    pub name: String,
    /// The kind of case.
    pub kind: CaseKind,
    /// The verdict.
    pub verdict: Verdict,
    /// The score of the input (as f64), if it could be computed.
    pub before: Option<f64>,
    /// The score of the perturbed copy, for perturbation cases.
    pub after: Option<f64>,
    /// The features that changed, as `name old -> new` (or `[index] old -> new`).
    pub changed_features: Vec<String>,
    /// What the case required, in words.
    pub required: String,
}

impl CaseResult {
    /// Whether the case passed.
    pub fn passed(&self) -> bool {
        self.verdict == Verdict::Passed
    }
}

/// The verdicts of every case of one behaviour check. `Display` renders the report that
/// `check()` prints or panics with.
///
/// ```
/// use ml_test::behaviour::{CaseKind, Verdict, behaviour};
///
/// let report = behaviour("square", |x: &i64| x * x)
///     .increases("a larger input", &-3, |x| *x += 1)
///     .expect("nine", &3, |y| y == 9)
///     .run();
/// let failed = report.case("a larger input").unwrap();
/// assert_eq!(failed.kind, CaseKind::Increases);
/// assert_eq!((failed.before, failed.after), (Some(9.0), Some(4.0)));
/// assert!(matches!(failed.verdict, Verdict::Failed(_)));
/// assert_eq!(report.failures().count(), 1);
/// ```
#[derive(Clone, Debug)]
pub struct BehaviourReport {
    /// The check's name.
    pub name: String,
    /// Every case, in the order added.
    pub cases: Vec<CaseResult>,
    rules: Rules,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Rules {
    pub(super) tolerance: f64,
    pub(super) min_delta: f64,
}

impl BehaviourReport {
    pub(super) fn new(name: String, cases: Vec<CaseResult>, rules: Rules) -> BehaviourReport {
        BehaviourReport { name, cases, rules }
    }

    /// Whether there was at least one case and every case passed.
    pub fn passed(&self) -> bool {
        !self.cases.is_empty() && self.cases.iter().all(CaseResult::passed)
    }

    /// The cases that failed or were vacuous.
    pub fn failures(&self) -> impl Iterator<Item = &CaseResult> {
        self.cases.iter().filter(|case| !case.passed())
    }

    /// The case named `name`.
    pub fn case(&self, name: &str) -> Option<&CaseResult> {
        self.cases.iter().find(|case| case.name == name)
    }
}

impl BehaviourReport {
    /// The run report's section: every case, its scores, delta and requirement, the features
    /// it changed; vacuous cases marked.
    pub(crate) fn section(&self) -> crate::report::Section {
        use crate::report::{html_escape, table};
        let number = |value: Option<f64>| value.map(compact).unwrap_or_default();
        let rows = self.cases.iter().map(|case| {
            let (class, verdict) = match &case.verdict {
                Verdict::Passed => ("passed", "passed".to_owned()),
                Verdict::Failed(why) => ("failed", format!("failed: {}", html_escape(why))),
                Verdict::Vacuous(why) => (
                    "vacuous",
                    format!(
                        "<strong>vacuous</strong> (can never fail): {}",
                        html_escape(why)
                    ),
                ),
            };
            let delta = match (case.before, case.after) {
                (Some(before), Some(after)) => signed(after - before),
                _ => String::new(),
            };
            (
                class,
                vec![
                    html_escape(&case.name),
                    case.kind.label().to_owned(),
                    number(case.before),
                    number(case.after),
                    delta,
                    html_escape(&case.required),
                    html_escape(&case.changed_features.join(", ")),
                    verdict,
                ],
            )
        });
        let mut html = format!(
            "<p>tolerance {}, min_delta {}</p>",
            compact(self.rules.tolerance),
            compact(self.rules.min_delta)
        );
        if self.cases.is_empty() {
            html.push_str("<p>No cases: it tests nothing.</p>");
        } else {
            html.push_str(&table(
                &[
                    "case",
                    "kind",
                    "score",
                    "perturbed",
                    "delta",
                    "required",
                    "features changed",
                    "verdict",
                ],
                rows,
            ));
        }
        // Invariance cases test inclusion (a protected attribute must not move the score);
        // known answers and directions validate quality; changed features test feature code.
        let mut evidence = Vec::new();
        let has = |kind: CaseKind| self.cases.iter().any(|case| case.kind == kind);
        if has(CaseKind::Invariant) {
            evidence.push("model.7");
        }
        if has(CaseKind::Expect) || has(CaseKind::Increases) || has(CaseKind::Decreases) {
            evidence.push("infra.4");
        }
        if self
            .cases
            .iter()
            .any(|case| !case.changed_features.is_empty())
        {
            evidence.push("data.7");
        }
        crate::report::Section {
            kind: "behaviour",
            title: format!("behaviour check `{}`", self.name),
            html,
            passed: self.passed(),
            evidence,
            shared: None,
        }
    }
}

impl fmt::Display for BehaviourReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.cases.is_empty() {
            return write!(
                f,
                "behaviour check `{}` has no cases, so it tests nothing: add .invariant(..), \
                 .increases(..), .decreases(..) or .expect(..) before .check()",
                self.name
            );
        }
        let failed = self
            .cases
            .iter()
            .filter(|c| matches!(c.verdict, Verdict::Failed(_)))
            .count();
        let vacuous = self
            .cases
            .iter()
            .filter(|c| matches!(c.verdict, Verdict::Vacuous(_)))
            .count();
        let passed = self.cases.len() - failed - vacuous;
        write!(
            f,
            "behaviour check `{}`: {} case{}, {passed} passed",
            self.name,
            self.cases.len(),
            plural(self.cases.len())
        )?;
        if failed > 0 {
            write!(f, ", {failed} failed")?;
        }
        if vacuous > 0 {
            write!(f, ", {vacuous} vacuous (can never fail)")?;
        }
        write!(
            f,
            " [tolerance {}, min_delta {}]",
            compact(self.rules.tolerance),
            compact(self.rules.min_delta)
        )?;
        for case in &self.cases {
            let status = match &case.verdict {
                Verdict::Passed => "ok     ",
                Verdict::Failed(_) => "FAILED ",
                Verdict::Vacuous(_) => "VACUOUS",
            };
            write!(f, "\n  {status} {} `{}`", case.kind.label(), case.name)?;
            match (case.before, case.after) {
                (Some(before), Some(after)) => write!(
                    f,
                    ": score {} -> {} (delta {})",
                    compact(before),
                    compact(after),
                    signed(after - before)
                )?,
                (Some(before), None) => write!(f, ": score {}", compact(before))?,
                _ => {}
            }
            match &case.verdict {
                Verdict::Passed => write!(f, "; required {}", case.required)?,
                Verdict::Failed(why) => write!(f, "\n          {why}; required {}", case.required)?,
                Verdict::Vacuous(why) => write!(f, "\n          {why}")?,
            }
            if !case.changed_features.is_empty() && !case.passed() {
                write!(
                    f,
                    "\n          features changed: {}",
                    case.changed_features.join(", ")
                )?;
            }
        }
        Ok(())
    }
}

fn signed(delta: f64) -> String {
    if delta > 0.0 {
        format!("+{}", compact(delta))
    } else {
        compact(delta)
    }
}

/// Everything computed for one case: scores and panics when it was added, features (if given)
/// when the check runs.
pub(super) struct Evaluations {
    pub(super) kind: CaseKind,
    pub(super) name: String,
    pub(super) before: Evaluated<f64>,
    pub(super) after: Option<Evaluated<f64>>,
    pub(super) predicate: Option<Evaluated<bool>>,
    pub(super) perturb_panic: Option<String>,
    pub(super) inputs_equal: Option<bool>,
    pub(super) features: Option<Evaluated<(Numbers, Numbers)>>,
}

/// At most this many changed features are listed per case.
const MAX_LISTED: usize = 8;

pub(super) fn judge(
    check: &str,
    case: Evaluations,
    names: Option<&[String]>,
    rules: &Rules,
) -> CaseResult {
    let required = requirement(case.kind, rules);
    let mut result = CaseResult {
        name: case.name,
        kind: case.kind,
        verdict: Verdict::Passed,
        before: case.before.as_ref().ok().copied(),
        after: case.after.as_ref().and_then(|a| a.as_ref().ok()).copied(),
        changed_features: Vec::new(),
        required,
    };
    let fail = |why: String| Verdict::Failed(why);
    if let Err(panic) = &case.before {
        result.verdict = fail(format!("the score panicked on the input: {panic}"));
        return result;
    }
    if let Some(panic) = case.perturb_panic {
        result.verdict = fail(format!("the perturbation panicked: {panic}"));
        return result;
    }
    if let Some(Err(panic)) = &case.after {
        result.verdict = fail(format!(
            "the score panicked on the perturbed input: {panic}"
        ));
        return result;
    }
    // Vacuity first: a case that changed nothing proves nothing, whatever its scores.
    match case.features {
        Some(Err(panic)) => {
            result.verdict = fail(format!(".features(..) panicked: {panic}"));
            return result;
        }
        Some(Ok((before, after))) => {
            result.changed_features = changed_features(check, &before, &after, names);
            if result.changed_features.is_empty() {
                result.verdict = Verdict::Vacuous(format!(
                    "this case can never fail: the perturbation leaves the model's features unchanged \
                     (all {} equal), so the model sees the same input; perturb a field that reaches \
                     the features, or drop the case",
                    before.values.len()
                ));
                return result;
            }
        }
        None if case.inputs_equal == Some(true) => {
            result.verdict = Verdict::Vacuous(
                "this case can never fail: the perturbation leaves the input unchanged (compared \
                 with PartialEq); make it change a field the model uses"
                    .to_owned(),
            );
            return result;
        }
        None => {}
    }
    let before = result.before.expect("checked above");
    match case.kind {
        CaseKind::Expect => match case.predicate {
            Some(Ok(true)) => {}
            Some(Ok(false)) => {
                result.verdict = fail("the predicate is false for this score".into())
            }
            Some(Err(panic)) => result.verdict = fail(format!("the predicate panicked: {panic}")),
            None => unreachable!("a known-answer case evaluates its predicate"),
        },
        kind => {
            let after = result.after.expect("checked above");
            let delta = after - before;
            let ok = match kind {
                CaseKind::Invariant => delta.abs() <= rules.tolerance,
                CaseKind::Increases => delta >= rules.min_delta,
                CaseKind::Decreases => -delta >= rules.min_delta,
                CaseKind::Expect => unreachable!(),
            };
            if before.is_nan() || after.is_nan() {
                result.verdict = fail("the score is NaN".into());
            } else if !ok {
                let why = match kind {
                    CaseKind::Invariant => "the score moved",
                    _ if delta == 0.0 => {
                        "the score did not move: does the model use what the perturbation changed?"
                    }
                    _ => "the score moved the wrong way or too little",
                };
                result.verdict = fail(why.into());
            }
        }
    }
    result
}

fn requirement(kind: CaseKind, rules: &Rules) -> String {
    match kind {
        CaseKind::Invariant => format!("|delta| <= {}", compact(rules.tolerance)),
        CaseKind::Increases => format!("delta >= {}", compact(rules.min_delta)),
        CaseKind::Decreases => format!("delta <= -{}", compact(rules.min_delta)),
        CaseKind::Expect => "the predicate holds".into(),
    }
}

/// `name old -> new` for each feature that differs (bit for bit; NaN equals NaN).
fn changed_features(
    check: &str,
    before: &Numbers,
    after: &Numbers,
    names: Option<&[String]>,
) -> Vec<String> {
    if before.shape != after.shape {
        return vec![format!(
            "the features' shape {} -> {}",
            before.shape_text(),
            after.shape_text()
        )];
    }
    if let Some(names) = names {
        assert!(
            names.len() == before.values.len(),
            "behaviour `{check}`: .feature_names(..) gives {} names but .features(..) gives {} values; \
             give one name per feature, in order",
            names.len(),
            before.values.len()
        );
    }
    let changed: Vec<usize> = before
        .values
        .iter()
        .zip(&after.values)
        .enumerate()
        .filter(|(_, (a, b))| a.to_bits() != b.to_bits() && !(a.is_nan() && b.is_nan()))
        .map(|(i, _)| i)
        .collect();
    let mut lines: Vec<String> = changed
        .iter()
        .take(MAX_LISTED)
        .map(|&i| {
            let label = match names {
                Some(names) => names[i].clone(),
                None => {
                    let index = before.index_of(i);
                    match index.as_slice() {
                        [one] => format!("[{one}]"),
                        more => format!("{more:?}"),
                    }
                }
            };
            let mut line = label;
            let _ = write!(
                line,
                " {} -> {}",
                compact(before.values[i]),
                compact(after.values[i])
            );
            line
        })
        .collect();
    if changed.len() > MAX_LISTED {
        lines.push(format!("and {} more", changed.len() - MAX_LISTED));
    }
    lines
}
