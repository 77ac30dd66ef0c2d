//! The run report: with `ML_TEST_REPORT=<dir>` set, every ml-test test records what it checked
//! when it ends, and `<dir>/index.html` is rebuilt from every record of the run, by the run
//! itself: by the last test of each process to end (of each test, under nextest). Unset, none of this runs: each test pays one load of a `OnceLock`.
//!
//! This file holds the switch, the sections that framework code attaches to the running test
//! (a convergence group's curve, a gate table, behaviour cases) and the guard that writes a
//! test's record when it ends. How a record is written and read is `report/record.rs`; the
//! directory, its lock and which run it holds, `report/store.rs`; the page, `report/page.rs`;
//! the ML Test Score coverage, `report/score.rs`.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use crate::TestEntry;
use crate::context;
use crate::sync::lock;

mod page;
mod record;
pub mod score;
mod store;

pub use record::html_escape;

/// The variable that turns the report on: the directory it is written to. A relative path is
/// taken from the workspace root (the outermost directory above the test's with a `Cargo.toml`
/// that declares `[workspace]`), so every package of a `cargo test --workspace` run writes to the
/// same place.
pub const REPORT_VAR: &str = "ML_TEST_REPORT";

/// Whether this run records a report (`ML_TEST_REPORT` is set and not empty). Framework code
/// asks before it builds a section, so an unset variable costs nothing else.
#[inline]
pub fn enabled() -> bool {
    dir().is_some()
}

/// The report's directory, read once per process.
pub(crate) fn dir() -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let here = std::env::current_dir().unwrap_or_default();
        resolve(std::env::var_os(REPORT_VAR), &here)
    })
    .as_deref()
}

/// The directory `ML_TEST_REPORT=value` names for a test running in `here`; none when unset or
/// empty.
fn resolve(value: Option<std::ffi::OsString>, here: &Path) -> Option<PathBuf> {
    let path = PathBuf::from(value.filter(|value| !value.is_empty())?);
    if path.is_absolute() {
        return Some(path);
    }
    Some(workspace_root(here).join(path))
}

/// The outermost directory at or above `from` whose `Cargo.toml` declares a workspace, or `from`.
fn workspace_root(from: &Path) -> PathBuf {
    from.ancestors()
        .filter(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|manifest| manifest.lines().any(|line| line.trim() == "[workspace]"))
        })
        .last()
        .unwrap_or(from)
        .to_path_buf()
}

/// What one check showed, for the report: built by framework code as HTML (with inline SVG
/// plots), attached to the running test with [`attach`].
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct Section {
    /// What kind of check it is: `convergence`, `behaviour`, `gates`, `latency`, `e2e`, ...
    pub kind: &'static str,
    /// Its heading on the page.
    pub title: String,
    /// Its body: HTML, escaped by whoever built it.
    pub html: String,
    /// Whether the check passed.
    pub passed: bool,
    /// The ML Test Score items a passing check evidences (see [`score`]), only when the whole test
    /// passes.
    pub evidence: Vec<&'static str>,
    /// Sections with the same key are drawn once on the page, in the first test that has one:
    /// the checks of one `#[overfit_check]` group share its run and its loss curve.
    pub shared: Option<String>,
}

/// One test's record while it runs: the sections attached so far and the failure it returned.
#[derive(Default)]
struct Sink {
    sections: Vec<Section>,
    failure: Option<String>,
    /// The last panic in one of the test's contexts (on any thread: a timeout's worker).
    panic: Option<String>,
}

/// The sinks of the tests now recording, by the address of their entry: the contexts of a test
/// (its own, its sweep's runs, the threads it carried them to) attach to its sink.
static SINKS: Mutex<Vec<(usize, Sink)>> = Mutex::new(Vec::new());

fn key(entry: &'static TestEntry) -> usize {
    std::ptr::from_ref(entry) as usize
}

/// The sink of `entry` among `sinks`, if it is recording.
fn sink_of<'s>(sinks: &'s mut [(usize, Sink)], entry: &'static TestEntry) -> Option<&'s mut Sink> {
    sinks
        .iter_mut()
        .find(|(k, _)| *k == key(entry))
        .map(|(_, sink)| sink)
}

/// Attaches `section` to the running test's record. Does nothing when the report is off or no
/// test is running on this thread. In a seed sweep the title names the run's seed.
#[doc(hidden)]
pub fn attach(mut section: Section) {
    if !enabled() {
        return;
    }
    let Some(context) = context::current() else {
        return;
    };
    if let context::SeedSource::Sweep { .. } = context.seed_source() {
        section.title = format!("seed {}: {}", context.seed(), section.title);
    }
    attach_to(context.entry(), section);
}

/// Adds the row `cells` (HTML `<td>`s) with class `class` to the running test's table section
/// of `section`'s kind and title, attaching `section` (whose HTML ends with an empty
/// `<tbody></tbody></table>`) first if the test has none yet: one table of every request an e2e
/// test made.
#[doc(hidden)]
pub fn extend_table(section: Section, class: &str, cells: &str) {
    if !enabled() {
        return;
    }
    let Some(context) = context::current() else {
        return;
    };
    let mut sinks = lock(&SINKS);
    let Some(sink) = sink_of(&mut sinks, context.entry()) else {
        return;
    };
    let index = match sink
        .sections
        .iter()
        .position(|s| s.kind == section.kind && s.title == section.title)
    {
        Some(index) => index,
        None => {
            sink.sections.push(section);
            sink.sections.len() - 1
        }
    };
    let html = &mut sink.sections[index].html;
    if let Some(end) = html.rfind("</tbody>") {
        html.insert_str(end, &format!("<tr class=\"{class}\">{cells}</tr>"));
    }
}

