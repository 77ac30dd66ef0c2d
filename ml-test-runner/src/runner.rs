//! Running a test body inside its context, with an optional timeout, once or once per seed of
//! a sweep, behind the exclusive-test gate. Called by generated code.

use std::any::Any;
use std::fmt::Write as _;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use crate::TestEntry;
use crate::context::{self, SeedSource, TestContext};
use crate::exclusive;
use crate::outcome::{TestReturn, panic_text};
use crate::report::{self, Recording};
use crate::run::TestRun;

/// Runs a synchronous test body without a timeout, on the test's own thread.
pub fn run<R: TestReturn>(entry: &'static TestEntry, body: fn() -> R) -> R {
    let _admission = exclusive::admit(entry);
    let _recording = Recording::begin(entry);
    let run = TestRun::start(entry);
    let returned = body();
    run.finish(returned)
}

/// Runs a synchronous `#[ml_test(seeds = N)]` body once per seed of its sweep, without a
/// timeout; panics with the pass rate and the failing seeds if any run fails.
pub fn run_seeds<R: TestReturn>(entry: &'static TestEntry, body: fn() -> R) {
    let _admission = exclusive::admit(entry);
    let _recording = Recording::begin(entry);
    sweep(entry, body, |_| {});
}

/// The seeds a sweep runs, with their source: every derived seed, or only `ML_TEST_SEED`.
fn sweep_plan(entry: &'static TestEntry) -> Vec<(u64, SeedSource)> {
    let count = entry.seeds.unwrap_or_else(|| {
        panic!(
            "`{}` has no `seeds`; generated code sweeps only when it does",
            entry.name()
        )
    });
    let (base, source) = TestContext::base_seed(entry);
    if source == SeedSource::Environment {
        return vec![(base, source)];
    }
    context::sweep_seeds(base, count)
        .into_iter()
        .zip(1..)
        .map(|(seed, run)| (seed, SeedSource::Sweep { run, of: count }))
        .collect()
}

/// One run of a sweep: its seed and source, and its failure if it failed.
struct SweepRun {
    seed: u64,
    source: SeedSource,
    failure: Option<String>,
}

fn failure_of<R: TestReturn>(outcome: Result<R, Box<dyn Any + Send>>) -> Option<String> {
    match outcome {
        Ok(returned) => returned.failure(),
        Err(panic) => Some(panic_text(panic.as_ref())),
    }
}

/// Runs the sweep; `started` sees each run's context as it starts.
fn sweep<R: TestReturn>(
    entry: &'static TestEntry,
    body: impl Fn() -> R,
    started: impl Fn(&TestContext),
) {
    crate::run::check_ignore_was_seen(entry);
    let runs: Vec<SweepRun> = sweep_plan(entry)
        .into_iter()
        .map(|(seed, source)| {
            let context = TestContext::with_source(entry, seed, source);
            started(&context);
            let _entered = context.enter();
            let failure = failure_of(catch_unwind(AssertUnwindSafe(&body)));
            SweepRun {
                seed,
                source,
                failure,
            }
        })
        .collect();
    conclude_sweep(entry, &runs);
}

/// Prints the pass rate, or panics with it and every failing seed's replay command.
fn conclude_sweep(entry: &'static TestEntry, runs: &[SweepRun]) {
    let failed: Vec<&SweepRun> = runs.iter().filter(|run| run.failure.is_some()).collect();
    let passed = runs.len() - failed.len();
    let rate = format!(
        "{passed} of {} seed{} passed ({:.0}%)",
        runs.len(),
        if runs.len() == 1 { "" } else { "s" },
        100.0 * passed as f64 / runs.len() as f64
    );
    if report::enabled() {
        report::attach_to(entry, sweep_section(entry, runs, &rate));
    }
    if failed.is_empty() {
        println!("ml-test: `{}`: {rate}", entry.name());
        return;
    }
    let mut message = format!(
        "`{}`: {rate}; it failed with {} seed{}:",
        entry.name(),
        failed.len(),
        if failed.len() == 1 { "" } else { "s" }
    );
    for run in failed {
        let failure = run.failure.as_deref().unwrap_or_default();
        let first_line = failure.lines().next().unwrap_or_default();
        let _ = write!(
            message,
            "\n  seed {} ({}): {first_line}\n    replay: {}",
            run.seed,
            run.source,
            context::replay_command(entry, run.seed)
        );
    }
    message.push_str("\n(each run's full failure is printed above, in run order)");
    panic!("{message}");
}

