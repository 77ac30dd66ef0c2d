//! The running test's context: which test, which tier, which seed, and what framework code
//! keeps for it (the loader seam's mocks, cleanups for an abandoned test, whether a deployment
//! answered).
//!
//! The code that `#[ml_test]` generates starts a run of the test when it begins. The run sets a
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

mod seed;

pub use crate::seeds::{SEED_VAR, SeedSource, replay_command, seed_from_name, sweep_seeds};
use crate::seeds::{parse_seed_var, stream_seed};
use crate::sync::lock;
use crate::{TestEntry, Tier};
pub use seed::seed;

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
#[doc(hidden)]
pub fn any_test_running() -> bool {
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
    #[doc(hidden)]
    pub fn for_test(entry: &'static TestEntry) -> TestContext {
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
    #[doc(hidden)]
    pub fn base_seed(entry: &TestEntry) -> (u64, SeedSource) {
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
    #[doc(hidden)]
    pub fn set_installed(&self, installed: Option<Arc<dyn Any + Send + Sync>>) {
        *lock(&self.0.installed) = installed;
    }

    /// What framework code installed for this test if it is a `T`; else `init`'s, installed
    /// now. Under the lock, so threads of the test that ask at once install one.
    #[doc(hidden)]
    pub fn installed_or_init<T: Any + Send + Sync>(
        &self,
        init: impl FnOnce() -> Option<Arc<T>>,
    ) -> Option<Arc<T>> {
        let mut installed = lock(&self.0.installed);
        if let Some(found) = installed.clone().and_then(|any| any.downcast().ok()) {
            return Some(found);
        }
        let made = init()?;
        *installed = Some(made.clone());
        Some(made)
    }

    /// What framework code installed for this test, if it is a `T`.
    #[doc(hidden)]
    pub fn installed<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        let installed = lock(&self.0.installed).clone()?;
        installed.downcast().ok()
    }

    /// Registers cleanup to run if the test is abandoned at its timeout while its body still
    /// runs on another thread. Whoever registers it also runs it on the normal path, once.
    #[doc(hidden)]
    pub fn on_abandon(&self, hook: AbandonHook) {
        lock(&self.0.on_abandon).push(hook);
    }

    /// The test timed out: run every cleanup its body's thread would have run at its end.
    pub(crate) fn abandon(&self) {
        let hooks = std::mem::take(&mut *lock(&self.0.on_abandon));
        for hook in hooks {
            hook();
        }
    }

    /// The seed of the next generator `ml_test::rng()` hands out in this test: each gets its own
    /// stream.
    #[doc(hidden)]
    pub fn next_stream_seed(&self) -> u64 {
        let draw = self.0.rng_draws.fetch_add(1, Ordering::Relaxed);
        stream_seed(self.0.seed, draw)
    }

    /// Whether a deployment answered a request of the test (see [`reached_deployment`]).
    pub(crate) fn reached(&self) -> bool {
        self.0.reached_deployment.load(Ordering::Relaxed)
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

impl TestContext {
    /// Why the test reached no deployment: the last request nothing answered, or none made.
    pub(crate) fn unreached(&self) -> String {
        match lock(&self.0.unanswered).as_ref() {
            Some(unanswered) => format!("nothing answered {unanswered}"),
            None => "it made no request through ml_test::e2e".to_owned(),
        }
    }
}

/// Records that a deployment answered a request of the running test (see `ml_test::e2e`).
#[doc(hidden)]
pub fn reached_deployment() {
    if let Some(context) = current() {
        context.0.reached_deployment.store(true, Ordering::Relaxed);
    }
}

/// Records a request of the running test that got no answer: `what` names the URL and why.
#[doc(hidden)]
pub fn unanswered(what: String) {
    if let Some(context) = current() {
        *lock(&context.0.unanswered) = Some(what);
    }
}
