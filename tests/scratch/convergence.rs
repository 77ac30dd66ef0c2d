// A user's convergence checks: a working logistic regression, and one whose step does nothing.
use ml_test::ndarray::{array, Array1, Array2, ArrayD};
use ml_test::prelude::*;

pub struct LogReg {
    x: Array2<f64>,
    y: Array1<f64>,
    w: Array1<f64>,
    b: f64,
    learn: bool,
}

impl LogReg {
    fn new(learn: bool) -> LogReg {
        LogReg {
            x: array![[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [-1.0, -2.0], [-2.0, 0.5], [0.5, -1.5]],
            y: array![1.0, 1.0, 1.0, 0.0, 0.0, 0.0],
            w: array![0.01, -0.01],
            b: 0.0,
            learn,
        }
    }
}

impl Trainer for LogReg {
    fn step(&mut self) -> f64 {
        let p = (self.x.dot(&self.w) + self.b).mapv(|z| 1.0 / (1.0 + (-z).exp()));
        let n = self.y.len() as f64;
        let loss = -self.y.iter().zip(&p).map(|(y, p)| y * p.ln() + (1.0 - y) * (1.0 - p).ln()).sum::<f64>() / n;
        if self.learn {
            let err = &p - &self.y;
            self.w = &self.w - &(self.x.t().dot(&err) / n);
            self.b -= err.sum() / n;
        }
        loss
    }

    fn parameters(&self) -> Vec<(String, ArrayD<f64>)> {
        vec![param("w", &self.w), param("b", &array![self.b])]
    }
}

#[overfit_check(steps = 300, target_loss = 0.05)]
fn logistic_regression() -> LogReg {
    LogReg::new(true)
}

#[overfit_check(steps = 100)]
fn step_does_nothing() -> LogReg {
    LogReg::new(false)
}
