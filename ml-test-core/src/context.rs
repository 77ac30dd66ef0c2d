//! The running test's context: which test, which tier, which seed.
//!
//! The code that `#[ml_test]` generates starts a [`TestRun`] when the test begins. The run sets a
//! thread-local [`TestContext`] and restores the previous one when it ends, whether the test
//! returns or panics. Framework code (the RNG, the loader seam, reports) reads it through
//! [`current`].
//!
//! The context belongs to the test's thread. A thread the test spawns starts without it; carry
//! it over explicitly:
//!
//! ```
//! # use ml_test::context;
//! # fn demo() {
//! let ctx = context::current().expect("inside an #[ml_test] test");
//! std::thread::spawn(move || {
//!     let _entered = ctx.enter();
//!     // here `ml_test::rng()` and everything else that reads the context works
//! })
//! .join()
//! .unwrap();
//! # }
//! ```

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::outcome::TestReturn;
pub use crate::seeds::{SEED_VAR, SeedSource, replay_command, seed_from_name, sweep_seeds};
use crate::seeds::{parse_seed_var, stream_seed};
use crate::sync::lock;
use crate::{TestEntry, Tier};

struct ActiveTest {
    entry: &'static TestEntry,
    seed: u64,
    seed_source: SeedSource,
    /// How many generators `rng()` has handed out in this test, across the threads it carried
    /// the context to: the n-th gets its own stream.
    rng_draws: AtomicU64,
    /// What framework code installed for the test (the loader seam keeps its mocks here). The
    /// context does not know the type: it only carries it, so it depends on no such module.
    installed: Mutex<Option<Arc<dyn Any + Send + Sync>>>,
    /// Run when the test is abandoned (its timeout passed while its body still runs), so what
    /// the body's thread still holds (mocks, locks) is released for the tests after it.
    on_abandon: Mutex<Vec<AbandonHook>>,
    /// Whether a deployment answered a request the test made through `ml_test::e2e` (the
    /// deployment in `ML_TEST_ENDPOINT`, or a server it started): an `e2e` test that reached none
    /// could not have failed.
    reached_deployment: std::sync::atomic::AtomicBool,
    /// The last request that got no answer (its URL and why), for the message of a test that
    /// reached no deployment.
    unanswered: Mutex<Option<String>>,
}

/// Cleanup registered with [`TestContext::on_abandon`].
type AbandonHook = Box<dyn FnOnce() + Send>;

/// How many test contexts exist in the process: while none does, framework code that only
/// matters inside a test (the loader seam) costs one relaxed load.
static LIVE_CONTEXTS: AtomicUsize = AtomicUsize::new(0);

/// Whether any test context exists in the process.
#[inline]
pub(crate) fn any_test_running() -> bool {
    LIVE_CONTEXTS.load(Ordering::Relaxed) != 0
}

impl ActiveTest {
    fn new(entry: &'static TestEntry, seed: u64, seed_source: SeedSource) -> ActiveTest {
        LIVE_CONTEXTS.fetch_add(1, Ordering::Relaxed);
        ActiveTest {
            entry,
            seed,
            seed_source,
            rng_draws: AtomicU64::new(0),
            installed: Mutex::new(None),
            on_abandon: Mutex::new(Vec::new()),
            reached_deployment: std::sync::atomic::AtomicBool::new(false),
            unanswered: Mutex::new(None),
        }
    }
}

impl Drop for ActiveTest {
    fn drop(&mut self) {
        LIVE_CONTEXTS.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The context of one running test. Cheap to clone; clones share the RNG stream counter.
#[derive(Clone)]
pub struct TestContext(Arc<ActiveTest>);

impl fmt::Debug for TestContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestContext")
            .field("name", &self.name())
            .field("tier", &self.tier())
            .field("seed", &self.seed())
            .finish()
    }
}

thread_local! {
    static CURRENT: RefCell<Option<TestContext>> = const { RefCell::new(None) };
}

/// The context of the test running on this thread, if any.
pub fn current() -> Option<TestContext> {
    CURRENT.with(|current| current.borrow().clone())
}

impl TestContext {
    /// A context for `entry`, with its seed resolved from `ML_TEST_SEED`, the attribute or the
    /// test's name, in that order.
    ///
    /// # Panics
    /// If `ML_TEST_SEED` is set to something that is not a seed.
    pub(crate) fn for_test(entry: &'static TestEntry) -> TestContext {
        let (seed, seed_source) = TestContext::base_seed(entry);
        TestContext::with_source(entry, seed, seed_source)
    }

