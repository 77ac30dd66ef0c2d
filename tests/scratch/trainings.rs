//! A check group whose builder logs every trainer it builds: under nextest (a process per
//! check) the group trains once for all its checks, plus the deterministic check's pair.
use ml_test::prelude::*;
use tier_selection_crate::Halving;

#[overfit_check(tier = integration, steps = 20)]
fn halving() -> Halving {
    if let Some(path) = std::env::var_os("ML_TEST_TRAININGS_LOG") {
        use std::io::Write;
        let mut log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        // One write per line: processes append to the log at the same time.
        log.write_all(format!("{}\n", std::process::id()).as_bytes())
            .unwrap();
    }
    Halving::new()
}
