//! Fitting checks for models trained in one call (decision trees, k-NN, closed-form regression):
//! no optimisation steps, so no loss curve; instead a sweep over the model's capacity.
//!
//! `#[overfit_check(capacity = 1..=9)]` on a fn that builds a [`Fitter`] generates three tests,
//! all reading one recorded sweep (except `deterministic`, which fits twice afresh):
//!
//! | test | passes when | default |
//! |---|---|---|
//! | `fits_batch` | at the largest capacity the training error is at most `target_error` | `1e-9`: zero up to rounding |
//! | `monotone_in_capacity` | the error never rises from one capacity to the next by more than `max_rise` | `1e-9` |
//! | `deterministic` | two fresh fitters, same seed, give bit-identical predictions | |
//!
//! The rules are the one-shot form of "overfit a tiny batch first" (Karpathy's recipe, fastai):
//! with enough capacity a correct model memorises a few distinct rows; and more capacity (a
//! deeper tree, fewer neighbours, a higher degree) never fits the training rows worse.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::checks::CheckFailure;
use super::engine::{Engine, Failed};
use super::report;
use super::shared::{self, CheckKind, Verdicts};
use crate::TestEntry;
use crate::context::TestContext;
use crate::numeric::{Numbers, Numeric};
use crate::text::compact;

/// A model trained in one call on a tiny fixed batch, at a capacity the checks choose.
///
/// ```
/// use ml_test::convergence::Fitter;
///
/// /// k-nearest neighbours on five 1-D points; capacity c means k = 6 - c (fewer neighbours,
/// /// more capacity), so capacity 5 is 1-NN, which fits the batch exactly.
/// struct Knn { x: Vec<f64>, y: Vec<u8> }
///
/// impl Fitter for Knn {
///     type Predictions = Vec<u8>;
///     fn fit(&mut self, capacity: usize) -> Vec<u8> {
///         let k = 6 - capacity;
///         self.x.iter().map(|&q| {
///             let mut by_distance: Vec<usize> = (0..self.x.len()).collect();
///             by_distance.sort_by(|&a, &b| (self.x[a] - q).abs().total_cmp(&(self.x[b] - q).abs()));
///             let votes = by_distance[..k].iter().filter(|&&i| self.y[i] == 1).count();
///             u8::from(2 * votes > k)
///         }).collect()
///     }
///     fn error(&self, predictions: &Vec<u8>) -> f64 {
///         let wrong = predictions.iter().zip(&self.y).filter(|(p, y)| p != y).count();
///         wrong as f64 / self.y.len() as f64
///     }
/// }
/// let mut knn = Knn { x: vec![0.0, 1.0, 2.0, 3.0, 4.0], y: vec![0, 1, 0, 1, 1] };
/// let predictions = knn.fit(5);
/// assert_eq!(knn.error(&predictions), 0.0);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `Fitter`",
    label = "#[overfit_check(capacity = ..)] needs the fn to return a Fitter",
    note = "implement `ml_test::Fitter` for it: `fn fit(&mut self, capacity: usize) -> Self::Predictions` (train a fresh model of that capacity on the tiny batch, predict the batch) and `fn error(&self, predictions: &Self::Predictions) -> f64` (0 = a perfect fit); a model trained by optimisation steps implements `Trainer` instead: then leave out `capacity`"
)]
pub trait Fitter {
    /// The predictions for the batch's inputs: labels or values, any numeric `Vec` or ndarray.
    type Predictions: Numeric;

    /// Trains a fresh model with this capacity on the batch and returns its predictions for
    /// the batch's own inputs. Larger means more capacity: a deeper tree, fewer neighbours, a
    /// higher polynomial degree (map your setting so).
    fn fit(&mut self, capacity: usize) -> Self::Predictions;

    /// The training error of `predictions` against the batch's targets: misclassification rate,
    /// mean squared error, ... 0 is a perfect fit.
    fn error(&self, predictions: &Self::Predictions) -> f64;
}

impl<F: Fitter + ?Sized> Fitter for Box<F> {
    type Predictions = F::Predictions;

    fn fit(&mut self, capacity: usize) -> F::Predictions {
        (**self).fit(capacity)
    }

    fn error(&self, predictions: &F::Predictions) -> f64 {
        (**self).error(predictions)
    }
}

