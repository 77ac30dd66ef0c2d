//! The convergence check engine on a 10,000-step run with 1M parameters, next to the training
//! it checks.
//!
//! `cargo bench -p ml-test-core --bench convergence`; figures in BENCHMARKS.md.
//!
//! The engine's cost is independent of what a step computes: three snapshots of the parameters
//! (start, after step 1, end), one f64 per step, then the checks. So it is measured with a trainer
//! whose step only returns a loss (`record_overhead`), and the training is measured as one real
//! SGD step over the same 1M parameters (`sgd_step`), which a 10,000-step run does 10,000 times.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ml_test_core::convergence::{Thresholds, Trainer, TrainingRun, checks};
use ndarray::{Array1, ArrayD};

const PARAMS: usize = 1_000_000;
const STEPS: usize = 10_000;

/// Least squares towards a fixed target: one SGD step touches every parameter twice.
struct Sgd {
    w: Array1<f64>,
    target: Array1<f64>,
}

impl Sgd {
    fn new() -> Sgd {
        Sgd {
            w: Array1::zeros(PARAMS),
            target: Array1::from_shape_fn(PARAMS, |i| (i % 7) as f64),
        }
    }
}

impl Trainer for Sgd {
    fn step(&mut self) -> f64 {
        let mut loss = 0.0;
        ndarray::Zip::from(&mut self.w)
            .and(&self.target)
            .for_each(|w, t| {
                let err = *w - t;
                loss += err * err;
                *w -= 0.1 * err;
            });
        loss / PARAMS as f64
    }

    fn parameters(&self) -> Vec<(String, ArrayD<f64>)> {
        vec![("w".into(), self.w.clone().into_dyn())]
    }
}

/// 1M parameters that move only between snapshots, with a step that does no training work.
struct EngineOnly {
    w: Array1<f64>,
    step: usize,
}

impl Trainer for EngineOnly {
    fn step(&mut self) -> f64 {
        self.step += 1;
        if self.step == 1 {
            self.w[0] += 1.0;
        }
        1.0 / self.step as f64
    }

    fn parameters(&self) -> Vec<(String, ArrayD<f64>)> {
        vec![("w".into(), self.w.clone().into_dyn())]
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("convergence_10k_steps_1M_params");
    group.sample_size(10);

    let mut sgd = Sgd::new();
    group.bench_function("sgd_step", |b| b.iter(|| black_box(sgd.step())));

    group.bench_function("record_overhead", |b| {
        b.iter(|| {
            let mut trainer = EngineOnly {
                w: Array1::zeros(PARAMS),
                step: 0,
            };
            black_box(TrainingRun::record(&mut trainer, STEPS))
        })
    });

    let run = TrainingRun::record(
        &mut EngineOnly {
            w: Array1::zeros(PARAMS),
            step: 0,
        },
        STEPS,
    );
    let thresholds = Thresholds::DEFAULT;
    group.bench_function("evaluate_checks", |b| {
        b.iter(|| {
            black_box(checks::loss_is_finite(&run).is_ok());
            black_box(checks::loss_decreases(&run, &thresholds).is_ok());
            black_box(checks::params_update(&run, &[], &thresholds).is_ok());
            black_box(checks::overfits_batch(&run, &thresholds).is_ok());
            black_box(checks::frozen(&run, &["w"], &thresholds).is_ok());
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