/// Attaches `section` to `entry`'s record, if it is recording.
pub(crate) fn attach_to(entry: &'static TestEntry, section: Section) {
    if let Some(sink) = sink_of(&mut lock(&SINKS), entry) {
        sink.sections.push(section);
    }
}

/// Notes the failure `entry` returned (an `Err`, a failing exit code): its record says why.
pub(crate) fn returned_failure(entry: &'static TestEntry, failure: &str) {
    if let Some(sink) = sink_of(&mut lock(&SINKS), entry) {
        sink.failure = Some(failure.to_owned());
    }
}

thread_local! {
    /// The message of the last panic on this thread, kept by the report's panic hook for the
    /// record of the test that ends with it.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Chains a hook before the current panic hook that keeps each panic's message for the record.
fn keep_panic_messages() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = crate::outcome::panic_text(info.payload());
            let _ = LAST_PANIC.try_with(|last| *last.borrow_mut() = Some(message.clone()));
            if let Some(context) = context::current()
                && let Ok(mut sinks) = SINKS.try_lock()
                && let Some(sink) = sink_of(&mut sinks, context.entry())
            {
                sink.panic = Some(message);
            }
            previous(info);
        }));
    });
}

/// How many tests of this process are recording: the last to end rebuilds the page, so a
/// binary's tests read every record once between them, not once each.
static RECORDING: AtomicUsize = AtomicUsize::new(0);

/// Records one test from its start to its end: made where a run of the test begins (on
/// libtest's thread for it), it writes the test's record when it drops.
#[must_use = "the record is written when the guard drops"]
pub(crate) struct Recording {
    entry: &'static TestEntry,
    seed: u64,
    started: Instant,
}

impl Recording {
    /// Starts recording `entry`'s run, if the report is on and this is libtest's own run of it
    /// (a test fn that another test calls directly is part of that test's record).
    ///
    /// # Panics
    /// When the report's directory cannot be created; the message names `ML_TEST_REPORT`.
    pub(crate) fn begin(entry: &'static TestEntry) -> Option<Recording> {
        let dir = dir()?;
        if std::thread::current().name() != Some(entry.name()) {
            return None;
        }
        if let Err(error) = std::fs::create_dir_all(dir) {
            panic!(
                "{REPORT_VAR}={} names a directory ml-test cannot create ({error}); set it to a \
                 writable directory, or unset it to write no report",
                dir.display()
            );
        }
        keep_panic_messages();
        let _ = LAST_PANIC.try_with(|last| last.borrow_mut().take());
        let mut sinks = lock(&SINKS);
        sinks.retain(|(k, _)| *k != key(entry));
        sinks.push((key(entry), Sink::default()));
        RECORDING.fetch_add(1, Ordering::AcqRel);
        Some(Recording {
            entry,
            seed: context::TestContext::base_seed(entry).0,
            started: Instant::now(),
        })
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        let duration = self.started.elapsed();
        let sink = {
            let mut sinks = lock(&SINKS);
            let index = sinks.iter().position(|(k, _)| *k == key(self.entry));
            index.map(|index| sinks.swap_remove(index).1)
        };
        let last = RECORDING.fetch_sub(1, Ordering::AcqRel) == 1;
        let Some(sink) = sink else { return };
        let panicked = std::thread::panicking();
        let panic = LAST_PANIC
            .try_with(|last| last.borrow_mut().take())
            .ok()
            .flatten()
            .or(sink.panic);
        let outcome = match (panicked, self.entry.expects_panic) {
            (true, true) => record::Outcome::PanickedAsExpected,
            (true, false) => record::Outcome::Failed,
            (false, _) if sink.failure.is_some() => record::Outcome::Failed,
            (false, true) => record::Outcome::Failed,
            (false, false) => record::Outcome::Passed,
        };
        let failure = match outcome {
            record::Outcome::Failed => Some(sink.failure.or(panic).unwrap_or_else(|| {
                if panicked {
                    "it panicked; its message was not kept (a panic hook set after the test \
                     started replaced ml-test's)"
                } else {
                    "it did not panic, and it expects to (#[should_panic])"
                }
                .to_owned()
            })),
            _ => None,
        };
        let record = record::Record::of(
            self.entry,
            self.seed,
            outcome,
            duration,
            failure,
            sink.sections,
        );
        let dir = dir().expect("a recording has a directory");
        match store::save(dir, &record, last) {
            Ok(true) => announce(dir),
            Ok(false) => {}
            Err(error) => eprintln!(
                "ml-test: the record of `{}` could not be written to {REPORT_VAR}={}: {error}",
                self.entry.name(),
                dir.display()
            ),
        }
    }
}

/// Says where the page is, once per run (by the test whose record began it), on the process's
/// standard error itself: libtest captures what tests print, and the path is for the person who
/// ran them. Under nextest it is in that test's captured output.
fn announce(dir: &Path) {
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "ml-test: the run report is at {} (rebuilt as tests end)",
        dir.join("index.html").display()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_or_empty_writes_no_report_and_a_relative_path_is_the_workspace_s() {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(resolve(None, here), None);
        assert_eq!(resolve(Some("".into()), here), None);
        assert_eq!(
            resolve(Some("/tmp/r".into()), here),
            Some(PathBuf::from("/tmp/r"))
        );
        // This crate is a member of ml-test's workspace: the report goes to the workspace's
        // target, whichever package's tests write it.
        let workspace = here.parent().unwrap();
        assert_eq!(
            resolve(Some("target/report".into()), here),
            Some(workspace.join("target/report"))
        );
    }
}