/// Thresholds of the fitting checks. `Default` gives the documented defaults.
///
/// ```
/// use ml_test::convergence::FitThresholds;
///
/// let exact = FitThresholds { target_error: 0.0, ..FitThresholds::DEFAULT };
/// assert_eq!(exact.max_rise, 1e-9);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct FitThresholds {
    /// `fits_batch`: the largest training error allowed at the largest capacity. Default
    /// `1e-9`: zero up to floating-point rounding (any misclassified row of a batch of fewer
    /// than a billion rows is far above it). `0` demands an exact fit.
    pub target_error: f64,
    /// `monotone_in_capacity`: how much the error may rise from one capacity to the next.
    /// Default `1e-9` (rounding).
    pub max_rise: f64,
}

impl FitThresholds {
    /// The documented defaults, usable in constants.
    pub const DEFAULT: FitThresholds = FitThresholds {
        target_error: 1e-9,
        max_rise: 1e-9,
    };

    // One setter per `#[overfit_check(capacity = ..)]` threshold, named as the option (see
    // `Thresholds`).

    /// `target_error = X`: the largest training error `fits_batch` allows.
    pub const fn target_error(mut self, error: f64) -> FitThresholds {
        self.target_error = error;
        self
    }

    /// `max_rise = X`: how much the error may rise from one capacity to the next.
    pub const fn max_rise(mut self, rise: f64) -> FitThresholds {
        self.max_rise = rise;
        self
    }
}

impl Default for FitThresholds {
    fn default() -> Self {
        FitThresholds::DEFAULT
    }
}

/// The checks `#[overfit_check(capacity = ..)]` can generate, one test each.
///
/// ```
/// use ml_test::convergence::FitCheck;
///
/// let names: Vec<&str> = FitCheck::ALL.iter().map(|check| check.name()).collect();
/// assert_eq!(names, ["fits_batch", "monotone_in_capacity", "deterministic"]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FitCheck {
    /// [`fits_batch`]
    FitsBatch,
    /// [`monotone_in_capacity`]
    MonotoneInCapacity,
    /// [`deterministic`]
    Deterministic,
}

impl FitCheck {
    /// Every check, in the order their tests are generated.
    pub const ALL: [FitCheck; 3] = [
        FitCheck::FitsBatch,
        FitCheck::MonotoneInCapacity,
        FitCheck::Deterministic,
    ];

    /// The check's name, as its test is named.
    pub const fn name(self) -> &'static str {
        match self {
            FitCheck::FitsBatch => "fits_batch",
            FitCheck::MonotoneInCapacity => "monotone_in_capacity",
            FitCheck::Deterministic => "deterministic",
        }
    }
}

/// One recorded capacity sweep.
///
/// ```
/// use ml_test::convergence::{FitRun, Fitter};
///
/// /// Predicts the mean of the first `capacity` targets for every row.
/// struct Prefix(Vec<f64>);
/// impl Fitter for Prefix {
///     type Predictions = Vec<f64>;
///     fn fit(&mut self, capacity: usize) -> Vec<f64> {
///         let mean = self.0[..capacity].iter().sum::<f64>() / capacity as f64;
///         vec![mean; self.0.len()]
///     }
///     fn error(&self, p: &Vec<f64>) -> f64 {
///         p.iter().zip(&self.0).map(|(p, y)| (p - y).abs()).sum::<f64>()
///     }
/// }
/// let run = FitRun::record(&mut Prefix(vec![1.0, 1.0, 4.0]), &[1, 3]);
/// assert_eq!(run.sweep, [(1, 3.0), (3, 4.0)]);
/// ```
#[derive(Clone, Debug)]
pub struct FitRun {
    /// `(capacity, training error)` for each capacity, in sweep order.
    pub sweep: Vec<(usize, f64)>,
    /// The predictions at the largest capacity.
    pub predictions: Numbers,
    /// Wall time of the fits.
    pub elapsed: Duration,
}

