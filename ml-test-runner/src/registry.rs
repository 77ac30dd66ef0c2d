//! The registry of every test that ml-test's attributes generated in this binary.
//!
//! Each generated test declares its [`TestEntry`] as a static beside the test function rather
//! than inside it, so it exists in every build of the crate: a tool (a listing by tier, a CI
//! manifest) can read the registry from a plain `cargo run` without running the test harness.
//! The test fn runs with a reference to its own static.
//!
//! How the statics are collected depends on the platform:
//! - on Linux, each static sits in the linker section `ml_test_registry`, and the registry is
//!   that section read as a slice between the `__start_`/`__stop_` symbols the linker defines.
//!   Registration then costs no code at all: no constructor per test, nothing run before `main`.
//!   It is the cheapest registration measured (BENCHMARKS.md, "Compile budget").
//! - elsewhere, an attribute on each static (`#[cfg_attr(not(target_os = "linux"), ..)]`, so a
//!   Linux build never expands it) submits it through `inventory` (a constructor per test, run
//!   before `main`), which works on every platform Rust's test harness runs on natively.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::Tier;
use crate::mocks::MockDecl;

/// What generated a test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TestKind {
    /// A function annotated with `#[ml_test]`.
    Test,
    /// One check of an `#[overfit_check]` group.
    ConvergenceCheck,
    /// An `#[overfit_check]` group itself (not a test: it names the shared run and its seed).
    CheckGroup,
}

/// One registered test: its libtest name, tier, options and where it is written. Read it with
/// its methods; generated code builds it.
#[derive(Debug)]
pub struct TestEntry {
    /// `module_path!()` of the test followed by `::` and the fn name, e.g. `my_crate::api::predicts`.
    pub(crate) path: &'static str,
    pub(crate) tier: Tier,
    pub(crate) seed: Option<u64>,
    pub(crate) timeout: Option<(&'static str, Duration)>,
    pub(crate) seeds: Option<u32>,
    pub(crate) exclusive: bool,
    pub(crate) ignored: Option<&'static str>,
    pub(crate) file: &'static str,
    pub(crate) line: u32,
    pub(crate) expects_panic: bool,
    pub(crate) kind: TestKind,
    /// The mocks the test declares as data (see `mocks.rs`).
    pub(crate) mocks: &'static [MockDecl],
}

/// Constructors for generated code: an entry with the defaults, then one call per option the
/// attributes set. Short to write, so each test's expansion stays small.
#[doc(hidden)]
impl TestEntry {
    pub const fn new(path: &'static str, tier: Tier, file: &'static str, line: u32) -> TestEntry {
        TestEntry {
            path,
            tier,
            seed: None,
            timeout: None,
            seeds: None,
            exclusive: false,
            ignored: None,
            file,
            line,
            expects_panic: false,
            kind: TestKind::Test,
            mocks: &[],
        }
    }

    pub const fn with_mocks(mut self, mocks: &'static [MockDecl]) -> TestEntry {
        self.mocks = mocks;
        self
    }

    pub const fn with_seed(mut self, seed: u64) -> TestEntry {
        self.seed = Some(seed);
        self
    }

    pub const fn with_timeout(mut self, written: &'static str, nanos: u64) -> TestEntry {
        self.timeout = Some((written, Duration::from_nanos(nanos)));
        self
    }

    pub const fn with_seeds(mut self, seeds: u32) -> TestEntry {
        self.seeds = Some(seeds);
        self
    }

    pub const fn with_exclusive(mut self) -> TestEntry {
        self.exclusive = true;
        self
    }

    pub const fn with_ignore_reason(mut self, reason: &'static str) -> TestEntry {
        self.ignored = Some(reason);
        self
    }

    pub const fn with_expected_panic(mut self) -> TestEntry {
        self.expects_panic = true;
        self
    }

    pub const fn of_kind(mut self, kind: TestKind) -> TestEntry {
        self.kind = kind;
        self
    }
}

impl TestEntry {
    /// The tier from the attribute (`unit` when none was given).
    pub fn tier(&self) -> Tier {
        self.tier
    }

    /// `seed = N` from the attribute; without it the runtime derives one from the name (see
    /// [`seed_name`](Self::seed_name)).
    pub fn seed(&self) -> Option<u64> {
        self.seed
    }

    /// `timeout = "30s"` from the attribute, as written and as a duration.
    pub fn timeout(&self) -> Option<(&'static str, Duration)> {
        self.timeout
    }

    /// `seeds = N` from the attribute: the body runs once per derived seed.
    pub fn seeds(&self) -> Option<u32> {
        self.seeds
    }

    /// `exclusive` from the attribute: no other ml-test test of the binary runs meanwhile.
    pub fn exclusive(&self) -> bool {
        self.exclusive
    }

    /// Why libtest ignores the test in this build (its tier is not selected), if it does.
    pub fn ignored(&self) -> Option<&'static str> {
        self.ignored
    }

    /// The source file of the test function.
    pub fn file(&self) -> &'static str {
        self.file
    }

    /// The line of the test function's name.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// Whether the test carries `#[should_panic]`: its panic is its expected outcome.
    pub fn expects_panic(&self) -> bool {
        self.expects_panic
    }

    /// What generated the test.
    pub fn kind(&self) -> TestKind {
        self.kind
    }

    /// The mocks the test declares as data, which the loader seam installs when the test
    /// first calls a loader.
    #[doc(hidden)]
    pub fn declared_mocks(&self) -> &'static [MockDecl] {
        self.mocks
    }
}

