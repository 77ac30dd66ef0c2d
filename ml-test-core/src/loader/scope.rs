//! Where overrides live and how long: in the running test's context (seen by its thread and the
//! threads it carries the context to), or, for `global` mocks, in a process-wide list guarded by
//! a lock that global mocks take for their whole test. A [`MockScope`] installs them when the
//! test starts and removes them when it ends, whether it returns or panics.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, ThreadId};

use super::{LoaderId, LoaderItem, Mock, MockSpec, MockState};
use crate::context::{self, TestContext};
use crate::outcome::TestReturn;

/// An override installed for a test.
#[derive(Clone)]
pub(crate) enum Override {
    Mock(Arc<MockState>),
    RandomWeights(RandomWeights),
}

/// `#[random_weights(seed = N)]`: loaders with a random constructor build their model from a
/// generator seeded with `seed`. Built by generated code.
#[derive(Clone, Copy, Debug)]
pub struct RandomWeights {
    pub(crate) seed: u64,
    pub(crate) loader: Option<LoaderId>,
}

impl RandomWeights {
    /// Random weights from `seed`, or from the test's seed when `None`.
    ///
    /// # Panics
    /// Outside a test's context.
    pub fn new(seed: Option<u64>) -> RandomWeights {
        let seed = seed.unwrap_or_else(|| require_context("#[random_weights]").seed());
        RandomWeights { seed, loader: None }
    }

    /// Only for loader `L`.
    #[must_use]
    pub fn loader<L: LoaderItem>(mut self) -> RandomWeights {
        self.loader = Some(LoaderId::of::<L>());
        self
    }

    pub(crate) fn targets(&self, loader: &LoaderId) -> bool {
        self.loader.as_ref().is_none_or(|own| own == loader)
    }
}

fn require_context(attribute: &str) -> TestContext {
    context::current().unwrap_or_else(|| {
        panic!(
            "{attribute} is installed by the test ml-test generates, inside its context; \
             this code ran outside one"
        )
    })
}

/// The overrides of `context` for `loader`, most specific first: a mock of that loader, a mock
/// of every loader, then random weights (only for loaders that have a random constructor).
pub(crate) fn find_in(
    overrides: &[Override],
    loader: &LoaderId,
    has_random: bool,
) -> Option<Override> {
    let mocks = || {
        overrides.iter().filter_map(|o| match o {
            Override::Mock(state) if state.targets(loader) => Some(state),
            _ => None,
        })
    };
    if let Some(state) = mocks()
        .find(|state| state.is_specific())
        .or_else(|| mocks().next())
    {
        return Some(Override::Mock(Arc::clone(state)));
    }
    if !has_random {
        return None;
    }
    overrides
        .iter()
        .find(|o| matches!(o, Override::RandomWeights(random) if random.targets(loader)))
        .cloned()
}

/// The overrides a [`MockScope`] installed in its test's context.
struct Installed(Vec<Override>);

/// The override for `loader` among those installed in `context`, if any. The mocks a test
/// declares as data (literal returns, see the runner's `mocks.rs`) are installed here, at the
/// test's first loader call: its start needed none of this crate's code.
pub(crate) fn find_installed(
    context: &TestContext,
    loader: &LoaderId,
    has_random: bool,
) -> Option<Override> {
    let installed = context.installed_or_init(|| {
        let declared = context.entry().declared_mocks();
        (!declared.is_empty()).then(|| {
            let mocks = declared.iter().map(|declared| {
                let mut spec = MockSpec::new(declared.position, declared.attribute)
                    .returns_literal(crate::literal::Literal::new(
                        declared.text,
                        declared.shape,
                        declared.scalars,
                    ));
                if let Some((written, nanos)) = declared.latency {
                    spec = spec.latency(written, std::time::Duration::from_nanos(nanos));
                }
                Override::Mock(Arc::new(spec.into_state()))
            });
            Arc::new(Installed(mocks.collect()))
        })
    })?;
    find_in(&installed.0, loader, has_random)
}

/// `global` mocks, visible from threads that are in no test's context.
static GLOBAL_MOCKS: Mutex<Vec<Override>> = Mutex::new(Vec::new());

fn global_mocks() -> MutexGuard<'static, Vec<Override>> {
    crate::sync::lock(&GLOBAL_MOCKS)
}

/// How many tests hold global mocks: while none does, a lookup is one atomic load.
static GLOBAL_SCOPES: AtomicUsize = AtomicUsize::new(0);

pub(super) fn find_global(loader: &LoaderId) -> Option<Override> {
    if GLOBAL_SCOPES.load(Ordering::Acquire) == 0 {
        return None;
    }
    let mocks = global_mocks();
    if mocks.is_empty() {
        return None;
    }
    find_in(&mocks, loader, false)
}

/// Serializes tests with global mocks. Reentrant on one thread, so a test with a global mock can
/// call another such test fn (whose scope then nests inside its own).
struct GlobalLock {
    holder: Mutex<Option<(ThreadId, usize)>>,
    released: Condvar,
}

static GLOBAL_LOCK: GlobalLock = GlobalLock {
    holder: Mutex::new(None),
    released: Condvar::new(),
};