impl FitRun {
    /// Fits `fitter` at each capacity in turn, recording the training errors.
    ///
    /// # Panics
    /// If `capacities` is empty.
    pub fn record<F: Fitter + ?Sized>(fitter: &mut F, capacities: &[usize]) -> FitRun {
        assert!(
            !capacities.is_empty(),
            "a capacity sweep needs at least one capacity"
        );
        let started = Instant::now();
        let mut sweep = Vec::with_capacity(capacities.len());
        let mut predictions = None;
        for &capacity in capacities {
            let fitted = fitter.fit(capacity);
            sweep.push((capacity, fitter.error(&fitted)));
            predictions = Some(fitted.numbers());
        }
        FitRun {
            sweep,
            predictions: predictions.expect("at least one capacity"),
            elapsed: started.elapsed(),
        }
    }

    fn errors(&self) -> Vec<f64> {
        self.sweep.iter().map(|(_, error)| *error).collect()
    }
}

fn sweep_line(run: &FitRun) -> String {
    let shown: Vec<String> = run
        .sweep
        .iter()
        .map(|(capacity, error)| format!("{capacity}: {}", compact(*error)))
        .collect();
    format!("training error by capacity: {}", shown.join(", "))
}

/// At the largest capacity the training error is at most the target, and finite.
///
/// ```
/// use ml_test::convergence::{FitThresholds, fit::{FitRun, fits_batch}};
/// use ml_test::numeric::Numeric;
///
/// let run = FitRun {
///     sweep: vec![(1, 0.25), (5, 0.0)],
///     predictions: vec![1u8, 0].numbers(),
///     elapsed: Default::default(),
/// };
/// assert!(fits_batch(&run, &FitThresholds::DEFAULT).is_ok());
/// ```
pub fn fits_batch(run: &FitRun, thresholds: &FitThresholds) -> Result<(), CheckFailure> {
    let (capacity, error) = *run.sweep.last().expect("a sweep has a capacity");
    if error.is_finite() && error <= thresholds.target_error {
        return Ok(());
    }
    Err(CheckFailure::new(
        FitCheck::FitsBatch.name(),
        format!(
            "the model did not fit its training batch: training error {} at capacity {capacity}, the largest in the sweep",
            compact(error)
        ),
    )
    .detail(format!("required: error <= {} (target_error)", compact(thresholds.target_error)))
    .detail(sweep_line(run))
    .detail("a correct model with enough capacity memorises a few distinct rows; usual causes: a capacity setting that never reaches the model (max_depth ignored), a split or neighbour search that skips features or thresholds, rows with equal inputs and different targets in the batch (then no model can fit it: fix the batch), or too small a capacity at the top of the sweep"))
}

/// From one capacity to the next, the training error rises by at most `max_rise`.
///
/// ```
/// use ml_test::convergence::{FitThresholds, fit::{FitRun, monotone_in_capacity}};
/// use ml_test::numeric::Numeric;
///
/// let run = FitRun {
///     sweep: vec![(1, 0.25), (2, 0.5)],
///     predictions: vec![1u8].numbers(),
///     elapsed: Default::default(),
/// };
/// let failure = monotone_in_capacity(&run, &FitThresholds::DEFAULT).unwrap_err();
/// assert_eq!(failure.details[0], "capacity 1 -> 2: error 0.25 -> 0.5");
/// ```
pub fn monotone_in_capacity(run: &FitRun, thresholds: &FitThresholds) -> Result<(), CheckFailure> {
    if run.sweep.len() < 2 {
        return Err(CheckFailure::new(
            FitCheck::MonotoneInCapacity.name(),
            "a sweep of one capacity cannot show a trend: give at least two capacities",
        ));
    }
    let rises: Vec<String> = run
        .sweep
        .windows(2)
        // A rise, or a NaN error (which compares as neither).
        .filter(|pair| {
            !matches!(
                pair[1].1.partial_cmp(&(pair[0].1 + thresholds.max_rise)),
                Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
            )
        })
        .map(|pair| {
            format!(
                "capacity {} -> {}: error {} -> {}",
                pair[0].0,
                pair[1].0,
                compact(pair[0].1),
                compact(pair[1].1)
            )
        })
        .collect();
    if rises.is_empty() {
        return Ok(());
    }
    let mut failure = CheckFailure::new(
        FitCheck::MonotoneInCapacity.name(),
        format!(
            "the training error rose as capacity grew, {} time(s)",
            rises.len()
        ),
    );
    for rise in rises {
        failure = failure.detail(rise);
    }
    Err(failure
        .detail(format!("allowed rise per step: {} (max_rise)", compact(thresholds.max_rise)))
        .detail(sweep_line(run))
        .detail("more capacity must fit the training rows at least as well; usual causes: capacity mapped the wrong way (k of k-NN passed as capacity: more neighbours is less capacity), a depth limit off by one, randomness that differs between fits"))
}

