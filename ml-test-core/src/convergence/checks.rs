//! The convergence checks: each a small function over a recorded [`TrainingRun`].
//!
//! Where the defaults come from:
//! - *Loss at init* and *overfit one batch* are steps of Andrej Karpathy's "A Recipe for Training
//!   Neural Networks" (2019): a C-class softmax starts near ln C; a healthy model drives the
//!   loss on one small batch close to zero.
//! - *Variables change*, *frozen variables stay*, *never NaN/Inf* are torchtest's
//!   `assert_vars_change`, `assert_vars_same`, `assert_never_nan` / `assert_never_inf` (after
//!   Chase Roberts's mltest for TensorFlow): any element moving counts as a change.
//! - fastai's debugging advice to fit a tiny subset first, and the optimizer tests of the burn
//!   framework, which assert that one step moves every parameter.

use std::fmt;

use super::TrainingRun;
use crate::text::Compact;

/// The checks `#[overfit_check]` can generate, one test each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// [`loss_is_finite`]
    LossIsFinite,
    /// [`loss_decreases`]
    LossDecreases,
    /// [`params_update`]
    ParamsUpdate,
    /// [`overfits_batch`]
    OverfitsBatch,
    /// [`deterministic`]
    Deterministic,
    /// [`loss_at_init`]
    LossAtInit,
    /// [`frozen`]
    Frozen,
}

impl Check {
    /// Every check, in the order their tests are generated (the last two only when asked for).
    pub const ALL: [Check; 7] = [
        Check::LossIsFinite,
        Check::LossDecreases,
        Check::ParamsUpdate,
        Check::OverfitsBatch,
        Check::Deterministic,
        Check::LossAtInit,
        Check::Frozen,
    ];

    /// The checks every group runs unless skipped; the others run when their option is given
    /// (`loss_at_init(classes = C)`, `frozen = [..]`).
    pub const DEFAULT: [Check; 5] = [
        Check::LossIsFinite,
        Check::LossDecreases,
        Check::ParamsUpdate,
        Check::OverfitsBatch,
        Check::Deterministic,
    ];

    /// The check's name, as its test is named (`#[overfit_check]` lists the same names, held
    /// to these by a test of ml-test-macros).
    pub const fn name(self) -> &'static str {
        match self {
            Check::LossIsFinite => "loss_is_finite",
            Check::LossDecreases => "loss_decreases",
            Check::ParamsUpdate => "params_update",
            Check::OverfitsBatch => "overfits_batch",
            Check::Deterministic => "deterministic",
            Check::LossAtInit => "loss_at_init",
            Check::Frozen => "frozen",
        }
    }

    /// The verdict of the check on a recorded run: which function below judges it. Every check
    /// but `deterministic` and `loss_at_init`, which build fresh trainers (`group.rs`).
    pub(crate) fn judge(
        self,
        run: &TrainingRun,
        thresholds: &Thresholds,
        frozen_names: &[&str],
    ) -> Result<(), CheckFailure> {
        if let Some((step, error)) = &run.failed_step {
            return Err(failed_step(self.name(), *step, error, run.steps));
        }
        match self {
            Check::LossIsFinite => loss_is_finite(run),
            Check::LossDecreases => loss_decreases(run, thresholds),
            Check::ParamsUpdate => params_update(run, frozen_names, thresholds),
            Check::OverfitsBatch => overfits_batch(run, thresholds),
            Check::Frozen => frozen(run, frozen_names, thresholds),
            Check::LossAtInit | Check::Deterministic => {
                unreachable!("judged on fresh trainers, not on the run")
            }
        }
    }
}