    /// A context for `entry` with a given seed, whatever `ML_TEST_SEED` says: for tools that
    /// sweep seeds (see `CheckGroup::sweep`).
    pub fn with_seed(entry: &'static TestEntry, seed: u64) -> TestContext {
        TestContext::with_source(entry, seed, SeedSource::Given)
    }

    /// A context for `entry` with a given seed and where it came from.
    pub(crate) fn with_source(
        entry: &'static TestEntry,
        seed: u64,
        seed_source: SeedSource,
    ) -> TestContext {
        TestContext(Arc::new(ActiveTest::new(entry, seed, seed_source)))
    }

    /// The seed `entry` starts from: `ML_TEST_SEED` if set, else the attribute's, else one
    /// derived from its name; a seed sweep derives its runs' seeds from it.
    ///
    /// # Panics
    /// If `ML_TEST_SEED` is set to something that is not a seed.
    pub(crate) fn base_seed(entry: &TestEntry) -> (u64, SeedSource) {
        let from_env = std::env::var(SEED_VAR)
            .ok()
            .and_then(|value| parse_seed_var(&value).unwrap_or_else(|message| panic!("{message}")));
        match (from_env, entry.seed) {
            (Some(seed), _) => (seed, SeedSource::Environment),
            (None, Some(seed)) => (seed, SeedSource::Attribute),
            (None, None) => match entry.seed_name() {
                (name, false) => (seed_from_name(name), SeedSource::TestName),
                (group, true) => (seed_from_name(group), SeedSource::GroupName),
            },
        }
    }

    /// The test's libtest name (`module::test_fn`).
    pub fn name(&self) -> &'static str {
        self.0.entry.name()
    }

    /// The test's tier.
    pub fn tier(&self) -> Tier {
        self.0.entry.tier
    }

    /// The test's seed: `ML_TEST_SEED` if set, else the attribute's `seed`, else one derived
    /// from the test's name.
    pub fn seed(&self) -> u64 {
        self.0.seed
    }

    /// Where [`seed`](Self::seed) came from.
    pub fn seed_source(&self) -> SeedSource {
        self.0.seed_source
    }

    /// The test's registry entry.
    pub fn entry(&self) -> &'static TestEntry {
        self.0.entry
    }

    /// Makes this the current context of the calling thread until the guard drops; then the
    /// thread's previous context (usually none) is restored. This is how a thread the test spawns
    /// carries the test's context over.
    pub fn enter(&self) -> ContextGuard {
        let previous = CURRENT.with(|current| current.replace(Some(self.clone())));
        ContextGuard {
            previous,
            _not_send: PhantomData,
        }
    }

    /// Replaces what framework code installed for this test (`None` removes it).
    pub(crate) fn set_installed(&self, installed: Option<Arc<dyn Any + Send + Sync>>) {
        *lock(&self.0.installed) = installed;
    }

    /// What framework code installed for this test, if it is a `T`.
    pub(crate) fn installed<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        let installed = lock(&self.0.installed).clone()?;
        installed.downcast().ok()
    }

    /// Registers cleanup to run if the test is abandoned at its timeout while its body still
    /// runs on another thread. Whoever registers it also runs it on the normal path, once.
    pub(crate) fn on_abandon(&self, hook: AbandonHook) {
        lock(&self.0.on_abandon).push(hook);
    }

    /// The test timed out: run every cleanup its body's thread would have run at its end.
    pub(crate) fn abandon(&self) {
        let hooks = std::mem::take(&mut *lock(&self.0.on_abandon));
        for hook in hooks {
            hook();
        }
    }

    fn next_rng(&self) -> StdRng {
        let draw = self.0.rng_draws.fetch_add(1, Ordering::Relaxed);
        StdRng::seed_from_u64(stream_seed(self.0.seed, draw))
    }

    /// The note printed when the test fails: the seed and the command that replays it. A test
    /// that expects to panic (`#[should_panic]`) is not said to have failed: libtest decides
    /// whether its panic was the expected one.
    pub(crate) fn rerun_hint(&self) -> String {
        let outcome = if self.0.entry.expects_panic {
            "panicked, as it expects to,"
        } else {
            "failed"
        };
        let then = if self.0.entry.expects_panic {
            "if libtest reports a failure (a different panic), rerun it with that seed"
        } else {
            "rerun it with that seed"
        };
        format!(
            "ml-test: `{name}` (tier {tier}) {outcome} with seed {seed} ({source}); {then}:\n    {command}",
            name = self.0.entry.name(),
            tier = self.0.entry.tier,
            seed = self.0.seed,
            source = self.0.seed_source,
            command = replay_command(self.0.entry, self.0.seed),
        )
    }
}