/// Two fits at the same capacity, each by a fresh fitter with the same seed, predict alike.
///
/// ```
/// use ml_test::convergence::fit::deterministic;
/// use ml_test::numeric::Numeric;
///
/// assert!(deterministic(&vec![1u8, 0].numbers(), &vec![1u8, 0].numbers()).is_ok());
/// assert!(deterministic(&vec![1u8, 0].numbers(), &vec![1u8, 1].numbers()).is_err());
/// ```
pub fn deterministic(first: &Numbers, second: &Numbers) -> Result<(), CheckFailure> {
    if first.shape != second.shape {
        return Err(CheckFailure::new(
            FitCheck::Deterministic.name(),
            format!(
                "two fits with the same seed predicted shapes {} and {}",
                first.shape_text(),
                second.shape_text()
            ),
        ));
    }
    let differing: Vec<usize> = first
        .values
        .iter()
        .zip(&second.values)
        .enumerate()
        .filter(|(_, (a, b))| a.to_bits() != b.to_bits())
        .map(|(i, _)| i)
        .collect();
    let Some(&at) = differing.first() else {
        return Ok(());
    };
    Err(CheckFailure::new(
        FitCheck::Deterministic.name(),
        format!(
            "two fits with the same seed gave different predictions at {} of {} position(s)",
            differing.len(),
            first.values.len()
        ),
    )
    .detail(format!(
        "first at {:?}: {} vs {}",
        first.index_of(at),
        compact(first.values[at]),
        compact(second.values[at])
    ))
    .detail("seed every source of randomness from the test (ml_test::rng()): bootstrap samples, feature subsets, tie-breaking; iterate ordered collections, not a HashMap"))
}

/// One `#[overfit_check(capacity = ..)]`: its sweep, thresholds and, once needed, its run.
/// Made by hand, it runs the checks on chosen seeds (a bug zoo, a tool).
///
/// ```
/// use ml_test::convergence::{FitCheck, FitGroup, FitThresholds, Fitter};
///
/// /// A lookup table that memorises the first `capacity` rows of four.
/// struct Table;
/// impl Fitter for Table {
///     type Predictions = Vec<u8>;
///     fn fit(&mut self, capacity: usize) -> Vec<u8> {
///         (0..4).map(|i| if i < capacity { (i % 2) as u8 } else { 0 }).collect()
///     }
///     fn error(&self, p: &Vec<u8>) -> f64 {
///         p.iter().enumerate().filter(|(i, p)| **p != (i % 2) as u8).count() as f64 / 4.0
///     }
/// }
/// static GROUP: FitGroup = FitGroup::standalone("table", &[1, 2, 4]);
/// for (check, verdict) in GROUP.sweep(|| Table, 7, &GROUP.checks(&[])) {
///     assert!(verdict.is_ok(), "{check:?}");
/// }
/// ```
pub struct FitGroup {
    /// Names the group (the builder fn's path) and carries its seed; not registered itself.
    pub(crate) entry: TestEntry,
    /// The capacities of the sweep, increasing.
    pub(crate) capacities: &'static [usize],
    /// The checks' thresholds.
    pub(crate) thresholds: FitThresholds,
    run: OnceLock<FitRun>,
    /// The checks' verdicts on the sweep, shared across processes under nextest.
    verdicts: OnceLock<Verdicts<FitCheck>>,
}

impl FitGroup {
    /// A group whose sweep has not been recorded yet. Used by generated code.
    #[doc(hidden)]
    pub const fn new(
        entry: TestEntry,
        capacities: &'static [usize],
        thresholds: FitThresholds,
    ) -> FitGroup {
        FitGroup {
            entry,
            capacities,
            thresholds,
            run: OnceLock::new(),
            verdicts: OnceLock::new(),
        }
    }

    /// A group made by hand rather than by `#[overfit_check]` (to sweep seeds, or to run the
    /// checks from a tool) over the `capacities` (increasing): `name` labels its messages, and
    /// its seed derives from it. Its thresholds are [`FitThresholds::DEFAULT`] until
    /// [`thresholds`](Self::thresholds) changes them.
    pub const fn standalone(name: &'static str, capacities: &'static [usize]) -> FitGroup {
        FitGroup::new(
            shared::standalone_entry(name),
            capacities,
            FitThresholds::DEFAULT,
        )
    }

