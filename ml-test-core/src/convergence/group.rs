//! A check group: the shared training run behind the tests that `#[overfit_check]` generates.
//! What it shares with a fitting group (the shared run and verdicts, running one check, sweeping
//! seeds) is the engine in `engine.rs`; this file says what is particular to step-trained models:
//! their options, recording a training run, the checks built on fresh trainers (`deterministic`,
//! `loss_at_init`), and the report with the loss curve and its plot.

use std::sync::OnceLock;

use super::checks::{self, Check, CheckFailure, Thresholds};
use super::engine::{Engine, Failed};
use super::report;
use super::shared::{CheckKind, Verdicts, standalone_entry};
use super::{Trainer, TrainingRun};
use crate::TestEntry;
use crate::context::TestContext;

/// One `#[overfit_check]`: its options and, once a check has asked for it, its training run.
///
/// `#[overfit_check]` makes one per group. To run the checks from a tool (a bug zoo, a seed
/// sweep, a calibration), build one with [`standalone`](Self::standalone):
///
/// ```
/// use ml_test::convergence::{Check, CheckGroup, Thresholds, Trainer};
/// use ml_test::ndarray::{ArrayD, array};
///
/// struct Halving(f64);
/// impl Trainer for Halving {
///     fn step(&mut self) -> f64 {
///         self.0 /= 2.0;
///         self.0 * self.0
///     }
///     fn parameters(&self) -> Vec<(String, ArrayD<f64>)> {
///         vec![ml_test::param("w", &array![self.0])]
///     }
/// }
///
/// static GROUP: CheckGroup = CheckGroup::standalone("tools::halving").steps(50);
/// for (seed, verdicts) in [1, 2].map(|seed| (seed, GROUP.sweep(|| Halving(1.0), seed, &GROUP.checks(&[])))) {
///     assert!(verdicts.iter().all(|(_, verdict)| verdict.is_ok()), "seed {seed}");
/// }
/// ```
pub struct CheckGroup {
    /// Names the group (the builder fn's path) and carries its seed; not registered itself.
    pub(crate) entry: TestEntry,
    /// Training steps of the shared run.
    pub(crate) steps: usize,
    /// The checks' thresholds.
    pub(crate) thresholds: Thresholds,
    /// `loss_at_init(classes = C)`.
    pub(crate) classes: Option<usize>,
    /// `frozen = [...]`.
    pub(crate) frozen: &'static [&'static str],
    run: OnceLock<TrainingRun>,
    /// The checks' verdicts on the run, shared across processes under nextest.
    verdicts: OnceLock<Verdicts<Check>>,
}