impl TestEntry {
    /// The test's libtest name, as `cargo test -- --list` prints it and `--exact` accepts it:
    /// the module path without the crate name, then the fn name.
    pub fn name(&self) -> &'static str {
        match self.path.split_once("::") {
            Some((_crate, rest)) => rest,
            None => self.path,
        }
    }

    /// The name a seed is derived from when none is given, and whether it is the test's own name
    /// or its check group's: every check of an `#[overfit_check]` group shares the group's seed.
    /// The tier's suffix is not part of it, so a test keeps its seed when it changes tier.
    pub fn seed_name(&self) -> (&'static str, bool) {
        match self.kind {
            TestKind::CheckGroup => (self.name(), true),
            TestKind::ConvergenceCheck => (
                self.name()
                    .rsplit_once("::")
                    .map_or(self.name(), |(group, _)| group),
                true,
            ),
            TestKind::Test => (self.name_without_tier(), false),
        }
    }

    /// The libtest name without the `__<tier>` its tier adds (`tests::trains` for the test
    /// `tests::trains__slow`): the fn's name as written.
    pub fn name_without_tier(&self) -> &'static str {
        let name = self.name();
        match self.tier {
            Tier::Unit => name,
            tier => name
                .strip_suffix(tier.as_str())
                .and_then(|rest| rest.strip_suffix("__"))
                .unwrap_or(name),
        }
    }

    /// Whether the test's tier is selected in this build (see `ML_TEST_TIERS`).
    pub fn selected(&self) -> bool {
        self.ignored.is_none()
    }
}

/// The statics of the section `ml_test_registry`, which the linker lays end to end: each is a
/// `TestEntry` and the section's alignment is theirs, so the section is an array of them.
#[cfg(target_os = "linux")]
mod section {
    use super::TestEntry;

    unsafe extern "Rust" {
        #[link_name = "__start_ml_test_registry"]
        static START: [TestEntry; 0];
        #[link_name = "__stop_ml_test_registry"]
        static STOP: [TestEntry; 0];
    }

    /// An empty member, so the section and its bounds exist in a binary with no test. Not
    /// `#[used]`: that would make every binary linking ml-test link its code (rustc keeps each
    /// upstream `#[used]` static); `entries` keeps it, where the registry is read.
    #[unsafe(link_section = "ml_test_registry")]
    static ANCHOR: [TestEntry; 0] = [];

    pub(super) fn entries() -> &'static [TestEntry] {
        std::hint::black_box(&ANCHOR);
        let start = (&raw const START).cast::<TestEntry>();
        let stop = (&raw const STOP).cast::<TestEntry>();
        // SAFETY: the linker defines both symbols at the ends of the section `ml_test_registry`,
        // which holds only `TestEntry` statics (written by the test attributes, and `ANCHOR`), each a
        // whole number of entries long and aligned as an entry, laid end to end.
        unsafe {
            let len = usize::try_from(stop.offset_from(start))
                .expect("the section `ml_test_registry` ends after it starts");
            std::slice::from_raw_parts(start, len)
        }
    }
}

/// A registered entry, as `inventory` collects it where the section is not used.
#[cfg(not(target_os = "linux"))]
#[doc(hidden)]
pub struct Registered(pub &'static TestEntry);

#[cfg(not(target_os = "linux"))]
inventory::collect!(Registered);

/// Every registered entry, in no particular order.
fn entries() -> impl Iterator<Item = &'static TestEntry> {
    #[cfg(target_os = "linux")]
    return section::entries().iter();
    #[cfg(not(target_os = "linux"))]
    return inventory::iter::<Registered>
        .into_iter()
        .map(|registered| registered.0);
}

/// Every registered test of this binary, sorted by libtest name.
///
/// ```
/// for test in ml_test::registry() {
///     println!("{} [{}] {}:{}", test.name(), test.tier(), test.file(), test.line());
/// }
/// ```
pub fn registry() -> Vec<&'static TestEntry> {
    let mut tests: Vec<&'static TestEntry> = entries().collect();
    tests.sort_by_key(|t| t.name());
    tests
}

/// The registered tests grouped by tier (cheapest tier first, names sorted within a tier).
/// Tiers without tests are left out.
pub fn registry_by_tier() -> BTreeMap<Tier, Vec<&'static TestEntry>> {
    let mut groups: BTreeMap<Tier, Vec<&'static TestEntry>> = BTreeMap::new();
    for test in registry() {
        groups.entry(test.tier).or_default().push(test);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &'static str) -> TestEntry {
        TestEntry {
            path,
            tier: Tier::Unit,
            seed: None,
            timeout: None,
            seeds: None,
            exclusive: false,
            ignored: None,
            file: file!(),
            line: line!(),
            expects_panic: false,
            kind: TestKind::Test,
            mocks: &[],
        }
    }

    #[test]
    fn libtest_name_drops_the_crate_segment() {
        assert_eq!(
            entry("my_crate::api::tests::predicts").name(),
            "api::tests::predicts"
        );
        // An integration-test file's root module is the crate itself.
        assert_eq!(entry("tiers::predicts").name(), "predicts");
    }

    #[test]
    fn a_test_keeps_its_seed_name_whatever_its_tier() {
        let slow = TestEntry {
            tier: Tier::Slow,
            ..entry("my_crate::tests::trains__slow")
        };
        assert_eq!(slow.name(), "tests::trains__slow");
        assert_eq!(slow.name_without_tier(), "tests::trains");
        assert_eq!(slow.seed_name(), ("tests::trains", false));
        // Only the test's own tier is taken off; a unit test's name is its fn's.
        let unit = entry("my_crate::tests::odd__slow");
        assert_eq!(unit.seed_name(), ("tests::odd__slow", false));
    }
}