/// Thresholds of the checks. `Default` gives the documented defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct Thresholds {
    /// `overfits_batch`: the loss to reach. `None`: `target_relative` times the first loss.
    pub target_loss: Option<f64>,
    /// `overfits_batch` without `target_loss`: reach this fraction of the first loss.
    /// Default 0.05 (a 20x reduction: "close to zero" on a batch the model can memorise).
    pub target_relative: f64,
    /// `loss_decreases`: the window, as a fraction of the recorded steps (at least one step).
    /// Default 0.1, so single noisy mini-batch steps do not decide the verdict.
    pub window_fraction: f64,
    /// `loss_decreases`: the least relative drop from the first window's mean to the last's.
    /// Default 0.05.
    pub min_decrease: f64,
    /// `params_update` / `frozen`: a tensor moved if some element changed by more than this.
    /// Default 0.0: any change, as torchtest.
    pub min_param_change: f64,
    /// `loss_at_init`: allowed deviation of the initial loss from ln C, relative to ln C.
    /// Default 0.25.
    pub init_rtol: f64,
    /// `loss_at_init`: the initial loss judged is the median of the first losses of this many
    /// fresh initialisations (the group's seed and seeds derived from it). Default 15.
    pub init_samples: usize,
    /// `loss_at_init`: an initialisation whose first losses spread widely widens the allowed
    /// deviation to this many standard deviations of their logarithms: the median passes when
    /// `|ln(median / ln C)| <= init_sigmas * sd(ln L0)`, or within `init_rtol`. Default 3.
    /// Random logits raise the expected initial loss above ln C as their scale grows, and the
    /// same scale spreads the losses: under candle's default init (Kaiming-uniform with the ReLU
    /// gain) one initialisation of a 3-class MLP ranges from 0.5 to 4.3 times ln C.
    pub init_sigmas: f64,
    /// `deterministic`: how many first losses of two fresh trainers must agree bit for bit.
    /// Default 3.
    pub deterministic_steps: usize,
}

impl Thresholds {
    /// The documented defaults, usable in constants.
    pub const DEFAULT: Thresholds = Thresholds {
        target_loss: None,
        target_relative: 0.05,
        window_fraction: 0.1,
        min_decrease: 0.05,
        min_param_change: 0.0,
        init_rtol: 0.25,
        init_samples: 15,
        init_sigmas: 3.0,
        deterministic_steps: 3,
    };

    // One setter per `#[overfit_check]` option, named as the option: the attribute writes
    // `Thresholds::DEFAULT.window(0.2)` for `window = 0.2`, so an option reaches its threshold
    // through its own name, with no table between them.

    /// `target_loss = X`: the loss `overfits_batch` must reach.
    pub const fn target_loss(mut self, loss: f64) -> Thresholds {
        self.target_loss = Some(loss);
        self
    }

    /// `target_relative = X`: without `target_loss`, the fraction of the first loss to reach.
    pub const fn target_relative(mut self, fraction: f64) -> Thresholds {
        self.target_relative = fraction;
        self
    }

    /// `window = X`: `loss_decreases`' window, as a fraction of the recorded steps.
    pub const fn window(mut self, fraction: f64) -> Thresholds {
        self.window_fraction = fraction;
        self
    }

    /// `min_decrease = X`: the least relative drop `loss_decreases` accepts.
    pub const fn min_decrease(mut self, drop: f64) -> Thresholds {
        self.min_decrease = drop;
        self
    }

    /// `min_param_change = X`: how far an element must move to count as a change.
    pub const fn min_param_change(mut self, change: f64) -> Thresholds {
        self.min_param_change = change;
        self
    }

    /// `init_rtol = X`: the allowed deviation of the initial loss from ln C, relative to ln C.
    pub const fn init_rtol(mut self, rtol: f64) -> Thresholds {
        self.init_rtol = rtol;
        self
    }

    /// `init_samples = N`: fresh initialisations whose median first loss `loss_at_init` judges.
    pub const fn init_samples(mut self, samples: usize) -> Thresholds {
        self.init_samples = samples;
        self
    }

    /// `init_sigmas = X`: the widening of `init_rtol` by the spread of the first losses.
    pub const fn init_sigmas(mut self, sigmas: f64) -> Thresholds {
        self.init_sigmas = sigmas;
        self
    }

