use ndarray::ArrayD;

use std::fmt::Display;

use crate::numeric::Numeric;

/// A model with its optimiser and a tiny fixed batch: what the convergence checks train.
///
/// Implement the two required methods; the checks do the rest.
///
/// ```
/// use ml_test::convergence::{Trainer, param};
/// use ndarray::{Array1, ArrayD};
///
/// /// Fits y = 2x with one weight and plain gradient descent.
/// struct Line { w: Array1<f32>, lr: f32 }
///
/// impl Trainer for Line {
///     fn step(&mut self) -> f64 {
///         let (x, y) = (1.0f32, 2.0f32);
///         let err = self.w[0] * x - y;
///         self.w[0] -= self.lr * 2.0 * err * x;
///         f64::from(err * err)
///     }
///     fn parameters(&self) -> Vec<(String, ArrayD<f64>)> {
///         vec![param("w", &self.w)] // f32 (or any numeric) arrays convert to f64
///     }
/// }
/// # let mut line = Line { w: Array1::zeros(1), lr: 0.1 };
/// # assert!(line.step() > line.step());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `Trainer`",
    label = "#[overfit_check] needs the fn to return a Trainer",
    note = "implement `ml_test::Trainer` for it: `fn step(&mut self) -> f64` (one optimisation step on the fixed batch, returning its loss) and `fn parameters(&self) -> Vec<(String, ArrayD<f64>)>`; a step that can fail (a candle `Result`) implements `ml_test::TryTrainer` instead, with `fn try_step(&mut self) -> Result<f64, Self::Error>`; a model trained in one call (a tree, k-NN, closed-form regression) implements `Fitter` instead, with `#[overfit_check(capacity = ..)]`"
)]
pub trait Trainer {
    /// One optimisation step on the fixed batch; returns that step's loss (computed in the
    /// step's forward pass, so the first value is the loss at initialisation).
    fn step(&mut self) -> f64;

    /// The trainable tensors by name, as f64 (see [`param`] for other element types).
    fn parameters(&self) -> Vec<(String, ArrayD<f64>)>;

    /// The step as the checks take it: a failed [`TryTrainer`] step is an error with its text,
    /// not a panic. Not meant to be overridden.
    #[doc(hidden)]
    fn __ml_test_step(&mut self) -> Result<f64, String> {
        Ok(self.step())
    }
}

/// A [`Trainer`] whose step can fail: a framework's tensor operations return `Result`
/// (candle's do), and `?` passes their errors on. The convergence checks report a failed step,
/// with its number and the error, as the failure of the run. Every `TryTrainer` is a `Trainer`.
///
/// ```
/// use ml_test::convergence::{TryTrainer, param};
/// use ndarray::{Array1, ArrayD};
///
/// struct Line { w: Array1<f32> }
///
/// impl TryTrainer for Line {
///     type Error = String;
///     fn try_step(&mut self) -> Result<f64, String> {
///         let err = self.w.get(0).ok_or("no weight")? - 2.0;
///         self.w[0] -= 0.2 * err;
///         Ok(f64::from(err * err))
///     }
///     fn parameters(&self) -> Vec<(String, ArrayD<f64>)> {
///         vec![param("w", &self.w)]
///     }
/// }
/// # use ml_test::Trainer;
/// # let mut line = Line { w: Array1::zeros(1) };
/// # assert!(line.step() > line.step());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `TryTrainer`",
    note = "implement `fn try_step(&mut self) -> Result<f64, Self::Error>` and `fn parameters(&self)`, with `type Error` any `Display` error (`candle_core::Error`, `String`, `anyhow::Error`)"
)]
pub trait TryTrainer {
    /// The error a step can fail with.
    type Error: Display;

    /// One optimisation step on the fixed batch; its loss, or why it failed.
    ///
    /// # Errors
    /// Whatever the step's operations fail with; the checks report it with the step's number.
    fn try_step(&mut self) -> Result<f64, Self::Error>;

    /// The trainable tensors by name, as f64 (see [`param`]).
    fn parameters(&self) -> Vec<(String, ArrayD<f64>)>;
}

impl<T: TryTrainer + ?Sized> Trainer for T {
    /// # Panics
    /// When the step fails; the convergence checks call [`TryTrainer::try_step`] and report
    /// the error instead.
    fn step(&mut self) -> f64 {
        self.try_step()
            .unwrap_or_else(|error| panic!("the training step failed: {error}"))
    }

    fn parameters(&self) -> Vec<(String, ArrayD<f64>)> {
        TryTrainer::parameters(self)
    }

    fn __ml_test_step(&mut self) -> Result<f64, String> {
        self.try_step().map_err(|error| error.to_string())
    }
}

/// A named parameter for [`Trainer::parameters`], converted to f64 from any numeric value: an
/// ndarray of any element type and dimension, a (nested) `Vec`, or with the `candle` / `burn`
/// features a tensor of those frameworks.
///
/// # Panics
/// When the value has no rectangular shape (a ragged nested `Vec`).
pub fn param<T: Numeric + ?Sized>(name: impl Into<String>, value: &T) -> (String, ArrayD<f64>) {
    let name = name.into();
    let numbers = value
        .try_numbers()
        .unwrap_or_else(|why| panic!("param(\"{name}\", ..): {why}"));
    (name, numbers.into_array())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convergence::TrainingRun;

    /// Fails at step `fails_at`, else halves the loss.
    struct Flaky {
        step: usize,
        fails_at: usize,
        w: Vec<Vec<f32>>,
    }

    impl TryTrainer for Flaky {
        type Error = String;

        fn try_step(&mut self) -> Result<f64, String> {
            if self.step == self.fails_at {
                return Err(format!("shape mismatch in matmul at step {}", self.step));
            }
            self.step += 1;
            self.w[0][0] += 1.0;
            Ok(1.0 / self.step as f64)
        }

        fn parameters(&self) -> Vec<(String, ArrayD<f64>)> {
            vec![param("w", &self.w)]
        }
    }

    #[test]
    fn a_failed_step_stops_the_run_with_its_number_and_error() {
        let mut flaky = Flaky {
            step: 0,
            fails_at: 3,
            w: vec![vec![0.0, 1.0], vec![2.0, 3.0]],
        };
        let run = TrainingRun::record(&mut flaky, 10);
        assert_eq!(run.losses.len(), 3);
        assert_eq!(
            run.failed_step,
            Some((3, "shape mismatch in matmul at step 3".to_owned()))
        );
        assert_eq!(run.params_end[0].1.shape(), &[2, 2]);
        assert_eq!(run.params_end[0].1[[0, 0]], 3.0);
    }

    #[test]
    #[should_panic(expected = "the training step failed: shape mismatch in matmul at step 0")]
    fn calling_step_on_a_failing_try_trainer_panics_with_the_error() {
        let mut flaky = Flaky {
            step: 0,
            fails_at: 0,
            w: vec![vec![0.0]],
        };
        let _ = Trainer::step(&mut flaky);
    }
}