    /// The checks' thresholds.
    pub const fn thresholds(mut self, thresholds: FitThresholds) -> FitGroup {
        self.thresholds = thresholds;
        self
    }

    /// The capacities of the sweep, increasing.
    pub fn capacities(&self) -> &'static [usize] {
        self.capacities
    }

    /// The checks this group generates tests for.
    pub fn checks(&self, skip: &[FitCheck]) -> Vec<FitCheck> {
        FitCheck::ALL
            .into_iter()
            .filter(|check| !skip.contains(check))
            .collect()
    }

    fn record<F: Fitter>(&self, build: fn() -> F, context: TestContext) -> FitRun {
        let _entered = context.enter();
        FitRun::record(&mut build(), self.capacities)
    }

    /// The shared sweep: recorded by the first check that needs it, in this process.
    pub fn run<F: Fitter>(&'static self, build: fn() -> F) -> &'static FitRun {
        Engine::shared_run(self, build)
    }

    /// `deterministic`: the predictions of two fresh fitters at the largest capacity, each in a
    /// fresh context (so `ml_test::rng()` starts over).
    fn deterministic<F: Fitter>(
        &self,
        build: fn() -> F,
        context: impl Fn() -> TestContext,
    ) -> Result<(), CheckFailure> {
        let top = *self.capacities.last().expect("a sweep has a capacity");
        let predict = || {
            let _entered = context().enter();
            build().fit(top).numbers()
        };
        deterministic(&predict(), &predict())
    }

    fn verdict(&self, check: FitCheck, run: &FitRun) -> Result<(), CheckFailure> {
        match check {
            FitCheck::FitsBatch => fits_batch(run, &self.thresholds),
            FitCheck::MonotoneInCapacity => monotone_in_capacity(run, &self.thresholds),
            FitCheck::Deterministic => unreachable!("needs two fresh fitters, not a run"),
        }
    }

    /// Runs `checks` on a fresh sweep with `seed`, bypassing the shared run: for sweeping seeds.
    pub fn sweep<F: Fitter>(
        &'static self,
        build: fn() -> F,
        seed: u64,
        checks: &[FitCheck],
    ) -> Vec<(FitCheck, Result<(), CheckFailure>)> {
        Engine::sweep_checks(self, build, seed, checks)
    }

    /// Runs one check and panics with the report when it fails.
    pub fn check<F: Fitter>(&'static self, check: FitCheck, build: fn() -> F) {
        Engine::run_check(self, check, build);
    }
}

impl<F: Fitter> Engine<F> for FitGroup {
    type Check = FitCheck;
    type Run = FitRun;
    const DETERMINISTIC: FitCheck = FitCheck::Deterministic;

    fn entry(&self) -> &TestEntry {
        &self.entry
    }

    fn shared_run_cell(&self) -> &OnceLock<FitRun> {
        &self.run
    }

    fn verdicts_cell(&self) -> &OnceLock<Verdicts<FitCheck>> {
        &self.verdicts
    }

    fn group_checks(&self) -> Vec<FitCheck> {
        self.checks(&[])
    }

    fn record(&self, build: fn() -> F, context: TestContext) -> FitRun {
        FitGroup::record(self, build, context)
    }

    fn fresh(
        &'static self,
        check: FitCheck,
        build: fn() -> F,
        seed: u64,
    ) -> Option<Result<(), Failed>> {
        (check == FitCheck::Deterministic).then(|| {
            self.deterministic(build, || TestContext::with_seed(&self.entry, seed))
                .map_err(|failure| (failure, None))
        })
    }

    fn judge(&self, check: FitCheck, run: &FitRun) -> Result<(), CheckFailure> {
        self.verdict(check, run)
    }