    /// `deterministic_steps = N`: how many first losses of two fresh trainers must agree.
    pub const fn deterministic_steps(mut self, steps: usize) -> Thresholds {
        self.deterministic_steps = steps;
        self
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds::DEFAULT
    }
}

/// A failed check: which one, a one-line verdict, and the numbers behind it.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckFailure {
    /// The check's name, as its test is named.
    pub check: &'static str,
    /// What went wrong, in one line.
    pub summary: String,
    /// The numbers, one per line.
    pub details: Vec<String>,
}

impl CheckFailure {
    pub(crate) fn new(check: &'static str, summary: impl Into<String>) -> CheckFailure {
        CheckFailure {
            check,
            summary: summary.into(),
            details: Vec::new(),
        }
    }

    pub(crate) fn detail(mut self, line: impl Into<String>) -> CheckFailure {
        self.details.push(line.into());
        self
    }
}

impl fmt::Display for CheckFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.check, self.summary)?;
        for line in &self.details {
            write!(f, "\n  {line}")?;
        }
        Ok(())
    }
}

/// A failed [`TryTrainer`](super::TryTrainer) step, as the failure of `check`: the run stopped
/// there, so no check can give a verdict on it.
pub fn failed_step(check: &'static str, step: usize, error: &str, steps: usize) -> CheckFailure {
    CheckFailure::new(
        check,
        format!("training step {step} of {steps} failed: {error}"),
    )
    .detail("the run stopped at that step (0-based), so this check has nothing to judge; fix the step's error first")
}

/// Every recorded loss is finite (neither NaN nor infinite).
pub fn loss_is_finite(run: &TrainingRun) -> Result<(), CheckFailure> {
    match run.first_non_finite {
        None if run.losses.is_empty() => Err(CheckFailure::new(Check::LossIsFinite.name(), "no step was recorded")),
        None => Ok(()),
        Some((step, value)) => Err(CheckFailure::new(
            Check::LossIsFinite.name(),
            format!("the loss became {value} at step {step}"),
        )
        .detail(format!(
            "last finite loss: {}",
            last_finite(&run.losses).map_or("none".into(), |(s, l)| format!("{} at step {s}", Compact(l)))
        ))
        .detail("usual causes: a learning rate too high, log(0) or division by zero in the loss, exploding gradients")),
    }
}

/// The mean loss of the last window is at least `min_decrease` (relative) below the mean of
/// the first window. Windows, not single steps, so mini-batch noise does not decide.
pub fn loss_decreases(run: &TrainingRun, thresholds: &Thresholds) -> Result<(), CheckFailure> {
    let losses = finite_prefix(&run.losses);
    if losses.len() < 2 {
        return Err(CheckFailure::new(
            Check::LossDecreases.name(),
            format!(
                "cannot compare windows: only {} finite loss(es) were recorded",
                losses.len()
            ),
        ));
    }
    let window = window_len(losses.len(), thresholds.window_fraction);
    let first = mean(&losses[..window]);
    let last = mean(&losses[losses.len() - window..]);
    let required = first - thresholds.min_decrease * first.abs();
    if last <= required {
        return Ok(());
    }
    let change = if first != 0.0 {
        (last - first) / first.abs() * 100.0
    } else {
        0.0
    };
    let (first, last, required) = (Compact(first), Compact(last), Compact(required));
    Err(
        CheckFailure::new(Check::LossDecreases.name(), "the loss did not go down")
            .detail(format!("first window mean (steps 0..{window}): {first:.6}"))
            .detail(format!(
                "last window mean (steps {}..{}): {last:.6} ({change:+.1}%)",
                losses.len() - window,
                losses.len()
            ))
            .detail(format!(
                "required: last <= {required:.6} (a drop of at least {:.0}%)",
                thresholds.min_decrease * 100.0
            )),
    )
}