impl GlobalLock {
    fn holder(&self) -> MutexGuard<'_, Option<(ThreadId, usize)>> {
        crate::sync::lock(&self.holder)
    }

    fn acquire(&self) {
        let me = thread::current().id();
        let mut holder = self.holder();
        loop {
            match &mut *holder {
                None => {
                    *holder = Some((me, 1));
                    return;
                }
                Some((owner, depth)) if *owner == me => {
                    *depth += 1;
                    return;
                }
                Some(_) => {
                    holder = self
                        .released
                        .wait(holder)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                }
            }
        }
    }

    /// Releases one hold of `thread`'s: its own at the end of a scope, or an abandoned test's
    /// worker's, released by the test's thread at the timeout.
    fn release(&self, thread: ThreadId) {
        let mut holder = self.holder();
        if let Some((owner, depth)) = &mut *holder
            && *owner == thread
        {
            *depth -= 1;
            if *depth == 0 {
                *holder = None;
                self.released.notify_all();
            }
        }
    }
}

/// The mocks and random weights of one test, installed for as long as it runs. Built by
/// generated code after the test's context is entered.
#[must_use = "the overrides are removed when the scope drops"]
pub struct MockScope {
    mocks: Vec<Arc<MockState>>,
    removal: Arc<Removal>,
    /// Whether `expect_calls` were checked (by `finish`, with the test's return value).
    checked: bool,
}

/// Taking a scope's overrides away again: once, at the end of the test on its own thread, or
/// earlier by the test's thread when the test times out and its body is abandoned still running
/// (its thread would otherwise keep the global lock and mocks until the process ends).
struct Removal {
    context: TestContext,
    mocks: Vec<Arc<MockState>>,
    /// The thread that holds the global lock for this scope, if it took it.
    global_lock_holder: Option<ThreadId>,
    done: std::sync::atomic::AtomicBool,
}

impl Removal {
    fn run(&self) {
        if self.done.swap(true, Ordering::AcqRel) {
            return;
        }
        self.context.set_installed(None);
        if let Some(thread) = self.global_lock_holder {
            global_mocks().retain(|installed| match installed {
                Override::Mock(state) => !self.mocks.iter().any(|own| Arc::ptr_eq(own, state)),
                Override::RandomWeights(_) => true,
            });
            GLOBAL_SCOPES.fetch_sub(1, Ordering::AcqRel);
            GLOBAL_LOCK.release(thread);
        }
    }
}

impl MockScope {
    /// Installs `mocks` (in attribute order) and `random` weights for the running test.
    ///
    /// # Panics
    /// Outside a test's context, or when two mocks target the same loader.
    pub fn install(mocks: Vec<MockSpec>, random: Option<RandomWeights>) -> MockScope {
        let context = require_context("#[mock_model]");
        for (i, first) in mocks.iter().enumerate() {
            if let Some(loader) = &first.loader
                && let Some(second) = mocks[i + 1..]
                    .iter()
                    .find(|other| other.loader.as_ref() == Some(loader))
            {
                panic!(
                    "`{test}`: #[mock_model] #{a} ({}) and #{b} ({}) both mock loader `{name}`; a \
                     loader has one mock per test: keep one attribute, with `returns_seq` or \
                     `returns_fn` if calls need different answers",
                    first.attribute,
                    second.attribute,
                    test = context.name(),
                    a = first.position,
                    b = second.position,
                    name = loader.name,
                );
            }
        }
        let holds_global_lock = mocks.iter().any(|mock| mock.global);
        if holds_global_lock {
            GLOBAL_LOCK.acquire();
            GLOBAL_SCOPES.fetch_add(1, Ordering::AcqRel);
        }
        let mocks: Vec<Arc<MockState>> = mocks
            .into_iter()
            .map(|spec| Arc::new(spec.into_state()))
            .collect();
        // A test's own threads see all its mocks; threads outside every test (a server's
        // workers, a pool) see the global ones.
        let mut local = Vec::new();
        for state in &mocks {
            let installed = Override::Mock(Arc::clone(state));
            if state.is_global() {
                global_mocks().push(installed.clone());
            }
            local.push(installed);
        }
        local.extend(random.map(Override::RandomWeights));
        context.set_installed(Some(Arc::new(Installed(local))));
        let removal = Arc::new(Removal {
            context: context.clone(),
            mocks: mocks.clone(),
            global_lock_holder: holds_global_lock.then(|| thread::current().id()),
            done: std::sync::atomic::AtomicBool::new(false),
        });
        // Weak: the context must not keep its own scope's removal (and so itself) alive.
        let on_abandon = Arc::downgrade(&removal);
        context.on_abandon(Box::new(move || {
            if let Some(removal) = on_abandon.upgrade() {
                removal.run();
            }
        }));
        MockScope {
            mocks,
            removal,
            checked: false,
        }
    }

    /// The handle of the `index`-th mock (from 0, attribute order).
    pub fn handle(&self, index: usize) -> Mock {
        Mock::new(Arc::clone(&self.mocks[index]))
    }

    /// Ends the scope with the test's return value, checking every `expect_calls` unless the test
    /// already failed.
    ///
    /// # Panics
    /// When a mock's call count differs from its `expect_calls`.
    pub fn finish<R: TestReturn>(mut self, returned: R) -> R {
        self.checked = true;
        if returned.failure().is_none() {
            self.check_expected_calls();
        }
        returned
    }

    fn check_expected_calls(&self) {
        let failures: Vec<String> = self
            .mocks
            .iter()
            .filter_map(|mock| mock.check_expected_calls().err())
            .collect();
        if !failures.is_empty() {
            panic!("{}", failures.join("\n\n"));
        }
    }
}

impl Drop for MockScope {
    /// Removes the overrides. A scope that ends without `finish` (a test whose body is written
    /// inline and returns `()`) checks `expect_calls` here, unless the test is already failing.
    fn drop(&mut self) {
        self.removal.run();
        if !self.checked && !thread::panicking() {
            self.checked = true;
            self.check_expected_calls();
        }
    }
}
