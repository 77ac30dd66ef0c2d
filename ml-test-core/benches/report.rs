//! What the run report costs a test when `ML_TEST_REPORT` is unset: its switch, next to the
//! start and end of the cheapest test (`#[ml_test]` on an empty body), which asks it once.
//!
//! `cargo bench -p ml-test-core --bench report`; figures in BENCHMARKS.md. Run it with the
//! variable unset: with it set, the first test writes a report and the switch reads `true`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ml_test_runner::{TestEntry, Tier};

static ENTRY: TestEntry = TestEntry::new("bench::empty", Tier::Unit, "benches/report.rs", 1);

fn report_off(c: &mut Criterion) {
    assert!(
        !ml_test_runner::report::enabled(),
        "unset ML_TEST_REPORT to measure the report switched off"
    );
    let mut group = c.benchmark_group("report_off");
    group.bench_function("switch", |b| {
        b.iter(|| black_box(ml_test_runner::report::enabled()))
    });
    group.bench_function("a_test_s_start_and_end", |b| {
        b.iter(|| {
            drop(black_box(ml_test_runner::__private::start(black_box(
                &ENTRY,
            ))))
        })
    });
    group.finish();
}

criterion_group!(benches, report_off);
criterion_main!(benches);