/// Every trainable tensor (except the frozen ones) changed between the start and the end.
pub fn params_update(
    run: &TrainingRun,
    frozen: &[&str],
    thresholds: &Thresholds,
) -> Result<(), CheckFailure> {
    if run.params_start.is_empty() {
        return Err(CheckFailure::new(
            Check::ParamsUpdate.name(),
            "the trainer reported no parameters",
        ));
    }
    let mut still = Vec::new();
    for (name, start) in &run.params_start {
        if frozen.contains(&name.as_str()) {
            continue;
        }
        let end = lookup(&run.params_end, name);
        let after_first = lookup(&run.params_after_first, name);
        if max_change(start, end) <= thresholds.min_param_change {
            still.push(format!(
                "{name} {:?}: max change {} after {} steps (after step 1: {})",
                start.shape(),
                fmt_change(max_change(start, end)),
                run.losses.len(),
                fmt_change(max_change(start, after_first)),
            ));
        }
    }
    if still.is_empty() {
        return Ok(());
    }
    let mut failure = CheckFailure::new(
        Check::ParamsUpdate.name(),
        format!(
            "{} of {} trainable tensor(s) did not move",
            still.len(),
            run.params_start.len() - frozen.len().min(run.params_start.len())
        ),
    );
    for line in still {
        failure = failure.detail(line);
    }
    Err(failure.detail("usual causes: the tensor is left out of the optimiser's update, its gradient is zero or detached, a dead activation"))
}

/// The frozen tensors did not change, neither after the first step nor by the end.
pub fn frozen(
    run: &TrainingRun,
    frozen: &[&str],
    thresholds: &Thresholds,
) -> Result<(), CheckFailure> {
    let mut moved = Vec::new();
    for name in frozen {
        let Some((_, start)) = run.params_start.iter().find(|(n, _)| n == name) else {
            let known: Vec<&str> = run.params_start.iter().map(|(n, _)| n.as_str()).collect();
            return Err(CheckFailure::new(
                Check::Frozen.name(),
                format!("no parameter is named `{name}`"),
            )
            .detail(format!("the trainer's parameters: {}", known.join(", "))));
        };
        let change = max_change(start, lookup(&run.params_end, name))
            .max(max_change(start, lookup(&run.params_after_first, name)));
        if change > thresholds.min_param_change {
            moved.push(format!(
                "{name} {:?}: max change {}",
                start.shape(),
                fmt_change(change)
            ));
        }
    }
    if moved.is_empty() {
        return Ok(());
    }
    let mut failure = CheckFailure::new(
        Check::Frozen.name(),
        format!("{} frozen tensor(s) moved", moved.len()),
    );
    for line in moved {
        failure = failure.detail(line);
    }
    Err(failure.detail(
        "a frozen tensor must be excluded from the optimiser (or have its gradient zeroed)",
    ))
}

/// Some step's loss reached the target: `target_loss`, or `target_relative` of the first loss.
pub fn overfits_batch(run: &TrainingRun, thresholds: &Thresholds) -> Result<(), CheckFailure> {
    let losses = finite_prefix(&run.losses);
    let Some(first) = losses.first().copied() else {
        return Err(CheckFailure::new(
            Check::OverfitsBatch.name(),
            "no finite loss was recorded",
        ));
    };
    let (target, origin) = match thresholds.target_loss {
        Some(target) => (target, "target_loss".to_owned()),
        None => (
            overfit_target(first, thresholds),
            format!(
                "{} x the first loss {}",
                thresholds.target_relative,
                Compact(first)
            ),
        ),
    };
    let (best_step, best) = losses
        .iter()
        .copied()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .expect("not empty");
    if best <= target {
        return Ok(());
    }
    let (target, best, last) = (
        Compact(target),
        Compact(best),
        Compact(losses[losses.len() - 1]),
    );
    Err(CheckFailure::new(
        Check::OverfitsBatch.name(),
        format!("the loss did not reach {target:.6} within {} steps", run.steps),
    )
    .detail(format!("target: {target:.6} ({origin})"))
    .detail(format!("best loss: {best} at step {best_step}; last: {last}"))
    .detail("a model that cannot memorise a tiny batch has a bug, too little capacity, or too few steps / too low a learning rate"))
}

