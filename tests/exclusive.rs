//! `#[ml_test(exclusive)]`: 38 ordinary tests and 2 exclusive ones in module `overlap`, each
//! logging the interval it ran in; a driver runs this binary's `overlap` tests 10 times with 8
//! threads and counts the overlaps of an exclusive test with any other. The ordinary tests
//! must overlap each other (the control: the gate does not simply serialize everything).

use std::io::Write as _;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ml_test::prelude::*;

#[path = "support/intervals.rs"]
mod intervals;

/// Where the tests log their intervals, when the driver asks.
const LOG_VAR: &str = "ML_TEST_OVERLAP_LOG";

mod overlap {
    use super::*;

    static RUNNING: AtomicUsize = AtomicUsize::new(0);
    static EXCLUSIVE_RUNNING: AtomicUsize = AtomicUsize::new(0);

    /// Counts the test as running until dropped, even if it panics.
    struct Running(bool);

    impl Drop for Running {
        fn drop(&mut self) {
            if self.0 {
                EXCLUSIVE_RUNNING.fetch_sub(1, Ordering::SeqCst);
            }
            RUNNING.fetch_sub(1, Ordering::SeqCst);
        }
    }

    fn now() -> u128 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_nanos()
    }

    /// Runs for about 4 ms, checking on every step that an exclusive test is alone (and that an
    /// ordinary one never sees an exclusive one), then logs `name start end exclusive`.
    pub(super) fn work(name: &str, exclusive: bool) {
        let start = now();
        RUNNING.fetch_add(1, Ordering::SeqCst);
        if exclusive {
            EXCLUSIVE_RUNNING.fetch_add(1, Ordering::SeqCst);
        }
        let _running = Running(exclusive);
        for _ in 0..20 {
            if exclusive {
                assert_eq!(RUNNING.load(Ordering::SeqCst), 1, "{name} is not alone");
            } else {
                assert_eq!(
                    EXCLUSIVE_RUNNING.load(Ordering::SeqCst),
                    0,
                    "{name} runs beside an exclusive test"
                );
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        let end = now();
        if let Some(path) = std::env::var_os(LOG_VAR) {
            let mut log = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(path)
                .expect("the log opens");
            // One write per line: appends of a short line do not interleave.
            log.write_all(format!("{name} {start} {end} {exclusive}\n").as_bytes())
                .expect("the log is written");
        }
    }

    macro_rules! ordinary {
        ($($name:ident)*) => {$(
            #[ml_test]
            fn $name() {
                work(stringify!($name), false);
            }
        )*};
    }

    ordinary!(
        o01 o02 o03 o04 o05 o06 o07 o08 o09 o10 o11 o12 o13 o14 o15 o16 o17 o18 o19
        o20 o21 o22 o23 o24 o25 o26 o27 o28 o29 o30 o31 o32 o33 o34 o35 o36 o37 o38
    );

    #[ml_test(exclusive)]
    fn exclusive_a() {
        work("exclusive_a", true);
    }

    #[ml_test(integration, exclusive)]
    fn exclusive_b() {
        work("exclusive_b", true);
    }
}

#[ml_test(integration, timeout = "5m")]
fn exclusive_tests_never_overlap_in_10_runs_of_8_threads() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let mut peaks = Vec::new();
    for run in 0..10 {
        let log = dir.join(format!("overlap-{}-{run}.log", std::process::id()));
        let _ = std::fs::remove_file(&log);
        let mut command = Command::new(std::env::current_exe().expect("this binary"));
        command
            .args(["overlap::", "--test-threads", "8"])
            .env(LOG_VAR, &log)
            .env_remove("ML_TEST_SEED");
        // The child is a plain libtest run of 40 threads, even when nextest runs this driver:
        // with nextest's variables it would take the cross-process gate, which this driver
        // (an ml-test test of the same binary) holds until the child ends.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("NEXTEST") {
                command.env_remove(key);
            }
        }
        let output = command.output().expect("the test binary runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("test result: ok. 40 passed"),
            "run {run}:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let intervals = intervals::parse(&std::fs::read_to_string(&log).expect("the tests logged"));
        assert_eq!(intervals.len(), 40, "run {run}: every test logged");
        assert_eq!(
            intervals::exclusive_overlaps(&intervals),
            0,
            "run {run}: an exclusive test overlapped another"
        );
        // The control: ordinary tests did run side by side.
        let peak = intervals::peak_concurrency(&intervals);
        peaks.push(peak);
        let _ = std::fs::remove_file(&log);
    }
    assert!(
        peaks.iter().all(|peak| *peak >= 2),
        "ordinary tests never ran side by side: {peaks:?}"
    );
    println!("10 runs, 0 overlaps; most tests running at once per run: {peaks:?}");
}
