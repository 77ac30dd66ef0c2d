//! Convergence checks: train on a tiny fixed batch once, then assert what a healthy training
//! run must show (the loss is finite and goes down, every trainable tensor moves, the batch can
//! be overfit, the run repeats).
//!
//! The checks read one [`TrainingRun`], recorded once per check group and process by
//! [`TrainingRun::record`]. Each check is a small function in [`checks`] (and, for models trained
//! in one call, in [`fit`]) returning a [`CheckFailure`] with the numbers, which the failure
//! message renders with a sparkline of the loss curve.

pub mod checks;
mod engine;
pub mod fit;
mod group;
pub(crate) mod report;
mod shared;
mod trainer;

pub use checks::{Check, CheckFailure, Thresholds};
pub use fit::{FitCheck, FitGroup, FitRun, FitThresholds, Fitter};
pub use group::CheckGroup;
pub use trainer::{Trainer, TryTrainer, param};

/// The training steps of a check group's shared run when `steps = N` does not say.
pub const DEFAULT_STEPS: usize = 200;

use std::time::{Duration, Instant};

use ndarray::ArrayD;

/// Everything the checks need from one training run on the fixed batch.
#[derive(Clone, Debug)]
pub struct TrainingRun {
    /// The loss of every step, in order. Training stops after the first non-finite loss.
    pub losses: Vec<f64>,
    /// The step (0-based) and value of the first NaN or infinite loss.
    pub first_non_finite: Option<(usize, f64)>,
    /// The step (0-based) at which a [`TryTrainer`] step failed, and its error. Training stops
    /// there, and every check reports it.
    pub failed_step: Option<(usize, String)>,
    /// Trainable tensors before the first step.
    pub params_start: Vec<(String, ArrayD<f64>)>,
    /// Trainable tensors after the first step.
    pub params_after_first: Vec<(String, ArrayD<f64>)>,
    /// Trainable tensors after the last step.
    pub params_end: Vec<(String, ArrayD<f64>)>,
    /// How many steps were asked for.
    pub steps: usize,
    /// Wall time of the training steps.
    pub elapsed: Duration,
}

impl TrainingRun {
    /// Trains `trainer` for `steps` steps, recording losses and parameter snapshots.
    pub fn record<T: Trainer + ?Sized>(trainer: &mut T, steps: usize) -> TrainingRun {
        let started = Instant::now();
        let params_start = trainer.parameters();
        let mut losses = Vec::with_capacity(steps);
        let mut first_non_finite = None;
        let mut failed_step = None;
        let mut params_after_first = Vec::new();
        for step in 0..steps {
            let loss = match trainer.__ml_test_step() {
                Ok(loss) => loss,
                Err(error) => {
                    failed_step = Some((step, error));
                    break;
                }
            };
            losses.push(loss);
            if step == 0 {
                params_after_first = trainer.parameters();
            }
            if !loss.is_finite() {
                first_non_finite = Some((step, loss));
                break;
            }
        }
        let params_end = trainer.parameters();
        TrainingRun {
            losses,
            first_non_finite,
            failed_step,
            params_start,
            params_after_first,
            params_end,
            steps,
            elapsed: started.elapsed(),
        }
    }

    /// The first recorded loss (the loss at initialisation, for step-before-update trainers).
    pub fn first_loss(&self) -> Option<f64> {
        self.losses.first().copied()
    }
}