/// The initial loss is near ln C, the loss of a uniform prediction over C classes. The median
/// of `initial` (first losses of fresh initialisations) must be within `init_rtol` of ln C, or,
/// when the initialisation spreads the first losses widely, within `init_sigmas` standard
/// deviations of their logarithms (`|ln(median / ln C)| <= init_sigmas * sd(ln L0)`). A loss
/// summed over the batch instead of averaged, or a model with the wrong number of outputs,
/// lands outside.
pub fn loss_at_init(
    initial: &[f64],
    classes: usize,
    thresholds: &Thresholds,
) -> Result<(), CheckFailure> {
    let mut sorted = initial.to_vec();
    sorted.sort_by(f64::total_cmp);
    let Some(&median) = sorted.get(sorted.len() / 2) else {
        return Err(CheckFailure::new(
            Check::LossAtInit.name(),
            "no step was recorded",
        ));
    };
    let expected = (classes as f64).ln();
    if (median - expected).abs() <= thresholds.init_rtol * expected {
        return Ok(());
    }
    let spread = log_spread(initial);
    let deviation = (median / expected).ln().abs();
    if deviation <= thresholds.init_sigmas * spread {
        return Ok(());
    }
    let what = if sorted.len() == 1 {
        "the first loss".to_owned()
    } else {
        format!(
            "the median first loss of {} fresh initialisations",
            sorted.len()
        )
    };
    let (shown, ln_c) = (Compact(median), Compact(expected));
    let samples: Vec<String> = initial.iter().map(|l| Compact(*l).to_string()).collect();
    let widened = expected * (thresholds.init_sigmas * spread).exp();
    Err(CheckFailure::new(
        Check::LossAtInit.name(),
        format!("{what}, {shown:.6}, is not near ln({classes}) = {ln_c:.6}"),
    )
    .detail(format!(
        "allowed: within {}% of ln C, or within {} standard deviations of the log first losses ({}: up to {:.6})",
        thresholds.init_rtol * 100.0,
        thresholds.init_sigmas,
        Compact(spread),
        Compact(widened),
    ))
    .detail(format!("first losses: [{}]", samples.join(", ")))
    .detail("usual causes: a loss summed over the batch instead of averaged, a model with another number of classes than the data, a large weight init or a biased last layer"))
}

/// The sample standard deviation of the logarithms of `losses` (0 for fewer than two, and
/// infinite when a loss is not positive and finite).
fn log_spread(losses: &[f64]) -> f64 {
    if losses.len() < 2 {
        return 0.0;
    }
    if losses.iter().any(|l| !(l.is_finite() && *l > 0.0)) {
        return f64::NAN;
    }
    let logs: Vec<f64> = losses.iter().map(|l| l.ln()).collect();
    let mean = logs.iter().sum::<f64>() / logs.len() as f64;
    let variance = logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (logs.len() - 1) as f64;
    variance.sqrt()
}

/// Two fresh trainers give bit-identical first losses.
pub fn deterministic(first: &[f64], second: &[f64]) -> Result<(), CheckFailure> {
    let differing = first
        .iter()
        .zip(second)
        .position(|(a, b)| a.to_bits() != b.to_bits());
    match differing {
        None if first.len() == second.len() => Ok(()),
        None => Err(CheckFailure::new(
            Check::Deterministic.name(),
            format!("the two runs recorded {} and {} losses", first.len(), second.len()),
        )),
        Some(step) => Err(CheckFailure::new(
            Check::Deterministic.name(),
            format!("two fresh trainers differ at step {step}: {:e} vs {:e}", first[step], second[step]),
        )
        .detail(format!("first run:  {first:?}"))
        .detail(format!("second run: {second:?}"))
        .detail("seed every source of randomness from the test (ml_test::rng()) instead of an unseeded generator")),
    }
}

