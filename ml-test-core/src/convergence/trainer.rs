use ndarray::{ArrayBase, ArrayD, Data, Dimension};

/// A model with its optimiser and a tiny fixed batch: what the convergence checks train.
///
/// Implement the two required methods; the checks do the rest.
///
/// ```
/// use ml_test_core::convergence::{Trainer, param};
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
    note = "implement `ml_test::Trainer` for it: `fn step(&mut self) -> f64` (one optimisation step on the fixed batch, returning its loss) and `fn parameters(&self) -> Vec<(String, ArrayD<f64>)>`; a model trained in one call (a tree, k-NN, closed-form regression) implements `Fitter` instead, with `#[overfit_check(capacity = ..)]`"
)]
pub trait Trainer {
    /// One optimisation step on the fixed batch; returns that step's loss (computed in the
    /// step's forward pass, so the first value is the loss at initialisation).
    fn step(&mut self) -> f64;

    /// The trainable tensors by name, as f64 (see [`param`] for other element types).
    fn parameters(&self) -> Vec<(String, ArrayD<f64>)>;
}

impl<T: Trainer + ?Sized> Trainer for Box<T> {
    fn step(&mut self) -> f64 {
        (**self).step()
    }

    fn parameters(&self) -> Vec<(String, ArrayD<f64>)> {
        (**self).parameters()
    }
}

/// A named parameter for [`Trainer::parameters`], converted from an array of any numeric element
/// type that widens to f64 (f32, f64, integers up to 32 bits) and any dimension.
pub fn param<A, S, D>(name: impl Into<String>, array: &ArrayBase<S, D>) -> (String, ArrayD<f64>)
where
    A: Copy + Into<f64>,
    S: Data<Elem = A>,
    D: Dimension,
{
    (name.into(), array.mapv(Into::into).into_dyn())
}