/// Restores the thread's previous context when dropped. Not `Send`: it restores the thread it
/// was made on.
#[must_use = "the context is left again when the guard drops"]
pub struct ContextGuard {
    previous: Option<TestContext>,
    _not_send: PhantomData<*const ()>,
}

impl Drop for ContextGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // `try_with`: during thread teardown the slot may be gone; nothing is left to restore.
        let _ = CURRENT.try_with(|current| current.replace(previous));
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
        if returned.failure().is_some() {
            self.failed = true;
            self.report();
        }
        returned
    }

    fn report(&mut self) {
        if !self.reported {
            self.reported = true;
            eprintln!("{}", self.context.rerun_hint());
        }
    }
}

impl Drop for TestRun {
    fn drop(&mut self) {
        let entry = self.context.entry();
        let unreached =
            entry.tier == Tier::E2e && !self.context.0.reached_deployment.load(Ordering::Relaxed);
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

impl TestContext {
    /// Why the test reached no deployment: the last request nothing answered, or none made.
    fn unreached(&self) -> String {
        match lock(&self.0.unanswered).as_ref() {
            Some(unanswered) => format!("nothing answered {unanswered}"),
            None => "it made no request through ml_test::e2e".to_owned(),
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

/// Records that a deployment answered a request of the running test (see `ml_test::e2e`).
#[cfg_attr(not(feature = "e2e"), allow(dead_code))]
pub(crate) fn reached_deployment() {
    if let Some(context) = current() {
        context.0.reached_deployment.store(true, Ordering::Relaxed);
    }
}

/// Records a request of the running test that got no answer: `what` names the URL and why.
#[cfg_attr(not(feature = "e2e"), allow(dead_code))]
pub(crate) fn unanswered(what: String) {
    if let Some(context) = current() {
        *lock(&context.0.unanswered) = Some(what);
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

/// The running test's seed: the one [`rng()`] starts from, and the one a failure's replay
/// command sets (`ML_TEST_SEED=..`). In a seed sweep (`seeds = N`), the seed of the current run.
///
/// Seed any generator with it, whatever its `rand` version: linfa 0.8 and ndarray-rand take
/// rand 0.8 generators, so `rand_08::rngs::StdRng::seed_from_u64(ml_test::seed())` (with
/// `rand_08 = { package = "rand", version = "0.8" }`) repeats with the test as
/// [`rng()`]'s streams do.
///
/// ```
/// use ml_test::prelude::*;
///
/// #[ml_test(seed = 42)]
/// fn splits_repeat() {
///     assert_eq!(ml_test::seed(), 42);
/// }
/// # fn main() {}
/// ```
///
/// # Panics
/// Outside a test run by ml-test; the message says how to fix it.
pub fn seed() -> u64 {
    match current() {
        Some(context) => context.seed(),
        None => panic!(
            "ml_test::seed() was called outside an ml-test test, so there is no test seed. \
             Annotate the test with #[ml_test]; in a thread the test spawned, carry the context \
             over with `let ctx = ml_test::context::current()` before spawning and \
             `let _entered = ctx.enter();` inside the thread; elsewhere pick a seed yourself."
        ),
    }
}

/// A random generator seeded from the running test's seed, so the test repeats run after run.
///
/// Each call returns a new generator with its own stream: the first is
/// `StdRng::seed_from_u64(seed)`, the n-th is derived from the seed and n. Calls on threads that
/// carried the context over ([`TestContext::enter`]) count in the same sequence.
///
/// # Panics
/// Outside a test run by ml-test (a plain `#[test]`, or a thread that did not carry the context
/// over); the message says how to fix it.
pub fn rng() -> StdRng {
    match current() {
        Some(context) => context.next_rng(),
        None => panic!(
            "ml_test::rng() was called outside an ml-test test, so there is no test seed to use. \
             Annotate the test with #[ml_test]; in a thread the test spawned, carry the context \
             over with `let ctx = ml_test::context::current()` before spawning and \
             `let _entered = ctx.enter();` inside the thread; elsewhere seed a generator \
             yourself with StdRng::seed_from_u64(..)."
        ),
    }
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
        };
        assert_eq!(
            replay_command(&SELECTED_SLOW, 42),
            "ML_TEST_SEED=42 cargo test -- --exact tests::trains --include-ignored"
        );
        let hint = TestContext::with_seed(&SELECTED_SLOW, 42).rerun_hint();
        assert!(
            hint.ends_with("ML_TEST_SEED=42 cargo test -- --exact tests::trains --include-ignored"),
            "{hint}"
        );
    }
}