/// The report's section of a sweep: each seed's run and how it ended.
fn sweep_section(entry: &'static TestEntry, runs: &[SweepRun], rate: &str) -> report::Section {
    let mut html = format!(
        "<p>{rate}</p><table class=\"sweep\"><thead><tr><th>seed</th><th>run</th><th>outcome</th>\
         <th>replay</th></tr></thead><tbody>"
    );
    for run in runs {
        let outcome = match &run.failure {
            None => "passed".to_owned(),
            Some(failure) => format!(
                "failed: {}",
                report::html_escape(failure.lines().next().unwrap_or_default())
            ),
        };
        let _ = write!(
            html,
            "<tr class=\"{class}\"><td>{seed}</td><td>{source}</td><td>{outcome}</td>\
             <td><code>{replay}</code></td></tr>",
            class = if run.failure.is_some() {
                "failed"
            } else {
                "passed"
            },
            seed = run.seed,
            source = run.source,
            replay = report::html_escape(&context::replay_command(entry, run.seed)),
        );
    }
    html.push_str("</tbody></table>");
    report::Section {
        kind: "sweep",
        title: "seed sweep".to_owned(),
        html,
        passed: runs.iter().all(|run| run.failure.is_none()),
        evidence: vec!["infra.4"],
        shared: None,
    }
}

/// Runs a synchronous test body on a worker thread and fails the test if it has not finished
/// within the entry's timeout.
///
/// The body runs on its own thread because a thread cannot be interrupted: on timeout the test
/// fails at once and the worker is abandoned (it ends with the process). The worker carries the
/// test's context, inherits libtest's output capture, and is named after the test. A returned
/// error is re-raised as a panic with the error's `Debug` text, since the value cannot cross
/// threads in general (`Box<dyn Error>` is not `Send`).
pub fn run_with_timeout<R: TestReturn + 'static>(entry: &'static TestEntry, body: fn() -> R) {
    let _admission = exclusive::admit(entry);
    let _recording = Recording::begin(entry);
    let (written, limit) = timeout_of(entry);
    let (context, seed) = match entry.seeds {
        // A sweep makes a context per run, on the worker.
        Some(_) => (
            None,
            format!("base seed {}", TestContext::base_seed(entry).0),
        ),
        None => {
            let context = TestRun::prepare(entry);
            let seed = format!("seed {}", context.seed());
            (Some(context), seed)
        }
    };
    // The context the worker is running now, to abandon at the timeout.
    let running = Arc::new(Mutex::new(context.clone()));
    let on_worker = Arc::clone(&running);
    let (done, outcome) = mpsc::channel::<Option<String>>();
    let worker = thread::Builder::new()
        .name(entry.name().to_owned())
        .spawn(move || {
            let failure = match context {
                None => {
                    sweep(entry, body, |started| {
                        *crate::sync::lock(&on_worker) = Some(started.clone());
                    });
                    None
                }
                Some(context) => {
                    let run = TestRun::start_with(context);
                    let returned = body();
                    let failure = returned.failure();
                    run.finish(returned);
                    failure
                }
            };
            // The receiver is gone only if the test already timed out; nothing is left to tell.
            let _ = done.send(failure);
        })
        .unwrap_or_else(|error| {
            panic!(
                "ml-test could not spawn the thread for `{}`'s timeout: {error}",
                entry.name()
            )
        });
    match outcome.recv_timeout(limit) {
        Ok(None) => {
            let _ = worker.join();
        }
        Ok(Some(failure)) => panic!("{failure}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the worker sends its outcome unless it panics"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            // The worker cannot be stopped, but what it holds for the test (mocks, the global
            // mock lock) is released now, so the tests after this one run.
            if let Some(context) = crate::sync::lock(&running).take() {
                context.abandon();
            }
            panic!("{}", timed_out(entry, written, &seed))
        }
    }
}

/// The output of a future that is ready at its first poll: a case that test-case generated from
/// a sync fn, which ml-test handed to it as an `async fn` so that each case's attributes expand
/// before test-case's `#[test]` (see ml-test-macros' `render_cases`). The future awaits only that
/// fn, which awaits nothing.
///
/// # Panics
/// If the future is not ready at once, which would mean the fn awaited something after all.
pub fn ready<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!(
            "ml-test ran a #[test_case] case of a sync fn, and the fn did not complete at once; \
             write the fn as an `async fn` with a runtime's test attribute below #[test_case] \
             (`#[tokio::test]`)"
        ),
    }
}

/// Runs an async test body inside its context, under the entry's timeout if it has one.
///
/// The timeout is checked whenever the runtime polls the test and by a timer thread that wakes
/// it at the deadline, so it works on any executor; a body that blocks its thread without
/// awaiting cannot be interrupted (use a synchronous test with `timeout` for that).
pub async fn run_async<R: TestReturn, F: Future<Output = R>>(
    entry: &'static TestEntry,
    body: F,
) -> R {
    let _admission = exclusive::admit(entry);
    let _recording = Recording::begin(entry);
    let run = TestRun::start(entry);
    let returned = match entry.timeout {
        None => body.await,
        Some((written, limit)) => {
            let seed = format!("seed {}", run.context().seed());
            match (Deadline {
                body: Box::pin(body),
                timer: None,
                limit,
            })
            .await
            {
                Some(returned) => returned,
                None => panic!("{}", timed_out(entry, written, &seed)),
            }
        }
    };
    run.finish(returned)
}