impl CheckGroup {
    /// A group whose run has not been recorded yet. Used by generated code.
    #[doc(hidden)]
    pub const fn new(
        entry: TestEntry,
        steps: usize,
        thresholds: Thresholds,
        classes: Option<usize>,
        frozen: &'static [&'static str],
    ) -> CheckGroup {
        CheckGroup {
            entry,
            steps,
            thresholds,
            classes,
            frozen,
            run: OnceLock::new(),
            verdicts: OnceLock::new(),
        }
    }

    /// A group made by hand rather than by `#[overfit_check]` (to sweep seeds, or to run the
    /// checks from a tool): `name` labels its messages and plots, and its seed derives from it.
    /// It has `#[overfit_check]`'s defaults (200 steps, [`Thresholds::DEFAULT`], no
    /// `loss_at_init`, nothing frozen) until the methods below change them.
    pub const fn standalone(name: &'static str) -> CheckGroup {
        CheckGroup::new(
            standalone_entry(name),
            crate::convergence::DEFAULT_STEPS,
            Thresholds::DEFAULT,
            None,
            &[],
        )
    }

    /// The number of training steps of the shared run (`steps = N`).
    pub const fn steps(mut self, steps: usize) -> CheckGroup {
        self.steps = steps;
        self
    }

    /// The checks' thresholds.
    pub const fn thresholds(mut self, thresholds: Thresholds) -> CheckGroup {
        self.thresholds = thresholds;
        self
    }

    /// Adds `loss_at_init` for a `classes`-way classifier (`loss_at_init(classes = C)`).
    pub const fn classes(mut self, classes: usize) -> CheckGroup {
        self.classes = Some(classes);
        self
    }

    /// Adds `frozen`: the named parameters must not move (`frozen = [..]`).
    pub const fn frozen(mut self, names: &'static [&'static str]) -> CheckGroup {
        self.frozen = names;
        self
    }

    /// Builds a fresh trainer and uses it, both inside `context`. Each trainer gets its own fresh
    /// context, so a builder that draws from `ml_test::rng()` gets the same streams every time.
    fn with_fresh_trainer<T: Trainer, R>(
        build: fn() -> T,
        context: TestContext,
        use_it: impl FnOnce(&mut T) -> R,
    ) -> R {
        let _entered = context.enter();
        let mut trainer = build();
        use_it(&mut trainer)
    }

    fn record<T: Trainer>(&self, build: fn() -> T, context: TestContext) -> TrainingRun {
        Self::with_fresh_trainer(build, context, |trainer| {
            TrainingRun::record(trainer, self.steps)
        })
    }

    /// `deterministic`: the first losses of two fresh trainers, each in a fresh `context()`.
    /// On failure, also the first run's losses, for the report.
    fn deterministic<T: Trainer>(
        &self,
        build: fn() -> T,
        context: impl Fn() -> TestContext,
    ) -> Result<(), (CheckFailure, Vec<f64>)> {
        let steps = self.thresholds.deterministic_steps.min(self.steps).max(1);
        let first_losses = || {
            Self::with_fresh_trainer(build, context(), |trainer| {
                let mut losses = Vec::with_capacity(steps);
                for step in 0..steps {
                    match trainer.__ml_test_step() {
                        Ok(loss) => losses.push(loss),
                        Err(error) => {
                            let check = Check::Deterministic.name();
                            let failure = checks::failed_step(check, step, &error, steps);
                            return Err((failure, losses));
                        }
                    }
                }
                Ok(losses)
            })
        };
        let first = first_losses()?;
        let second = first_losses()?;
        checks::deterministic(&first, &second).map_err(|failure| (failure, first))
    }

    /// The shared run: recorded by the first check that needs it, in this process.
    pub fn run<T: Trainer>(&'static self, build: fn() -> T) -> &'static TrainingRun {
        Engine::shared_run(self, build)
    }

    /// The checks this group generates tests for.
    pub fn checks(&self, skip: &[Check]) -> Vec<Check> {
        let mut checks = Check::DEFAULT.to_vec();
        if self.classes.is_some() {
            checks.push(Check::LossAtInit);
        }
        if !self.frozen.is_empty() {
            checks.push(Check::Frozen);
        }
        checks.retain(|check| !skip.contains(check));
        checks
    }

    /// Runs `checks` on a fresh training run with `seed`, bypassing the shared run: for sweeping
    /// seeds, as the framework's own bug zoo does. Returns each check's verdict. The run is only
    /// recorded if a check other than `deterministic` and `loss_at_init` needs it.
    pub fn sweep<T: Trainer>(
        &'static self,
        build: fn() -> T,
        seed: u64,
        checks: &[Check],
    ) -> Vec<(Check, Result<(), CheckFailure>)> {
        Engine::sweep_checks(self, build, seed, checks)
    }

    /// The first loss of a fresh trainer built with `seed`: what `loss_at_init` judges, for
    /// measuring how a model's initial loss spreads over seeds before choosing `init_rtol`.
    ///
    /// # Errors
    /// When the trainer's first step fails; the error's text.
    pub fn initial_loss<T: Trainer>(
        &'static self,
        build: fn() -> T,
        seed: u64,
    ) -> Result<f64, String> {
        let context = TestContext::with_seed(&self.entry, seed);
        Self::with_fresh_trainer(build, context, |trainer| trainer.__ml_test_step())
    }

    /// `loss_at_init`: the first losses of `init_samples` fresh trainers, the first built with
    /// `seed` and the others with seeds derived from it.
    fn loss_at_init<T: Trainer>(
        &'static self,
        build: fn() -> T,
        seed: u64,
    ) -> Result<(), CheckFailure> {
        let classes = self.classes.unwrap_or_else(|| {
            panic!("`loss_at_init` needs `loss_at_init(classes = C)` on #[overfit_check]")
        });
        let samples = self.thresholds.init_samples.max(1) as u64;
        let mut initial = Vec::new();
        for sample in 0..samples {
            let sample_seed = crate::seeds::stream_seed(seed, sample);
            let context = TestContext::with_seed(&self.entry, sample_seed);
            let first =
                Self::with_fresh_trainer(build, context, |trainer| trainer.__ml_test_step());
            match first {
                Ok(loss) => initial.push(loss),
                Err(error) => {
                    return Err(checks::failed_step(Check::LossAtInit.name(), 0, &error, 1));
                }
            }
        }
        checks::loss_at_init(&initial, classes, &self.thresholds)
    }

    /// Runs one check and panics with the report when it fails.
    pub fn check<T: Trainer>(&'static self, check: Check, build: fn() -> T) {
        Engine::run_check(self, check, build);
    }

    fn failure_message(&'static self, failure: &CheckFailure, losses: &[f64]) -> String {
        let seed = TestContext::for_test(&self.entry).seed();
        let name = self.entry.name();
        let file = format!("{}.{}.svg", name.replace("::", "."), failure.check);
        let path = report::plot_dir().join(file);
        let title = format!("{name}: {} failed (seed {seed})", failure.check);
        let plot = match report::write_loss_plot(&path, &title, losses) {
            Ok(()) => format!("plot: {}", path.display()),
            Err(error) => format!("plot: not written ({error})"),
        };
        format!(
            "convergence check {failure}\n  {}\n  {plot}\n  trainer: `{name}` (seed {seed}; replay with ML_TEST_SEED={seed})",
            report::loss_curve(losses),
        )
    }
}

