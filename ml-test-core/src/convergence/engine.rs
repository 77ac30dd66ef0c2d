//! The check-group engine: what a group of checks on one model does the same way whatever kind
//! of model it is. A group records one run of the model (a training run, or a capacity sweep),
//! shares the run and its checks' verdicts between its tests (across nextest's processes too),
//! runs one check for a test and panics with the kind's report, and sweeps checks over seeds.
//!
//! A kind of group ([`CheckGroup`](super::CheckGroup) for step-trained models, `FitGroup` for
//! models fitted in one call) says only what differs: its checks, how it records a run, which
//! checks build fresh models rather than read the run, how it judges the others, and its
//! failure report. Adding a check is a variant of the kind's check enum, the function that
//! judges it (beside the others, in `checks.rs` or `fit.rs`), and one arm of the kind's `judge`
//! or `fresh`.

use std::sync::OnceLock;

use super::checks::CheckFailure;
use super::shared::{self, CheckKind, Verdicts};
use crate::TestEntry;
use crate::context::TestContext;

/// A failed check, with the series its report draws (the losses of a run, or the errors of a
/// capacity sweep with its first and last capacity) when there is one.
pub(crate) type Failed = (CheckFailure, Option<(Vec<f64>, (usize, usize))>);

/// One kind of check group, for models of type `M` (built by a `fn() -> M`).
pub(crate) trait Engine<M>: Sync + Sized + 'static {
    /// The kind's checks.
    type Check: CheckKind;
    /// One recorded run of a model.
    type Run: Send + Sync + 'static;
    /// The check each test runs on fresh models of its own rather than on the shared run.
    const DETERMINISTIC: Self::Check;

    /// Names the group and carries its seed.
    fn entry(&self) -> &TestEntry;
    /// Where the group keeps its shared run, recorded by the first check that needs it.
    fn shared_run_cell(&self) -> &OnceLock<Self::Run>;
    /// Where the group keeps its checks' verdicts on the shared run.
    fn verdicts_cell(&self) -> &OnceLock<Verdicts<Self::Check>>;
    /// The checks the group generates tests for.
    fn group_checks(&self) -> Vec<Self::Check>;
    /// Records a run of a model built inside `context`.
    fn record(&self, build: fn() -> M, context: TestContext) -> Self::Run;
    /// The verdict of a check judged on fresh models built with `seed` (and seeds derived from
    /// it) rather than on a run; `None` for a check judged on the run.
    fn fresh(
        &'static self,
        check: Self::Check,
        build: fn() -> M,
        seed: u64,
    ) -> Option<Result<(), Failed>>;
    /// The verdict of a check judged on a run.
    fn judge(&self, check: Self::Check, run: &Self::Run) -> Result<(), CheckFailure>;
    /// What a failure's report draws from a run, and a sweep's first and last capacity.
    fn series(&self, run: &Self::Run) -> (Vec<f64>, (usize, usize));
    /// The run report's drawing of a run: its series as a chart with the kind's thresholds
    /// marked, and the thresholds as a table (HTML).
    fn report_run(&self, series: &[f64], span: (usize, usize)) -> String;
    /// The message a test panics with when its check fails.
    fn report(
        &'static self,
        failure: &CheckFailure,
        series: Option<&(Vec<f64>, (usize, usize))>,
    ) -> String;

    /// The shared run: recorded by the first check that needs it, in this process.
    fn shared_run(&'static self, build: fn() -> M) -> &'static Self::Run {
        self.shared_run_cell()
            .get_or_init(|| self.record(build, TestContext::for_test(self.entry())))
    }

    /// Every check's verdict on the shared run (all but `deterministic`): recorded once per
    /// process, and under nextest once per test run for all its processes.
    fn shared_verdicts(&'static self, build: fn() -> M) -> &'static Verdicts<Self::Check> {
        self.verdicts_cell().get_or_init(|| {
            shared::once_per_run(self.entry(), || {
                let run = self.shared_run(build);
                let seed = TestContext::for_test(self.entry()).seed();
                let (series, span) = self.series(run);
                let verdicts = self
                    .group_checks()
                    .into_iter()
                    .filter(|check| *check != Self::DETERMINISTIC)
                    .map(|check| {
                        let verdict = match self.fresh(check, build, seed) {
                            Some(verdict) => verdict.map_err(|(failure, _)| failure),
                            None => self.judge(check, run),
                        };
                        (check, verdict)
                    })
                    .collect();
                Verdicts {
                    series,
                    span,
                    verdicts,
                }
            })
        })
    }

    /// Runs `checks` on a fresh run with `seed`, bypassing the shared run. The run is recorded
    /// only if a check judged on it is asked for.
    fn sweep_checks(
        &'static self,
        build: fn() -> M,
        seed: u64,
        checks: &[Self::Check],
    ) -> Vec<(Self::Check, Result<(), CheckFailure>)> {
        let run = OnceLock::new();
        checks
            .iter()
            .map(|&check| {
                let verdict = match self.fresh(check, build, seed) {
                    Some(verdict) => verdict.map_err(|(failure, _)| failure),
                    None => self.judge(
                        check,
                        run.get_or_init(|| {
                            self.record(build, TestContext::with_seed(self.entry(), seed))
                        }),
                    ),
                };
                (check, verdict)
            })
            .collect()
    }

    /// Runs one check for its test and panics with the report when it fails.
    fn run_check(&'static self, check: Self::Check, build: fn() -> M) {
        let outcome = if check == Self::DETERMINISTIC {
            let seed = TestContext::for_test(self.entry()).seed();
            self.fresh(check, build, seed)
                .expect("`deterministic` builds fresh models")
        } else {
            let verdicts = self.shared_verdicts(build);
            match verdicts.of(check) {
                Some(Ok(())) => Ok(()),
                Some(Err(failure)) => Err((
                    failure.clone(),
                    Some((verdicts.series.clone(), verdicts.span)),
                )),
                None => panic!(
                    "`{}`: check `{}` is not part of this group; give the group the option it \
                     needs (`loss_at_init(classes = C)`, `frozen = [..]`)",
                    self.entry().name(),
                    check.name()
                ),
            }
        };
        if crate::report::enabled() {
            self.attach_sections(check, &outcome);
        }
        if let Err((failure, series)) = outcome {
            panic!("{}", self.report(&failure, series.as_ref()));
        }
    }

    /// Attaches to the run report the group's run (drawn once on the page for all its checks,
    /// when this process recorded it) with every check's verdict on it, and this check's own.
    fn attach_sections(&'static self, check: Self::Check, outcome: &Result<(), Failed>) {
        use crate::report::{Section, attach, html_escape, table};
        let evidence = if check == Self::DETERMINISTIC {
            vec!["infra.1"]
        } else {
            vec!["infra.2"]
        };
        if let Some(verdicts) = self.verdicts_cell().get() {
            let mut html = self.report_run(&verdicts.series, verdicts.span);
            html.push_str(&table(
                &["check", "verdict on this run"],
                verdicts
                    .verdicts
                    .iter()
                    .map(|(check, verdict)| match verdict {
                        Ok(()) => ("passed", vec![check.name().to_owned(), "passed".to_owned()]),
                        Err(failure) => (
                            "failed",
                            vec![
                                check.name().to_owned(),
                                format!("failed: {}", html_escape(&failure.summary)),
                            ],
                        ),
                    }),
            ));
            attach(Section {
                kind: "convergence",
                title: format!("check group `{}`: the shared run", self.entry().name()),
                html,
                passed: verdicts.verdicts.iter().all(|(_, verdict)| verdict.is_ok()),
                evidence: Vec::new(),
                shared: Some(format!("convergence {}", self.entry().name())),
            });
        }
        let html = match outcome {
            Ok(()) => "<p>passed</p>".to_owned(),
            Err((failure, _)) => {
                let mut html = format!("<p>failed: {}</p><ul>", html_escape(&failure.summary));
                for detail in &failure.details {
                    html.push_str(&format!("<li>{}</li>", html_escape(detail)));
                }
                html.push_str("</ul>");
                html
            }
        };
        attach(Section {
            kind: "convergence",
            title: format!("check `{}`", check.name()),
            html,
            passed: outcome.is_ok(),
            evidence,
            shared: None,
        });
    }
}