    fn report_run(&self, errors: &[f64], _: (usize, usize)) -> String {
        use crate::report::{Marks, line_chart, name_value_table};
        let t = &self.thresholds;
        let points: Vec<(f64, f64)> = self
            .capacities
            .iter()
            .zip(errors)
            .map(|(capacity, error)| (*capacity as f64, *error))
            .collect();
        let label = format!("fits_batch target {}", crate::text::Compact(t.target_error));
        let marks = Marks {
            lines: vec![(t.target_error, label.as_str())],
            spans: Vec::new(),
        };
        let mut html = line_chart(
            "training error by capacity",
            ("capacity", "error"),
            &points,
            &marks,
        );
        let number = |x: f64| crate::text::Compact(x).to_string();
        html.push_str(&name_value_table(
            ("threshold", "value"),
            [
                ("target_error", number(t.target_error)),
                ("max_rise", number(t.max_rise)),
            ],
        ));
        html
    }

    fn series(&self, run: &FitRun) -> (Vec<f64>, (usize, usize)) {
        (
            run.errors(),
            (run.sweep[0].0, run.sweep[run.sweep.len() - 1].0),
        )
    }

    fn report(
        &'static self,
        failure: &CheckFailure,
        series: Option<&(Vec<f64>, (usize, usize))>,
    ) -> String {
        let seed = TestContext::for_test(&self.entry).seed();
        let curve = series.map_or(String::new(), |(errors, span)| {
            format!(
                "\n  error {} {} {}  (capacity {} to {})",
                compact(errors[0]),
                report::sparkline(errors, 60),
                compact(errors[errors.len() - 1]),
                span.0,
                span.1
            )
        });
        format!(
            "fitting check {failure}{curve}\n  model: `{}` (seed {seed}; replay with ML_TEST_SEED={seed})",
            self.entry.name()
        )
    }
}

impl CheckKind for FitCheck {
    const ALL: &'static [FitCheck] = &FitCheck::ALL;

    fn name(self) -> &'static str {
        FitCheck::name(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(sweep: &[(usize, f64)]) -> FitRun {
        FitRun {
            sweep: sweep.to_vec(),
            predictions: vec![0.0f64].numbers(),
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn fits_batch_reads_the_largest_capacity_and_allows_a_zero_target() {
        let t = FitThresholds::DEFAULT;
        assert_eq!(fits_batch(&run(&[(1, 0.5), (9, 0.0)]), &t), Ok(()));
        let exact = FitThresholds {
            target_error: 0.0,
            ..t
        };
        assert_eq!(fits_batch(&run(&[(1, 0.5), (9, 0.0)]), &exact), Ok(()));
        let failure = fits_batch(&run(&[(1, 0.5), (2, 0.25)]), &exact).unwrap_err();
        assert_eq!(
            failure.summary,
            "the model did not fit its training batch: training error 0.25 at capacity 2, the largest in the sweep"
        );
        assert_eq!(failure.details[0], "required: error <= 0 (target_error)");
        assert_eq!(
            failure.details[1],
            "training error by capacity: 1: 0.5, 2: 0.25"
        );
        assert!(fits_batch(&run(&[(1, f64::NAN)]), &t).is_err());
    }

    #[test]
    fn monotone_in_capacity_lists_every_rise() {
        let t = FitThresholds::DEFAULT;
        assert_eq!(
            monotone_in_capacity(&run(&[(1, 0.5), (2, 0.5), (3, 0.1)]), &t),
            Ok(())
        );
        let failure =
            monotone_in_capacity(&run(&[(1, 0.5), (2, 0.6), (3, 0.1), (4, 0.2)]), &t).unwrap_err();
        assert_eq!(
            failure.summary,
            "the training error rose as capacity grew, 2 time(s)"
        );
        assert_eq!(failure.details[0], "capacity 1 -> 2: error 0.5 -> 0.6");
        assert_eq!(failure.details[1], "capacity 3 -> 4: error 0.1 -> 0.2");
        assert!(monotone_in_capacity(&run(&[(1, 0.5)]), &t).is_err());
        assert!(monotone_in_capacity(&run(&[(1, 0.5), (2, f64::NAN)]), &t).is_err());
    }

    #[test]
    fn deterministic_compares_predictions_bit_for_bit() {
        let a = vec![1i64, 0, 1].numbers();
        assert_eq!(deterministic(&a, &a), Ok(()));
        let failure = deterministic(&a, &vec![1i64, 1, 1].numbers()).unwrap_err();
        assert_eq!(
            failure.summary,
            "two fits with the same seed gave different predictions at 1 of 3 position(s)"
        );
        assert_eq!(failure.details[0], "first at [1]: 0 vs 1");
    }
}
