//! One run of a test on its thread: the checks before it starts (its tier was selected, it is
//! registered once, a `gpu` test has an accelerator), entering its context, and at its end the
//! report of a failure (the seed and the replay command) and the check that an `e2e` test
//! reached a deployment. [`start`] is the guard of the common test, whose body follows inline.

use std::sync::Mutex;

use crate::context::{ContextGuard, TestContext};
use crate::exclusive;
use crate::outcome::TestReturn;
use crate::report::Recording;
use crate::seeds::replay_command;
use crate::sync::lock;
use crate::{TestEntry, Tier};

/// A test run whose body is written inline after it, on the test's own thread: the run ends
/// when the guard drops, at the end of the body or during its panic.
#[must_use = "the run ends when the guard drops"]
pub struct InlineRun {
    // Dropped in this order: the run reports (and may fail the test), its record is written,
    // then the exclusive gate opens.
    _run: TestRun,
    _recording: Option<Recording>,
    _admission: Option<exclusive::Admission>,
}

/// Starts a synchronous test whose body follows inline (a test that returns `()`, with no
/// timeout and no seed sweep): the cheapest expansion, with no closure or nested fn.
pub fn start(entry: &'static TestEntry) -> InlineRun {
    let admission = exclusive::admit(entry);
    let recording = Recording::begin(entry);
    InlineRun {
        _run: TestRun::start(entry),
        _recording: recording,
        _admission: admission,
    }
}

/// One test's run on its thread: enters the context, and on a failure (a panic, or a returned
/// error or failing exit code) prints the seed and the command that replays it. Used by
/// generated code.
#[doc(hidden)]
#[must_use = "the test's context ends when the run drops"]
pub struct TestRun {
    context: TestContext,
    reported: bool,
    /// The test returned a failure: nothing more to check.
    failed: bool,
    _entered: ContextGuard,
}

impl TestRun {
    /// Starts the run of `entry` on this thread.
    ///
    /// # Panics
    /// If `ML_TEST_SEED` holds no seed, or if the test's tier is not selected yet libtest ran it
    /// without `--ignored`/`--include-ignored`: that happens only when `#[test]` was written above
    /// `#[ml_test]`, where libtest never sees the tier's `#[ignore]`.
    pub fn start(entry: &'static TestEntry) -> TestRun {
        TestRun::start_with(TestRun::prepare(entry))
    }

    /// The checks of [`start`](Self::start) and the test's context, without entering it: for a
    /// run that happens on another thread (the timeout path).
    pub(crate) fn prepare(entry: &'static TestEntry) -> TestContext {
        check_ignore_was_seen(entry);
        check_registered_once(entry);
        check_gpu(entry);
        TestContext::for_test(entry)
    }

    /// Starts a run with a context made elsewhere (the timeout path builds it before spawning).
    pub(crate) fn start_with(context: TestContext) -> TestRun {
        let entered = context.enter();
        TestRun {
            context,
            reported: false,
            failed: false,
            _entered: entered,
        }
    }

    /// The run's context.
    pub fn context(&self) -> &TestContext {
        &self.context
    }

    /// Ends the run with the test's return value, reporting the seed if it is a failure.
    pub fn finish<R: TestReturn>(mut self, returned: R) -> R {
        if let Some(failure) = returned.failure() {
            crate::report::returned_failure(self.context.entry(), &failure);
            self.failed = true;
            self.report();
        }
        returned
    }

    fn report(&mut self) {
        if !self.reported {
            self.reported = true;
            eprintln!("{}", rerun_hint(&self.context));
        }
    }
}

impl Drop for TestRun {
    fn drop(&mut self) {
        let entry = self.context.entry();
        let unreached = entry.tier == Tier::E2e && !self.context.reached();
        if std::thread::panicking() {
            self.report();
            if unreached {
                // Whatever failed, say that no deployment answered: the likelier cause.
                eprintln!(
                    "ml-test: `{}` reached no deployment ({})",
                    entry.name(),
                    self.context.unreached()
                );
            }
            return;
        }
        if unreached && !self.failed && !entry.expects_panic {
            self.report();
            panic!(
                "`{}` is a post-deployment test (tier e2e) and it reached no deployment ({}), \
                 so it could not have failed: set {}=http://host:port to the deployed model \
                 server and make a request with ml_test::e2e::client(), or start one with \
                 ml_test::e2e::Server",
                entry.name(),
                self.context.unreached(),
                crate::prerequisites::ENDPOINT_VAR
            );
        }
    }
}

/// A tier that is not selected carries `#[ignore]`, so libtest only runs it when asked to run
/// ignored tests. Running without that request means libtest never saw the `#[ignore]`. Only
/// libtest's own run of the test counts (on its thread, named after the test): another test may
/// call the fn directly whatever the selection.
pub(crate) fn check_ignore_was_seen(entry: &TestEntry) {
    let Some(reason) = entry.ignored else { return };
    if std::thread::current().name() != Some(entry.name()) {
        return;
    }
    let asked_for_ignored =
        std::env::args().any(|arg| arg == "--ignored" || arg == "--include-ignored");
    if !asked_for_ignored {
        panic!(
            "`{name}` is in tier `{tier}`, which is not selected ({reason}), yet it ran: libtest did not \
             see its #[ignore]. That happens when `#[test]` is written above `#[ml_test]`. \
             Remove the `#[test]` (#[ml_test] adds it) or move it below `#[ml_test]`.",
            name = entry.name(),
            tier = entry.tier,
        );
    }
}

