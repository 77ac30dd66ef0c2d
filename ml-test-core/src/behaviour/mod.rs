//! What a trained model learned: invariance, directional and known-answer cases
//! ([`behaviour()`]), and the output contracts of batch models ([`assert_batch_invariant`],
//! [`output_contract`]).
//!
//! A case perturbs a copy of an input and compares the model's score before and after. A case
//! whose perturbation never reaches the model (the field is dropped by preprocessing, or mapped
//! to the same feature) can never fail; it is reported as **vacuous** and fails the check.
//!
//! ```
//! use ml_test::behaviour;
//!
//! #[derive(Clone, PartialEq)]
//! struct Applicant { name: String, income: f64, debt: f64 }
//!
//! // Preprocessing: what the model sees. The name is dropped.
//! fn features(a: &Applicant) -> Vec<f64> { vec![a.income / 1000.0, a.debt / a.income] }
//! fn approval(a: &Applicant) -> f64 {
//!     let x = features(a);
//!     1.0 / (1.0 + (-(0.05 * x[0] - 4.0 * x[1])).exp())
//! }
//!
//! let alice = Applicant { name: "Alice".into(), income: 52_000.0, debt: 9_000.0 };
//! behaviour("approval", approval)
//!     .features(features)
//!     .feature_names(["income_k", "debt_ratio"])
//!     .increases("a higher income raises approval", &alice, |a| a.income *= 1.5)
//!     .decreases("more debt lowers approval", &alice, |a| a.debt += 20_000.0)
//!     .expect("a high earner without debt is approved", &alice, |p| p > 0.5)
//!     .check();
//! ```

mod contract;
mod report;

use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};

pub use contract::{Batch, OutputContract, assert_batch_invariant, output_contract};
pub use report::{BehaviourReport, CaseKind, CaseResult, Verdict};

use crate::numeric::{Element, Numbers, Numeric};

/// The default of [`Behaviour::tolerance`]: invariance allows `|after - before| <= 1e-9`. That is
/// exact for integer and f32 scores (an f32 score near 1 moves by at least 6e-8) and absorbs
/// rounding in f64 arithmetic.
pub const DEFAULT_TOLERANCE: f64 = 1e-9;

/// The default of [`Behaviour::min_delta`]: a directional case needs the score to move the
/// right way by at least `1e-9`, so a score that does not move at all (a model that ignores the
/// feature) fails. `.min_delta(0.0)` turns `increases` into "does not decrease".
pub const DEFAULT_MIN_DELTA: f64 = 1e-9;

/// Type state of a [`Behaviour`] without [`features`](Behaviour::features): a perturbation is
/// seen by comparing the inputs themselves, so perturbation cases need `I: PartialEq`.
#[derive(Debug)]
pub enum ByInput {}

/// Type state of a [`Behaviour`] with [`features`](Behaviour::features): a perturbation is seen
/// by comparing what the model sees.
#[derive(Debug)]
pub enum ByFeatures {}

/// Inputs whose perturbation ml-test can see without `.features(..)`: every `PartialEq` type.
///
/// ```
/// use ml_test::behaviour;
///
/// // f64 is PartialEq: a perturbation that changes nothing is caught without `.features`.
/// let report = behaviour("double", |x: &f64| 2.0 * x)
///     .invariant("clamping an in-range value", &0.5, |x| *x = x.clamp(0.0, 1.0))
///     .run();
/// assert!(!report.passed());
/// ```
#[diagnostic::on_unimplemented(
    message = "ml-test cannot tell whether a perturbation changed `{Self}`",
    label = "this case perturbs a value of type `{Self}`, which cannot be compared",
    note = "a case whose perturbation changes nothing can never fail, so ml-test checks that it changed something: call `.features(|input| ..)` (what the model sees) before the cases, or derive `PartialEq` for `{Self}`"
)]
pub trait ComparableInput {
    /// Whether two inputs are the same.
    fn same_as(&self, other: &Self) -> bool;
}

impl<T: PartialEq> ComparableInput for T {
    fn same_as(&self, other: &Self) -> bool {
        self == other
    }
}

