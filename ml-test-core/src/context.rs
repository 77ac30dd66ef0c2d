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
use std::sync::{Arc, Mutex, MutexGuard};

use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::outcome::TestReturn;
use crate::{TestEntry, Tier};

/// The environment variable that replaces every test's seed, to replay or vary a run.
pub const SEED_VAR: &str = "ML_TEST_SEED";

/// Where a test's seed came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeedSource {
    /// `#[ml_test(seed = N)]`.
    Attribute,
    /// Derived from the test's libtest name, so every run of the test repeats.
    TestName,
    /// Derived from the name of the `#[overfit_check]` group the check belongs to: the checks of
    /// a group share one training run, so they share its seed.
    GroupName,
    /// Given by the code that started the run (a tool sweeping seeds, `CheckGroup::sweep`).
    Given,
    /// The `ML_TEST_SEED` environment variable, which wins over both.
    Environment,
    /// Run `run` (1-based) of a `#[ml_test(seeds = N)]` sweep of `of` runs, derived from the
    /// test's own seed.
    Sweep {
        /// Which run, from 1.
        run: u32,
        /// How many runs the sweep has.
        of: u32,
    },
}

impl fmt::Display for SeedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeedSource::Attribute => f.write_str("from the attribute's `seed`"),
            SeedSource::TestName => f.write_str("derived from the test name"),
            SeedSource::GroupName => f.write_str("derived from the check group's name"),
            SeedSource::Given => f.write_str("given by the code that started the run"),
            SeedSource::Environment => f.write_str("from ML_TEST_SEED"),
            SeedSource::Sweep { run, of } => write!(f, "run {run} of the {of}-seed sweep"),
        }
    }
}

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

fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
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

/// The command that reruns `entry` with `seed`, whatever the tier selection of the build it runs
/// in: `--exact` picks the test and `--include-ignored` runs it even when its tier is not
/// selected (the user's shell may lack the `ML_TEST_TIERS` this run was built with).
pub fn replay_command(entry: &TestEntry, seed: u64) -> String {
    format!(
        "{SEED_VAR}={seed} cargo test -- --exact {} --include-ignored",
        entry.name()
    )
}

/// The seeds of the runs of a `seeds = count` sweep from `base`: splitmix64 outputs of their
/// own sequence, so they share no stream with `ml_test::rng()`'s streams of any run.
///
/// ```
/// let seeds = ml_test::context::sweep_seeds(42, 3);
/// assert_eq!(seeds.len(), 3);
/// assert_eq!(seeds, ml_test::context::sweep_seeds(42, 3), "stable");
/// ```
pub fn sweep_seeds(base: u64, count: u32) -> Vec<u64> {
    // Offset from the rng streams' inputs (`seed ^ n * gamma`) by a constant of its own.
    (0..u64::from(count))
        .map(|run| {
            splitmix64(
                base.wrapping_add(0x5851_f42d_4c95_7f2d)
                    .wrapping_add(run.wrapping_mul(GOLDEN_GAMMA)),
            )
        })
        .collect()
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

/// A panic-free parse of `ML_TEST_SEED`: `Ok(None)` when blank, the seed when it is a decimal or
/// `0x`-prefixed hexadecimal u64, else a message that names the variable and the valid values.
pub(crate) fn parse_seed_var(value: &str) -> Result<Option<u64>, String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let parsed = match trimmed
        .strip_prefix("0x")
        .or_else(|| trimmed.strip_prefix("0X"))
    {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
        None => trimmed.replace('_', "").parse::<u64>(),
    };
    parsed.map(Some).map_err(|_| {
        format!(
            "{SEED_VAR}={value:?} is not a seed: expected an unsigned 64-bit integer, decimal or \
             0x-prefixed hexadecimal (e.g. {SEED_VAR}=42 or {SEED_VAR}=0x2a), or unset it to use \
             each test's own seed"
        )
    })
}

/// FNV-1a over the test name: stable across Rust releases and platforms (unlike `DefaultHasher`),
/// so a test's derived seed never changes unless its name does.
pub const fn seed_from_name(name: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let bytes = name.as_bytes();
    let mut hash = OFFSET;
    let mut i = 0;
    while i < bytes.len() {
        hash = (hash ^ bytes[i] as u64).wrapping_mul(PRIME);
        i += 1;
    }
    hash
}

/// The seed of the `draw`-th generator of a test. The first is the test's seed itself, so
/// `StdRng::seed_from_u64(seed)` replays it outside the framework; later ones are decorrelated
/// with splitmix64.
pub(crate) fn stream_seed(seed: u64, draw: u64) -> u64 {
    if draw == 0 {
        return seed;
    }
    splitmix64(seed ^ draw.wrapping_mul(GOLDEN_GAMMA))
}

/// 2^64 divided by the golden ratio: splitmix64's increment, spacing derived inputs apart.
const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// splitmix64's finaliser: every seed ml-test derives (rng streams, sweep runs) goes through it.
const fn splitmix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
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
    fn seed_var_accepts_decimal_hex_and_blank() {
        assert_eq!(parse_seed_var("42"), Ok(Some(42)));
        assert_eq!(parse_seed_var(" 0x2A "), Ok(Some(42)));
        assert_eq!(parse_seed_var("1_000"), Ok(Some(1000)));
        assert_eq!(parse_seed_var(""), Ok(None));
        assert_eq!(parse_seed_var(&u64::MAX.to_string()), Ok(Some(u64::MAX)));
    }

    #[test]
    fn bad_seed_var_names_the_variable_and_the_valid_values() {
        let message = parse_seed_var("abc").unwrap_err();
        assert!(
            message.starts_with("ML_TEST_SEED=\"abc\" is not a seed"),
            "{message}"
        );
        assert!(
            message.contains("decimal or 0x-prefixed hexadecimal"),
            "{message}"
        );
        assert!(parse_seed_var("-1").is_err());
        assert!(parse_seed_var("18446744073709551616").is_err()); // u64::MAX + 1
    }

    #[test]
    fn name_seeds_are_stable_and_distinct() {
        // Pinned: a change here changes every derived seed users may have written down.
        assert_eq!(seed_from_name(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(seed_from_name("a"), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(seed_from_name("tests::a"), seed_from_name("tests::b"));
    }

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

    #[test]
    fn streams_start_at_the_seed_and_then_differ() {
        assert_eq!(stream_seed(7, 0), 7);
        let later: std::collections::HashSet<u64> = (1..100).map(|n| stream_seed(7, n)).collect();
        assert_eq!(later.len(), 99);
        assert!(!later.contains(&7));
    }
}
