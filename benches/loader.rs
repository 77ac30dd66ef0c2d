//! The loader seam's cost, next to a plain fn with the same body.
//!
//! `cargo bench -p ml-test --bench loader`; figures in BENCHMARKS.md. This package's benches
//! build with the `testing` feature (its dev-dependencies enable it, as a user's do), so the
//! `#[model_loader]` fn here carries the seam.
//!
//! - `direct`: the plain fn, the baseline.
//! - `loader/no_test_running`: the seam when no ml-test test is alive in the process: one
//!   relaxed atomic load, then the body.
//! - `loader/armed_no_override`: a test is running elsewhere in the process, this thread is in
//!   no test, and no global mock is installed: the seam looks and finds nothing.
//! - `mock/dispatch`: inside a test with `#[mock_model(returns = [1])]`: the loader hands out a
//!   mock (an `Arc` and a lookup), and one `predict` records the call and builds the output.
//! - `mock/direct_predict`: the same `predict` on the real model, the baseline for the above.

use std::hint::black_box;
use std::sync::{Arc, LazyLock};

use criterion::{Criterion, criterion_group, criterion_main};
use ml_test::__private::{MockScope, MockSpec, TestEntry, TestRun, Tier};
use ml_test::ndarray::{Array1, Array2, array};
use ml_test::prelude::*;

struct Threshold;

impl Model for Threshold {
    type Input = Array2<f32>;
    type Output = Array1<i64>;

    fn predict(&self, input: &Array2<f32>) -> Result<Array1<i64>, ModelError> {
        Ok(input.column(0).mapv(|x| i64::from(x > 0.5)))
    }
}

type Shared = SharedModel<Array2<f32>, Array1<i64>>;

/// A model already in memory: the body is as cheap as a loader body gets, so the seam's own
/// cost is what differs.
static MODEL: LazyLock<Shared> = LazyLock::new(|| Arc::new(Threshold));

fn load_direct() -> Result<Shared, String> {
    Ok(Arc::clone(&MODEL))
}

#[model_loader]
fn load_with_seam() -> Result<Shared, String> {
    Ok(Arc::clone(&MODEL))
}

static ENTRY: TestEntry = TestEntry::new(
    "loader_bench::mock_dispatch",
    Tier::Integration,
    file!(),
    line!(),
)
.with_seed(0);

fn seam(c: &mut Criterion) {
    let mut group = c.benchmark_group("loader");
    group.bench_function("direct", |b| b.iter(|| black_box(load_direct())));
    group.bench_function("no_test_running", |b| {
        b.iter(|| black_box(load_with_seam()))
    });
    // A test alive on another thread arms the seam for the whole process.
    let (armed, release) = std::sync::mpsc::channel::<()>();
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let other_test = std::thread::spawn(move || {
        let _run = TestRun::start(&ENTRY);
        armed.send(()).unwrap();
        let _ = finished.recv();
    });
    release.recv().unwrap();
    group.bench_function("armed_no_override", |b| {
        b.iter(|| black_box(load_with_seam()))
    });
    done.send(()).unwrap();
    other_test.join().unwrap();
    group.finish();
}

fn mock(c: &mut Criterion) {
    let mut group = c.benchmark_group("mock");
    let input = array![[1.0f32, 2.0]];
    group.bench_function("direct_predict", |b| {
        let model = load_direct().unwrap();
        b.iter(|| black_box(model.predict(black_box(&input))))
    });
    let run = TestRun::start(&ENTRY);
    let scope = MockScope::install(
        vec![
            MockSpec::new(1, "returns = [1]").returns_literal(ml_test::__private::Literal::new(
                "[1]",
                &[1],
                &[ml_test::__private::Scalar::Int(1)],
            )),
        ],
        None,
    );
    group.bench_function("dispatch", |b| {
        b.iter(|| {
            let model = load_with_seam().unwrap();
            black_box(model.predict(black_box(&input)))
        })
    });
    assert!(scope.handle(0).call_count() > 0, "the mock answered");
    drop(scope);
    drop(run);
    group.finish();
}

criterion_group!(benches, seam, mock);
criterion_main!(benches);