/// Starts a behaviour check of a trained model.
///
/// `score` maps one input to the number the cases compare: a class probability, a label index,
/// a regression value (any primitive number type). Add cases, then call
/// [`check`](Behaviour::check), which runs them all and panics once, listing every failed case.
///
/// ```
/// use ml_test::behaviour;
///
/// // A spam filter's score for one message.
/// let spam_score = |text: &String| if text.to_lowercase().contains("winner") { 0.99 } else { 0.01 };
/// behaviour("spam filter", spam_score)
///     .invariant("case does not matter", &"You are a WINNER".to_string(), |t| *t = t.to_lowercase())
///     .expect("0.99 means spam", &"winner!".to_string(), |score| score > 0.5)
///     .check();
/// ```
pub fn behaviour<'a, I, S, F>(name: impl Into<String>, score: F) -> Behaviour<'a, I, S, ByInput>
where
    S: Element,
    F: Fn(&I) -> S + 'a,
{
    Behaviour {
        name: name.into(),
        score: Box::new(score),
        to_f64: |score: &S| score.to_f64(),
        features: None,
        feature_names: None,
        tolerance: DEFAULT_TOLERANCE,
        min_delta: DEFAULT_MIN_DELTA,
        cases: Vec::new(),
        _seen: PhantomData,
    }
}

type FeaturesFn<'a, I> = Box<dyn Fn(&I) -> Numbers + 'a>;

/// A behaviour check under construction; see [`behaviour()`]. Each method takes and returns the
/// builder by value.
///
/// ```
/// use ml_test::behaviour::{Verdict, behaviour};
///
/// let report = behaviour("length", |text: &String| text.len())
///     .increases("a longer text", &"ab".to_string(), |t| t.push('c'))
///     .invariant("appending nothing", &"ab".to_string(), |t| t.push_str(""))
///     .run();
/// assert!(report.cases[0].passed());
/// assert!(matches!(report.cases[1].verdict, Verdict::Vacuous(_)));
/// ```
#[must_use = "a behaviour check does nothing until `.check()`"]
pub struct Behaviour<'a, I, S, Seen = ByInput> {
    name: String,
    score: Box<dyn Fn(&I) -> S + 'a>,
    /// The score as f64; captured where `S: Element` is known, so no later method needs it.
    to_f64: fn(&S) -> f64,
    features: Option<FeaturesFn<'a, I>>,
    feature_names: Option<Vec<String>>,
    tolerance: f64,
    min_delta: f64,
    cases: Vec<Case<I>>,
    _seen: PhantomData<Seen>,
}

/// What a score (or a feature) evaluation gave: the value, or the panic message.
type Evaluated<T> = Result<T, String>;

/// A case as added: what was evaluated then, and for perturbation cases the input and its
/// perturbed copy, whose features are computed when the check runs (`.features` may come later).
struct Case<I> {
    evaluations: report::Evaluations,
    inputs: Option<(I, I)>,
}

fn evaluate<T>(f: impl FnOnce() -> T) -> Evaluated<T> {
    catch_unwind(AssertUnwindSafe(f))
        .map_err(|payload| crate::outcome::panic_text(payload.as_ref()))
}

impl<'a, I, S, Seen> Behaviour<'a, I, S, Seen> {
    /// What the model actually sees of an input (its preprocessed features: a `Vec`, an array, an
    /// ndarray of any numeric type). With it, a perturbation that leaves the features unchanged
    /// is reported as vacuous, and failures list the features that changed.
    ///
    /// ```
    /// use ml_test::behaviour;
    ///
    /// // Preprocessing lowercases: a case change never reaches the model.
    /// let features = |t: &String| vec![t.to_lowercase().matches("win").count() as f64];
    /// let spam = |t: &String| if t.to_lowercase().contains("win") { 0.9 } else { 0.1 };
    /// let report = behaviour("spam", spam)
    ///     .features(features)
    ///     .invariant("case does not matter", &"WIN".to_string(), |t| *t = t.to_lowercase())
    ///     .run();
    /// assert!(!report.passed(), "vacuous: the features did not change");
    /// ```
    pub fn features<V, F>(self, features: F) -> Behaviour<'a, I, S, ByFeatures>
    where
        V: Numeric,
        F: Fn(&I) -> V + 'a,
    {
        Behaviour {
            name: self.name,
            score: self.score,
            to_f64: self.to_f64,
            features: Some(Box::new(move |input: &I| features(input).numbers())),
            feature_names: self.feature_names,
            tolerance: self.tolerance,
            min_delta: self.min_delta,
            cases: self.cases,
            _seen: PhantomData,
        }
    }

