//! Two real trainers on ndarray, each with a switch for the classic training bugs, so the
//! convergence checks can be shown passing on the correct code and failing on each bug.

use ml_test::ndarray::{Array1, Array2, ArrayD, array};
use ml_test::prelude::*;
use ml_test::rand::Rng;

/// A training bug to plant, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bug {
    /// The correct trainer.
    None,
    /// The optimiser step computes gradients but updates nothing.
    NoOpStep,
    /// Gradient *ascent*: the update's sign is flipped.
    FlippedSign,
    /// A learning rate so high the loss overflows to NaN.
    DivergingLr,
    /// The first layer is left out of the update.
    LayerLeftOut,
    /// The forward pass ignores the inputs, so labels are disconnected from them.
    LabelsDisconnected,
    /// Weights initialised from an unseeded generator.
    UnseededInit,
    /// The frozen output bias is updated anyway.
    FrozenMoves,
}

/// Initial weights: seeded from the test through `ml_test::rng()`, except for the unseeded bug.
fn init(rows: usize, cols: usize, scale: f64, bug: Bug) -> Array2<f64> {
    if bug == Bug::UnseededInit {
        let mut rng = ml_test::rand::rng();
        return Array2::from_shape_fn((rows, cols), |_| rng.random_range(-scale..scale));
    }
    let mut rng = ml_test::rng();
    Array2::from_shape_fn((rows, cols), |_| rng.random_range(-scale..scale))
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Binary cross-entropy, written the textbook way (no clamping): a diverging model drives p to
/// exactly 0 or 1 and the loss to infinity or NaN, which is what `loss_is_finite` must catch.
fn bce(p: &Array1<f64>, y: &Array1<f64>) -> f64 {
    -p.iter()
        .zip(y)
        .map(|(p, y)| y * p.ln() + (1.0 - y) * (1.0 - p).ln())
        .sum::<f64>()
        / y.len() as f64
}

/// Logistic regression, full-batch gradient descent, on six separable points.
pub struct LogisticRegression {
    x: Array2<f64>,
    y: Array1<f64>,
    w: Array1<f64>,
    b: f64,
    lr: f64,
    bug: Bug,
}

impl LogisticRegression {
    pub fn new(bug: Bug) -> LogisticRegression {
        LogisticRegression {
            x: array![
                [0.0, 1.0],
                [1.0, 0.0],
                [2.0, 1.0],
                [-1.0, -2.0],
                [-2.0, 0.5],
                [0.5, -1.5]
            ],
            y: array![1.0, 1.0, 1.0, 0.0, 0.0, 0.0],
            w: init(1, 2, 0.01, bug).row(0).to_owned(),
            b: 0.0,
            lr: if bug == Bug::DivergingLr { 1e6 } else { 1.0 },
            bug,
        }
    }
}

impl Trainer for LogisticRegression {
    fn step(&mut self) -> f64 {
        let x = if self.bug == Bug::LabelsDisconnected {
            Array2::zeros(self.x.raw_dim())
        } else {
            self.x.clone()
        };
        let p = (x.dot(&self.w) + self.b).mapv(sigmoid);
        let loss = bce(&p, &self.y);
        let n = self.y.len() as f64;
        let err = &p - &self.y;
        let sign = if self.bug == Bug::FlippedSign {
            -1.0
        } else {
            1.0
        };
        if self.bug != Bug::NoOpStep {
            self.w = &self.w - &(x.t().dot(&err) * (sign * self.lr / n));
            self.b -= sign * self.lr * err.sum() / n;
        }
        loss
    }

    fn parameters(&self) -> Vec<(String, ArrayD<f64>)> {
        vec![param("w", &self.w), param("b", &array![self.b])]
    }
}

/// A two-layer MLP (tanh hidden layer, sigmoid output) with hand-written backprop, on XOR.
pub struct Mlp {
    x: Array2<f64>,
    y: Array1<f64>,
    w1: Array2<f64>,
    b1: Array1<f64>,
    w2: Array2<f64>,
    b2: Array1<f64>,
    lr: f64,
    bug: Bug,
}

impl Mlp {
    pub fn new(bug: Bug) -> Mlp {
        let hidden = 8;
        Mlp {
            x: array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
            y: array![0.0, 1.0, 1.0, 0.0],
            w1: init(2, hidden, 1.0, bug),
            b1: Array1::zeros(hidden),
            w2: init(hidden, 1, 0.1, bug),
            b2: Array1::zeros(1),
            lr: 1.0,
            bug,
        }
    }
}

impl Trainer for Mlp {
    fn step(&mut self) -> f64 {
        let x = if self.bug == Bug::LabelsDisconnected {
            Array2::zeros(self.x.raw_dim())
        } else {
            self.x.clone()
        };
        // Forward.
        let h = (x.dot(&self.w1) + &self.b1).mapv(f64::tanh);
        let p = (h.dot(&self.w2) + &self.b2).column(0).mapv(sigmoid);
        let loss = bce(&p, &self.y);
        // Backward: dL/dz2 = (p - y) / n for sigmoid + BCE.
        let n = self.y.len() as f64;
        let dz2 = ((&p - &self.y) / n).insert_axis(ml_test::ndarray::Axis(1));
        let dw2 = h.t().dot(&dz2);
        let db2 = dz2.sum_axis(ml_test::ndarray::Axis(0));
        let dh = dz2.dot(&self.w2.t());
        let dz1 = dh * h.mapv(|h| 1.0 - h * h);
        let dw1 = x.t().dot(&dz1);
        let db1 = dz1.sum_axis(ml_test::ndarray::Axis(0));
        if self.bug == Bug::NoOpStep {
            return loss;
        }
        let lr = if self.bug == Bug::FlippedSign {
            -self.lr
        } else {
            self.lr
        };
        if self.bug != Bug::LayerLeftOut {
            self.w1 = &self.w1 - &(dw1 * lr);
            self.b1 = &self.b1 - &(db1 * lr);
        }
        self.w2 = &self.w2 - &(dw2 * lr);
        // The output bias is frozen (as a fine-tuning setup would freeze a head); only the
        // planted bug updates it.
        if self.bug == Bug::FrozenMoves {
            self.b2 = &self.b2 - &(db2 * lr);
        }
        loss
    }

    fn parameters(&self) -> Vec<(String, ArrayD<f64>)> {
        vec![
            param("w1", &self.w1),
            param("b1", &self.b1),
            param("w2", &self.w2),
            param("b2", &self.b2),
        ]
    }
}