impl<T: Trainer> Engine<T> for CheckGroup {
    type Check = Check;
    type Run = TrainingRun;
    const DETERMINISTIC: Check = Check::Deterministic;

    fn entry(&self) -> &TestEntry {
        &self.entry
    }

    fn shared_run_cell(&self) -> &OnceLock<TrainingRun> {
        &self.run
    }

    fn verdicts_cell(&self) -> &OnceLock<Verdicts<Check>> {
        &self.verdicts
    }

    fn group_checks(&self) -> Vec<Check> {
        self.checks(&[])
    }

    fn record(&self, build: fn() -> T, context: TestContext) -> TrainingRun {
        CheckGroup::record(self, build, context)
    }

    fn fresh(
        &'static self,
        check: Check,
        build: fn() -> T,
        seed: u64,
    ) -> Option<Result<(), Failed>> {
        match check {
            Check::Deterministic => Some(
                self.deterministic(build, || TestContext::with_seed(&self.entry, seed))
                    .map_err(|(failure, losses)| (failure, Some((losses, (0, 0))))),
            ),
            Check::LossAtInit => Some(
                self.loss_at_init(build, seed)
                    .map_err(|failure| (failure, None)),
            ),
            _ => None,
        }
    }

    fn judge(&self, check: Check, run: &TrainingRun) -> Result<(), CheckFailure> {
        check.judge(run, &self.thresholds, self.frozen)
    }

    fn series(&self, run: &TrainingRun) -> (Vec<f64>, (usize, usize)) {
        (run.losses.clone(), (0, 0))
    }

    fn report_run(&self, losses: &[f64], _: (usize, usize)) -> String {
        use crate::report::{Marks, line_chart, name_value_table};
        let t = &self.thresholds;
        let points: Vec<(f64, f64)> = losses
            .iter()
            .enumerate()
            .map(|(step, l)| (step as f64, *l))
            .collect();
        // What `overfits_batch` and `loss_decreases` judge, over the finite prefix they read.
        let finite = checks::finite_prefix(losses);
        let number = |x: f64| crate::text::Compact(x).to_string();
        let mut marks = Marks::default();
        let mut numbers = vec![("steps recorded", losses.len().to_string())];
        let target = finite
            .first()
            .map(|first| checks::overfit_target(*first, t));
        let target_label = target.map(|target| format!("overfits_batch target {}", number(target)));
        if let (Some(target), Some(label)) = (target, target_label.as_deref()) {
            marks.lines.push((target, label));
            let best = finite.iter().copied().fold(f64::INFINITY, f64::min);
            numbers.push(("first loss", number(finite[0])));
            numbers.push(("lowest loss", number(best)));
            numbers.push(("overfits_batch target", number(target)));
        }
        if finite.len() >= 2 {
            let window = checks::window_len(finite.len(), t.window_fraction);
            let (first, last) = (
                checks::mean(&finite[..window]),
                checks::mean(&finite[finite.len() - window..]),
            );
            marks.spans.push((0.0, (window - 1) as f64, "first window"));
            marks.spans.push((
                (finite.len() - window) as f64,
                (finite.len() - 1) as f64,
                "last window",
            ));
            numbers.push(("window", format!("{window} steps")));
            numbers.push(("first window mean", number(first)));
            numbers.push(("last window mean", number(last)));
            numbers.push((
                "loss_decreases requires at most",
                number(first - t.min_decrease * first.abs()),
            ));
        }
        let mut html = line_chart(
            &format!("loss over {} steps", losses.len()),
            ("step", "loss"),
            &points,
            &marks,
        );
        html.push_str(&name_value_table(("the run", "value"), numbers));
        html.push_str(&name_value_table(
            ("threshold", "value"),
            [
                (
                    "target_loss",
                    t.target_loss.map_or("none".to_owned(), number),
                ),
                ("target_relative", number(t.target_relative)),
                ("window_fraction", number(t.window_fraction)),
                ("min_decrease", number(t.min_decrease)),
                ("min_param_change", number(t.min_param_change)),
                ("deterministic_steps", t.deterministic_steps.to_string()),
            ],
        ));
        html
    }

    fn report(
        &'static self,
        failure: &CheckFailure,
        series: Option<&(Vec<f64>, (usize, usize))>,
    ) -> String {
        let losses = series.map_or(&[][..], |(losses, _)| losses);
        self.failure_message(failure, losses)
    }
}

impl CheckKind for Check {
    const ALL: &'static [Check] = &Check::ALL;

    fn name(self) -> &'static str {
        Check::name(self)
    }
}
