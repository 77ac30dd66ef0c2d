//! `#[ml_test(exclusive)]`: an exclusive test runs while no other ml-test test of its binary
//! runs. Every ml-test test passes a gate when it starts: ordinary tests share it, an exclusive
//! test holds it alone. Waiting exclusive tests go first, so a stream of short tests cannot
//! starve them.
//!
//! Under `cargo test` the tests are threads of one process, and the gate is a lock in memory.
//! Under nextest every test is a process of its own, and the gate is a pair of file locks beside
//! the test binary (`<binary>.ml-test-gate` and `<binary>.ml-test-turnstile`).
//!
//! A binary without exclusive tests passes no gate at all: the cost is one cached check.
//!
//! A test that runs its own test binary again as a child (to drive a nested libtest run) must
//! remove nextest's variables (`NEXTEST_*`) from the child's environment under nextest: the
//! child would otherwise wait on the file gate that the parent test holds.

use std::fs::File;
use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};

use crate::TestEntry;

/// Held while a test runs; dropping it lets the others in.
#[must_use = "the test holds the gate until this drops"]
pub struct Admission {
    exclusive: bool,
    /// Under nextest: the file locks held (released when the files close).
    _files: Option<(File, Option<File>)>,
}

#[derive(Default)]
struct State {
    shared: usize,
    exclusive: bool,
    exclusive_waiting: usize,
}

struct Gate {
    state: Mutex<State>,
    changed: Condvar,
}

fn gate() -> &'static Gate {
    static GATE: OnceLock<Gate> = OnceLock::new();
    GATE.get_or_init(|| Gate {
        state: Mutex::new(State::default()),
        changed: Condvar::new(),
    })
}

fn lock(gate: &Gate) -> MutexGuard<'_, State> {
    crate::sync::lock(&gate.state)
}

/// Whether any test of this binary is exclusive (read once from the registry).
fn binary_has_exclusive_tests() -> bool {
    static ANY: OnceLock<bool> = OnceLock::new();
    *ANY.get_or_init(|| crate::registry().iter().any(|test| test.exclusive))
}

/// Whether this process runs one test (nextest), so the gate must span processes.
pub fn process_per_test() -> bool {
    std::env::var_os("NEXTEST_EXECUTION_MODE").is_some_and(|mode| mode == "process-per-test")
}

/// Waits until `entry` may run, and admits it: exclusively if it is `exclusive`, else beside
/// other non-exclusive tests. `None` when the binary has no exclusive test.
pub fn admit(entry: &TestEntry) -> Option<Admission> {
    if !binary_has_exclusive_tests() {
        return None;
    }
    let files = if process_per_test() {
        match file_gate(entry.exclusive) {
            Ok(files) => Some(files),
            Err(error) => panic!(
                "ml-test could not take the file lock that keeps `#[ml_test(exclusive)]` tests \
                 alone under nextest: {error}. The lock files sit beside the test binary; make \
                 that directory writable"
            ),
        }
    } else {
        None
    };
    let gate = gate();
    let wait_while = |state, busy: fn(&mut State) -> bool| {
        gate.changed
            .wait_while(state, busy)
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    };
    let mut state = lock(gate);
    if entry.exclusive {
        state.exclusive_waiting += 1;
        state = wait_while(state, |s| s.exclusive || s.shared > 0);
        state.exclusive_waiting -= 1;
        state.exclusive = true;
    } else {
        state = wait_while(state, |s| s.exclusive || s.exclusive_waiting > 0);
        state.shared += 1;
    }
    Some(Admission {
        exclusive: entry.exclusive,
        _files: files,
    })
}

impl Drop for Admission {
    fn drop(&mut self) {
        let gate = gate();
        let mut state = lock(gate);
        if self.exclusive {
            state.exclusive = false;
        } else {
            state.shared -= 1;
        }
        drop(state);
        gate.changed.notify_all();
    }
}

fn lock_path(suffix: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_else(|_| std::env::temp_dir().join("ml-test"));
    let mut name = exe.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    exe.with_file_name(name)
}

/// The cross-process gate: a turnstile every test passes on its way in, and the gate shared by
/// ordinary tests and held alone by exclusive ones. An exclusive test keeps the turnstile while
/// it waits and runs, so new tests queue behind it instead of starving it.
fn file_gate(exclusive: bool) -> std::io::Result<(File, Option<File>)> {
    let open = |suffix| {
        File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(lock_path(suffix))
    };
    let turnstile = open(".ml-test-turnstile")?;
    turnstile.lock()?;
    let gate = open(".ml-test-gate")?;
    if exclusive {
        gate.lock()?;
        Ok((gate, Some(turnstile)))
    } else {
        turnstile.unlock()?;
        gate.lock_shared()?;
        Ok((gate, None))
    }
}