/// Runs an async `#[ml_test(seeds = N)]` body once per seed of its sweep (`make` builds each
/// run's future), under the entry's timeout for the whole sweep if it has one.
pub async fn run_async_seeds<R: TestReturn, F: Future<Output = R>>(
    entry: &'static TestEntry,
    make: impl Fn() -> F,
) {
    let _admission = exclusive::admit(entry);
    let _recording = Recording::begin(entry);
    crate::run::check_ignore_was_seen(entry);
    let all_runs = async {
        let mut runs = Vec::new();
        for (seed, source) in sweep_plan(entry) {
            let context = TestContext::with_source(entry, seed, source);
            let entered = context.enter();
            let outcome = CatchUnwind(Box::pin(make())).await;
            drop(entered);
            runs.push(SweepRun {
                seed,
                source,
                failure: failure_of(outcome),
            });
        }
        runs
    };
    let runs = match entry.timeout {
        None => all_runs.await,
        Some((written, limit)) => {
            let seed = format!("base seed {}", TestContext::base_seed(entry).0);
            match (Deadline {
                body: Box::pin(all_runs),
                timer: None,
                limit,
            })
            .await
            {
                Some(runs) => runs,
                None => panic!("{}", timed_out(entry, written, &seed)),
            }
        }
    };
    conclude_sweep(entry, &runs);
}

/// A future that turns a panic while polling its inner future into an `Err`.
struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match catch_unwind(AssertUnwindSafe(|| self.0.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

fn timeout_of(entry: &TestEntry) -> (&'static str, Duration) {
    entry.timeout.unwrap_or_else(|| {
        panic!(
            "`{}` has no timeout; generated code calls this only when it does",
            entry.name()
        )
    })
}

fn timed_out(entry: &TestEntry, written: &str, seed: &str) -> String {
    format!(
        "`{name}` timed out: it ran longer than its timeout of {written} \
         (#[ml_test(timeout = \"{written}\")]). It ran with {seed}. \
         Raise the timeout if the work is expected to take longer, or run the test alone \
         with --nocapture to see where it stops.",
        name = entry.name()
    )
}

/// A future that resolves to `None` once `limit` has passed since its first poll.
struct Deadline<F> {
    body: Pin<Box<F>>,
    timer: Option<Timer>,
    limit: Duration,
}

/// Wakes the task at the deadline, and exits early when the test finishes first.
struct Timer {
    deadline: Instant,
    state: Arc<TimerState>,
    thread: thread::Thread,
}

struct TimerState {
    finished: AtomicBool,
    waker: Mutex<Waker>,
}

impl<F: Future> Future for Deadline<F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Poll::Ready(output) = self.body.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        let limit = self.limit;
        let timer = self
            .timer
            .get_or_insert_with(|| Timer::start(limit, cx.waker().clone()));
        if Instant::now() >= timer.deadline {
            return Poll::Ready(None);
        }
        let mut waker = crate::sync::lock(&timer.state.waker);
        if !waker.will_wake(cx.waker()) {
            *waker = cx.waker().clone();
        }
        Poll::Pending
    }
}

impl Timer {
    fn start(limit: Duration, waker: Waker) -> Timer {
        let deadline = Instant::now() + limit;
        let state = Arc::new(TimerState {
            finished: AtomicBool::new(false),
            waker: Mutex::new(waker),
        });
        let shared = Arc::clone(&state);
        let handle = thread::Builder::new()
            .name("ml-test-timeout".to_owned())
            .spawn(move || {
                loop {
                    if shared.finished.load(Ordering::Acquire) {
                        return;
                    }
                    let now = Instant::now();
                    if now >= deadline {
                        break;
                    }
                    thread::park_timeout(deadline - now);
                }
                crate::sync::lock(&shared.waker).wake_by_ref();
            })
            .unwrap_or_else(|error| panic!("ml-test could not spawn its timeout thread: {error}"));
        Timer {
            deadline,
            state,
            thread: handle.thread().clone(),
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.state.finished.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ready_future_gives_its_output_and_a_pending_one_says_what_to_do() {
        assert_eq!(ready(async { 3 }), 3);
        let pending = catch_unwind(|| ready(std::future::pending::<()>())).unwrap_err();
        assert!(
            panic_text(pending.as_ref()).contains("write the fn as an `async fn` with a runtime's"),
            "{}",
            panic_text(pending.as_ref())
        );
    }
}