/// A `gpu` test needs an accelerator: it fails at its start when none is visible.
fn check_gpu(entry: &TestEntry) {
    if entry.tier != Tier::Gpu {
        return;
    }
    // Detected once per process: it may run `nvidia-smi`.
    static VISIBLE: std::sync::OnceLock<Result<bool, String>> = std::sync::OnceLock::new();
    match VISIBLE
        .get_or_init(crate::prerequisites::gpu_visible)
        .clone()
    {
        Ok(true) => {}
        Ok(false) => panic!(
            "`{}` is in tier gpu, and no accelerator is visible here (looked for {}). Run it on a \
             machine with one, or set {}=1 if this machine has one ml-test cannot see",
            entry.name(),
            crate::prerequisites::GPU_DETECTION,
            crate::prerequisites::GPU_VAR
        ),
        Err(message) => panic!("{message}"),
    }
}

/// libtest runs each test once per process, on a thread named after it. A second such run of the
/// same entry means two registrations: `#[test]` written above `#[ml_test]` registers the fn
/// before ml-test expands, and ml-test cannot see it there (the expanded `#[test]` leaves no
/// trace on the fn), so it registers it again. A test of any tier but `unit` is registered by
/// ml-test as `<fn>__<tier>`: libtest running it under the name the fn was written with means
/// the same mistake, and that registration carries no `#[ignore]` for the tier.
pub(crate) fn check_registered_once(entry: &'static TestEntry) {
    static RUN_BY_LIBTEST: Mutex<Vec<usize>> = Mutex::new(Vec::new());
    let thread = std::thread::current();
    let Some(running) = thread.name() else { return };
    let fix =
        "Write `#[ml_test]` above such attributes, or remove the `#[test]` (#[ml_test] adds it).";
    if entry.tier != Tier::Unit && running == entry.name_without_tier() {
        panic!(
            "`{running}` runs under the name its fn was written with, but ml-test registers it as \
             `{name}` (tier {tier}): a `#[test]` is above `#[ml_test]`, written there or by an \
             attribute above that generates tests (as `#[test_case]` does), and it registered the \
             fn with libtest before ml-test could see it, so the test runs twice and once outside \
             its tier. {fix}",
            name = entry.name(),
            tier = entry.tier,
        );
    }
    if running != entry.name() {
        return; // called from another test, or run by a harness that names threads otherwise
    }
    let address = std::ptr::from_ref(entry) as usize;
    let mut seen = lock(&RUN_BY_LIBTEST);
    if seen.contains(&address) {
        drop(seen);
        panic!(
            "`{name}` is registered with libtest twice, so it runs twice: a `#[test]` is above \
             `#[ml_test]`, written there or by an attribute above that generates tests (as \
             `#[test_case]` does), and it registers the fn before ml-test can see it. {fix}",
            name = entry.name()
        );
    }
    seen.push(address);
}

/// The note printed when the test fails: the seed and the command that replays it. A test
/// that expects to panic (`#[should_panic]`) is not said to have failed: libtest decides
/// whether its panic was the expected one.
pub(crate) fn rerun_hint(context: &TestContext) -> String {
    let outcome = if context.entry().expects_panic {
        "panicked, as it expects to,"
    } else {
        "failed"
    };
    let then = if context.entry().expects_panic {
        "if libtest reports a failure (a different panic), rerun it with that seed"
    } else {
        "rerun it with that seed"
    };
    format!(
        "ml-test: `{name}` (tier {tier}) {outcome} with seed {seed} ({source}); {then}:\n    {command}",
        name = context.name(),
        tier = context.tier(),
        seed = context.seed(),
        source = context.seed_source(),
        command = replay_command(context.entry(), context.seed()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_replay_command_runs_the_test_whatever_the_selection() {
        // A slow test that ran under ML_TEST_TIERS=all: the user's shell likely has the variable
        // unset, where the tier is ignored; the command must still run it.
        static SELECTED_SLOW: TestEntry = TestEntry {
            path: "krate::tests::trains",
            tier: Tier::Slow,
            seed: None,
            timeout: None,
            seeds: None,
            exclusive: false,
            ignored: None,
            file: "",
            line: 0,
            expects_panic: false,
            kind: crate::TestKind::Test,
            mocks: &[],
        };
        assert_eq!(
            replay_command(&SELECTED_SLOW, 42),
            "ML_TEST_SEED=42 cargo test -- --exact tests::trains --include-ignored"
        );
        let hint = rerun_hint(&TestContext::with_seed(&SELECTED_SLOW, 42));
        assert!(
            hint.ends_with("ML_TEST_SEED=42 cargo test -- --exact tests::trains --include-ignored"),
            "{hint}"
        );
    }
}