/// The steps in each window `loss_decreases` compares, of `finite` finite losses (at least 2).
pub(crate) fn window_len(finite: usize, fraction: f64) -> usize {
    ((finite as f64 * fraction).round() as usize).clamp(1, finite / 2)
}

/// The loss `overfits_batch` requires, for a run whose first loss is `first`.
pub(crate) fn overfit_target(first: f64, thresholds: &Thresholds) -> f64 {
    thresholds
        .target_loss
        .unwrap_or(first * thresholds.target_relative)
}

pub(crate) fn finite_prefix(losses: &[f64]) -> &[f64] {
    let end = losses
        .iter()
        .position(|l| !l.is_finite())
        .unwrap_or(losses.len());
    &losses[..end]
}

fn last_finite(losses: &[f64]) -> Option<(usize, f64)> {
    losses
        .iter()
        .copied()
        .enumerate()
        .rev()
        .find(|(_, l)| l.is_finite())
}

pub(crate) fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

fn lookup<'a>(
    params: &'a [(String, ndarray::ArrayD<f64>)],
    name: &str,
) -> Option<&'a ndarray::ArrayD<f64>> {
    params.iter().find(|(n, _)| n == name).map(|(_, p)| p)
}

/// The largest element change; infinite when the tensor vanished or changed shape.
fn max_change(start: &ndarray::ArrayD<f64>, other: Option<&ndarray::ArrayD<f64>>) -> f64 {
    match other {
        Some(other) if other.shape() == start.shape() => start
            .iter()
            .zip(other)
            .map(|(a, b)| {
                if a.to_bits() == b.to_bits() {
                    0.0
                } else {
                    (a - b).abs()
                }
            })
            .fold(0.0, |max: f64, d| {
                if d.is_nan() {
                    f64::INFINITY
                } else {
                    max.max(d)
                }
            }),
        _ => f64::INFINITY,
    }
}