    /// Names of the features, in the order `.features(..)` returns them, for the report.
    ///
    /// ```
    /// use ml_test::behaviour;
    ///
    /// let report = behaviour("sum", |x: &Vec<f64>| x.iter().sum::<f64>())
    ///     .features(|x: &Vec<f64>| x.clone())
    ///     .feature_names(["income_k", "debt_k"])
    ///     .decreases("less income", &vec![50.0, 10.0], |x| x[0] -= 5.0)
    ///     .run();
    /// assert_eq!(report.cases[0].changed_features, ["income_k 50 -> 45"]);
    /// ```
    pub fn feature_names<N: Into<String>>(mut self, names: impl IntoIterator<Item = N>) -> Self {
        self.feature_names = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// How far an invariance case's score may move: `|after - before| <= tolerance`.
    /// Default [`DEFAULT_TOLERANCE`].
    ///
    /// ```
    /// use ml_test::behaviour;
    ///
    /// behaviour("rounded price", |x: &f64| (x * 100.0).round() / 100.0)
    ///     .tolerance(0.01)
    ///     .invariant("a tenth of a cent", &9.99, |x| *x += 0.001)
    ///     .check();
    /// ```
    ///
    /// # Panics
    /// If `tolerance` is negative or NaN.
    pub fn tolerance(mut self, tolerance: impl Into<f64>) -> Self {
        let tolerance: f64 = tolerance.into();
        assert!(
            tolerance >= 0.0,
            "behaviour `{}`: .tolerance({tolerance}) must be a number >= 0 (the largest allowed |after - before| of an invariance case)",
            self.name
        );
        self.tolerance = tolerance;
        self
    }

    /// How far a directional case's score must move the right way: `after - before >=
    /// min_delta` for `increases`, `before - after >= min_delta` for `decreases`. Default
    /// [`DEFAULT_MIN_DELTA`]; `0.0` accepts an unchanged score ("must not decrease").
    ///
    /// ```
    /// use ml_test::behaviour;
    ///
    /// // A step function: a small raise may leave the score where it is, but never lowers it.
    /// behaviour("credit band", |income: &f64| (income / 10_000.0).floor())
    ///     .min_delta(0)
    ///     .increases("a $500 raise does not lower the band", &52_000.0, |x| *x += 500.0)
    ///     .check();
    /// ```
    ///
    /// # Panics
    /// If `min_delta` is negative or NaN.
    pub fn min_delta(mut self, min_delta: impl Into<f64>) -> Self {
        let min_delta: f64 = min_delta.into();
        assert!(
            min_delta >= 0.0,
            "behaviour `{}`: .min_delta({min_delta}) must be a number >= 0; to test that a score goes down, use .decreases(..)",
            self.name
        );
        self.min_delta = min_delta;
        self
    }

    /// A known answer, a minimum-functionality case or a label mapping: `predicate(score(input))`
    /// must hold ("0.99 means unsafe": `|p| p > 0.5` on an input known to be unsafe).
    ///
    /// ```
    /// use ml_test::behaviour;
    ///
    /// const LABELS: [&str; 2] = ["safe", "unsafe"];
    /// let label = |text: &&str| usize::from(text.contains("attack"));
    /// behaviour("moderation", label)
    ///     .expect("a threat is unsafe", &"attack at dawn", |i| LABELS[i] == "unsafe")
    ///     .check();
    /// ```
    pub fn expect(
        mut self,
        case: impl Into<String>,
        input: &I,
        predicate: impl Fn(S) -> bool,
    ) -> Self {
        let (before, predicate) = match evaluate(|| (self.score)(input)) {
            Ok(score) => {
                let value = (self.to_f64)(&score);
                (Ok(value), Some(evaluate(|| predicate(score))))
            }
            Err(panic) => (Err(panic), None),
        };
        self.cases.push(Case {
            evaluations: report::Evaluations {
                kind: CaseKind::Expect,
                name: case.into(),
                before,
                after: None,
                predicate,
                perturb_panic: None,
                inputs_equal: None,
                features: None,
            },
            inputs: None,
        });
        self
    }

    /// Runs every case and returns their verdicts without panicking; [`check`](Self::check)
    /// is this plus the panic.
    ///
    /// ```
    /// use ml_test::behaviour;
    ///
    /// let report = behaviour("abs", |x: &i32| x.abs()).increases("negate", &3, |x| *x = -*x).run();
    /// assert_eq!(report.failures().count(), 1);
    /// println!("{report}");
    /// ```
    ///
    /// # Panics
    /// If `.feature_names(..)` does not give one name per feature.
    pub fn run(self) -> BehaviourReport {
        let Behaviour {
            name,
            features,
            feature_names,
            tolerance,
            min_delta,
            cases,
            ..
        } = self;
        let rules = report::Rules {
            tolerance,
            min_delta,
        };
        let results = cases
            .into_iter()
            .map(
                |Case {
                     mut evaluations,
                     inputs,
                 }| {
                    if let (Some(features), Some((input, perturbed))) = (&features, &inputs) {
                        evaluations.features = Some(
                            evaluate(|| features(input))
                                .and_then(|a| evaluate(|| features(perturbed)).map(|b| (a, b))),
                        );
                    }
                    report::judge(&name, evaluations, feature_names.as_deref(), &rules)
                },
            )
            .collect();
        let report = BehaviourReport::new(name, results, rules);
        if crate::report::enabled() {
            crate::report::attach(report.section());
        }
        report
    }

    /// Runs every case; prints the report (visible with `--nocapture`) when all pass, and
    /// panics once with the report when any case failed or was vacuous, or when there are no
    /// cases (an empty check tests nothing).
    ///
    /// ```should_panic
    /// use ml_test::behaviour;
    ///
    /// behaviour("nothing", |x: &f64| *x).check(); // no cases: fails
    /// ```
    ///
    /// # Panics
    /// As described, and if `.feature_names(..)` does not give one name per feature.
    #[track_caller]
    pub fn check(self) {
        let report = self.run();
        if report.passed() {
            println!("{report}");
        } else {
            panic!("{report}");
        }
    }

    fn push_perturbation(
        &mut self,
        kind: CaseKind,
        case: String,
        input: &I,
        perturb: impl Fn(&mut I),
        compare: Option<fn(&I, &I) -> bool>,
    ) where
        I: Clone,
    {
        let to_f64 = self.to_f64;
        let before = evaluate(|| to_f64(&(self.score)(input)));
        let mut perturbed = input.clone();
        let perturb_panic = evaluate(|| perturb(&mut perturbed)).err();
        let after = perturb_panic
            .is_none()
            .then(|| evaluate(|| to_f64(&(self.score)(&perturbed))));
        let inputs_equal = compare.map(|same| same(input, &perturbed));
        self.cases.push(Case {
            evaluations: report::Evaluations {
                kind,
                name: case,
                before,
                after,
                predicate: None,
                perturb_panic,
                inputs_equal,
                features: None,
            },
            inputs: Some((input.clone(), perturbed)),
        });
    }
}

// The bounds sit on the methods, not on the impl, so a missing `PartialEq` is reported with
// `ComparableInput`'s message at the call rather than as "method exists but its trait bounds
// were not satisfied".
macro_rules! perturbation_cases {
    ($seen:ty, [$($bound:tt)*], $compare:expr) => {
        impl<'a, I, S> Behaviour<'a, I, S, $seen> {
            /// An invariance case: `perturb` applied to a copy of `input` must not move the score
            /// by more than the [tolerance](Self::tolerance) ("a changed name must not change the
            /// prediction").
            ///
            /// ```
            /// use ml_test::behaviour;
            ///
            /// behaviour("word count", |t: &String| t.split_whitespace().count())
            ///     .invariant("extra spaces", &"a b".to_string(), |t| *t = t.replace(' ', "  "))
            ///     .check();
            /// ```
            pub fn invariant(
                mut self,
                case: impl Into<String>,
                input: &I,
                perturb: impl Fn(&mut I),
            ) -> Self
            where
                I: Clone $($bound)*,
            {
                self.push_perturbation(CaseKind::Invariant, case.into(), input, perturb, $compare);
                self
            }

            /// A directional case: `perturb` applied to a copy of `input` must raise the score
            /// by at least [`min_delta`](Self::min_delta) ("a higher income must not lower the
            /// approval score").
            ///
            /// ```
            /// use ml_test::behaviour;
            ///
            /// behaviour("approval", |income: &f64| income / (income + 40_000.0))
            ///     .increases("a higher income", &50_000.0, |x| *x *= 1.5)
            ///     .check();
            /// ```
            pub fn increases(
                mut self,
                case: impl Into<String>,
                input: &I,
                perturb: impl Fn(&mut I),
            ) -> Self
            where
                I: Clone $($bound)*,
            {
                self.push_perturbation(CaseKind::Increases, case.into(), input, perturb, $compare);
                self
            }

            /// A directional case: `perturb` applied to a copy of `input` must lower the score
            /// by at least [`min_delta`](Self::min_delta).
            ///
            /// ```
            /// use ml_test::behaviour;
            ///
            /// behaviour("approval", |debt: &f64| 1.0 / (1.0 + debt / 10_000.0))
            ///     .decreases("more debt", &5_000.0, |x| *x += 20_000.0)
            ///     .check();
            /// ```
            pub fn decreases(
                mut self,
                case: impl Into<String>,
                input: &I,
                perturb: impl Fn(&mut I),
            ) -> Self
            where
                I: Clone $($bound)*,
            {
                self.push_perturbation(CaseKind::Decreases, case.into(), input, perturb, $compare);
                self
            }
        }
    };
}

perturbation_cases!(ByInput, [+ ComparableInput], Some(<I as ComparableInput>::same_as));
perturbation_cases!(ByFeatures, [], None);
