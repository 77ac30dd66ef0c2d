//! Running a test body inside its context, with an optional timeout. Called by generated code.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use crate::TestEntry;
use crate::context::TestRun;
use crate::outcome::TestReturn;

/// Runs a synchronous test body without a timeout, on the test's own thread.
pub fn run<R: TestReturn>(entry: &'static TestEntry, body: fn() -> R) -> R {
    let run = TestRun::start(entry);
    let returned = body();
    run.finish(returned)
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
    let (written, limit) = timeout_of(entry);
    let context = TestRun::prepare(entry);
    let seed = context.seed();
    let (done, outcome) = mpsc::channel::<Option<String>>();
    let worker = thread::Builder::new()
        .name(entry.name().to_owned())
        .spawn(move || {
            let run = TestRun::start_with(context);
            let returned = body();
            let failure = returned.failure();
            run.finish(returned);
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
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{}", timed_out(entry, written, seed)),
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
    let run = TestRun::start(entry);
    let returned = match entry.timeout {
        None => body.await,
        Some((written, limit)) => {
            let seed = run.context().seed();
            match (Deadline {
                body: Box::pin(body),
                timer: None,
                limit,
            })
            .await
            {
                Some(returned) => returned,
                None => panic!("{}", timed_out(entry, written, seed)),
            }
        }
    };
    run.finish(returned)
}

fn timeout_of(entry: &TestEntry) -> (&'static str, Duration) {
    entry.timeout.unwrap_or_else(|| {
        panic!(
            "`{}` has no timeout; generated code calls this only when it does",
            entry.name()
        )
    })
}

fn timed_out(entry: &TestEntry, written: &str, seed: u64) -> String {
    format!(
        "`{name}` timed out: it ran longer than its timeout of {written} \
         (#[ml_test(timeout = \"{written}\")]). The test's seed was {seed}. \
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
        let mut waker = timer
            .state
            .waker
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
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
                shared
                    .waker
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .wake_by_ref();
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