fn fmt_change(change: f64) -> String {
    if change == 0.0 {
        "0".into()
    } else {
        format!("{change:.3e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{ArrayD, IxDyn};
    use std::time::Duration;

    #[test]
    fn each_setter_sets_its_own_threshold_only() {
        const D: Thresholds = Thresholds::DEFAULT;
        assert_eq!(D.target_loss(0.5).target_loss, Some(0.5));
        assert_eq!(D.target_relative(0.2).target_relative, 0.2);
        assert_eq!(D.window(0.25).window_fraction, 0.25);
        assert_eq!(D.min_decrease(0.01).min_decrease, 0.01);
        assert_eq!(D.min_param_change(1e-8).min_param_change, 1e-8);
        assert_eq!(D.init_rtol(0.3).init_rtol, 0.3);
        assert_eq!(D.init_samples(9).init_samples, 9);
        assert_eq!(D.init_sigmas(2.0).init_sigmas, 2.0);
        assert_eq!(D.deterministic_steps(4).deterministic_steps, 4);
        // Every setter leaves the other thresholds at their defaults.
        let all = D
            .target_loss(0.5)
            .target_relative(0.2)
            .window(0.25)
            .min_decrease(0.01)
            .min_param_change(1e-8)
            .init_rtol(0.3)
            .init_samples(9)
            .init_sigmas(2.0)
            .deterministic_steps(4);
        assert_eq!(
            format!("{all:?}"),
            "Thresholds { target_loss: Some(0.5), target_relative: 0.2, window_fraction: 0.25, \
             min_decrease: 0.01, min_param_change: 1e-8, init_rtol: 0.3, init_samples: 9, \
             init_sigmas: 2.0, deterministic_steps: 4 }"
        );
        let fit = crate::convergence::FitThresholds::DEFAULT
            .target_error(0.0)
            .max_rise(0.5);
        assert_eq!((fit.target_error, fit.max_rise), (0.0, 0.5));
    }

    fn tensor(values: &[f64]) -> ArrayD<f64> {
        ArrayD::from_shape_vec(IxDyn(&[values.len()]), values.to_vec()).unwrap()
    }

    fn run(losses: Vec<f64>, start: &[(&str, &[f64])], end: &[(&str, &[f64])]) -> TrainingRun {
        let params = |ps: &[(&str, &[f64])]| {
            ps.iter()
                .map(|(n, v)| (n.to_string(), tensor(v)))
                .collect::<Vec<_>>()
        };
        TrainingRun {
            failed_step: None,
            first_non_finite: losses
                .iter()
                .copied()
                .enumerate()
                .find(|(_, l)| !l.is_finite()),
            steps: losses.len(),
            losses,
            params_start: params(start),
            params_after_first: params(end),
            params_end: params(end),
            elapsed: Duration::ZERO,
        }
    }

    fn losses(run_losses: Vec<f64>) -> TrainingRun {
        run(run_losses, &[("w", &[0.0])], &[("w", &[1.0])])
    }

    #[test]
    fn finite_losses_pass_and_the_first_nan_is_reported_with_its_step() {
        assert_eq!(loss_is_finite(&losses(vec![1.0, 0.5])), Ok(()));
        let failure = loss_is_finite(&losses(vec![1.0, 0.5, f64::NAN])).unwrap_err();
        assert_eq!(failure.summary, "the loss became NaN at step 2");
        assert_eq!(failure.details[0], "last finite loss: 0.5 at step 1");
    }

    #[test]
    fn loss_decreases_compares_window_means_so_noise_does_not_decide() {
        // Noisy but trending down: single steps go up half the time.
        let noisy: Vec<f64> = (0..100)
            .map(|i| 1.0 - i as f64 * 0.005 + if i % 2 == 0 { 0.1 } else { -0.1 })
            .collect();
        assert_eq!(
            loss_decreases(&losses(noisy), &Thresholds::default()),
            Ok(())
        );
        let flat = loss_decreases(&losses(vec![0.7; 100]), &Thresholds::default()).unwrap_err();
        assert_eq!(flat.summary, "the loss did not go down");
        assert_eq!(flat.details[0], "first window mean (steps 0..10): 0.7");
        assert_eq!(
            flat.details[1],
            "last window mean (steps 90..100): 0.7 (+0.0%)"
        );
        assert!(
            loss_decreases(&losses(vec![1.0]), &Thresholds::default()).is_err(),
            "one loss cannot show a trend"
        );
    }

    #[test]
    fn params_update_names_the_tensors_that_did_not_move_and_skips_frozen_ones() {
        let r = run(
            vec![1.0, 0.5],
            &[("w1", &[0.0, 1.0]), ("w2", &[2.0]), ("emb", &[3.0])],
            &[("w1", &[0.0, 1.5]), ("w2", &[2.0]), ("emb", &[3.0])],
        );
        let failure = params_update(&r, &["emb"], &Thresholds::default()).unwrap_err();
        assert_eq!(failure.summary, "1 of 2 trainable tensor(s) did not move");
        assert_eq!(
            failure.details[0],
            "w2 [1]: max change 0 after 2 steps (after step 1: 0)"
        );
        assert_eq!(frozen(&r, &["emb"], &Thresholds::default()), Ok(()));
        let moved = frozen(&r, &["w1"], &Thresholds::default()).unwrap_err();
        assert_eq!(moved.details[0], "w1 [2]: max change 5.000e-1");
        let typo = frozen(&r, &["embedding"], &Thresholds::default()).unwrap_err();
        assert_eq!(typo.summary, "no parameter is named `embedding`");
    }

    #[test]
    fn overfits_batch_uses_the_target_or_a_fraction_of_the_first_loss() {
        let down: Vec<f64> = (0..50).map(|i| 1.0 / (1.0 + i as f64)).collect();
        assert_eq!(
            overfits_batch(&losses(down.clone()), &Thresholds::default()),
            Ok(())
        );
        let strict = Thresholds {
            target_loss: Some(0.001),
            ..Thresholds::default()
        };
        let failure = overfits_batch(&losses(down), &strict).unwrap_err();
        assert_eq!(
            failure.summary,
            "the loss did not reach 0.001 within 50 steps"
        );
        assert_eq!(failure.details[1], "best loss: 0.02 at step 49; last: 0.02");
    }

    #[test]
    fn loss_at_init_judges_the_median_and_widens_with_the_spread() {
        let t = Thresholds::default();
        let ln3 = 3f64.ln();
        assert_eq!(loss_at_init(&[2.30], 10, &t), Ok(()));
        assert_eq!(loss_at_init(&[ln3 * 1.24], 3, &t), Ok(()));
        assert!(loss_at_init(&[ln3 * 1.26], 3, &t).is_err());
        // One outlier among five does not decide: the median does.
        assert_eq!(loss_at_init(&[1.1, 12.0, 1.2, 0.95, 1.05], 3, &t), Ok(()));
        let failure = loss_at_init(&[9.0], 10, &t).unwrap_err();
        assert_eq!(
            failure.summary,
            "the first loss, 9, is not near ln(10) = 2.30259"
        );
        // Tight first losses at 1.8 ln 3 (ten outputs for three classes): caught.
        let tight = [1.95, 1.97, 2.0, 1.99, 2.02];
        assert!(loss_at_init(&tight, 3, &t).is_err());
        // The same median from an init that spreads the losses widely: within three sd.
        let wide = [0.7, 1.5, 2.0, 3.4, 5.1];
        assert_eq!(loss_at_init(&wide, 3, &t), Ok(()));
        // A summed loss over a batch of 12: every sample is about 12 ln 3.
        let summed = [13.1, 14.0, 12.2, 16.5, 11.0];
        let failure = loss_at_init(&summed, 3, &t).unwrap_err();
        assert_eq!(
            failure.summary,
            "the median first loss of 5 fresh initialisations, 13.1, is not near ln(3) = 1.09861"
        );
        assert_eq!(
            failure.details[1],
            "first losses: [13.1, 14, 12.2, 16.5, 11]"
        );
        assert!(loss_at_init(&[], 3, &t).is_err());
        // A non-finite first loss cannot widen the band.
        assert!(loss_at_init(&[f64::NAN, 9.0, 9.0], 3, &t).is_err());
    }

    #[test]
    fn deterministic_compares_bits() {
        assert_eq!(deterministic(&[0.5, 0.25], &[0.5, 0.25]), Ok(()));
        let failure = deterministic(&[0.5, 0.25], &[0.5, 0.25 + f64::EPSILON]).unwrap_err();
        assert!(
            failure
                .summary
                .starts_with("two fresh trainers differ at step 1"),
            "{}",
            failure.summary
        );
    }

    #[test]
    fn huge_losses_print_in_scientific_notation_not_38_digits() {
        let run = losses(vec![1e37; 20]);
        let failure = loss_decreases(&run, &Thresholds::DEFAULT)
            .unwrap_err()
            .to_string();
        assert!(failure.contains("1.0000e37"), "{failure}");
        assert!(!failure.contains("10000000000000000"), "{failure}");
        let failure = overfits_batch(&run, &Thresholds::DEFAULT)
            .unwrap_err()
            .to_string();
        assert!(failure.contains("best loss: 1.0000e37"), "{failure}");
        assert!(
            super::super::report::loss_curve(&run.losses).starts_with("loss 1.0000e37 "),
            "{}",
            super::super::report::loss_curve(&run.losses)
        );
    }
}
