//! The served model: a logistic-regression scorecard on standardised features, trained in code
//! with full-batch gradient descent. Each planted bug is one `Bug` away.

use ml_test::ndarray::{Array1, Array2, Axis};
use ml_test::prelude::*;
use ml_test::rand::Rng;

use crate::data::{Applicant, Labelled};
use crate::features::{featurize, matrix};

/// A bug to plant, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bug {
    None,
    /// The income column never reaches the optimiser (a feature the model must use).
    IgnoresIncome,
    /// The class-index mapping is swapped: index 1 is read as "rejected".
    SwappedLabels,
    /// Features are standardised with the statistics of the batch being predicted, not the
    /// training set's: a row's score depends on its neighbours.
    BatchNormalisation,
}

/// The decision the service returns. The discriminant is the class index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Rejected = 0,
    Approved = 1,
}

/// The model's class indices, in output-column order.
const CLASSES: [Decision; 2] = [Decision::Rejected, Decision::Approved];

pub struct Scorecard {
    mean: Array1<f64>,
    std: Array1<f64>,
    weights: Array1<f64>,
    bias: f64,
    classes: [Decision; 2],
    bug: Bug,
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

impl Scorecard {
    /// Trains on `rows`: 400 epochs of gradient descent on the mean log loss.
    pub fn train(rows: &[Labelled], bug: Bug) -> Scorecard {
        let x = matrix(rows.iter().map(|r| &r.applicant));
        let y: Array1<f64> = rows.iter().map(|r| f64::from(r.repaid)).collect();
        let mean = x.mean_axis(Axis(0)).expect("training rows");
        let std = x.std_axis(Axis(0), 0.0).mapv(|s| s.max(1e-9));
        let z = (&x - &mean) / &std;
        let mut weights = Array1::<f64>::zeros(x.ncols());
        let mut bias = 0.0;
        let n = y.len() as f64;
        for _ in 0..400 {
            let p = (z.dot(&weights) + bias).mapv(sigmoid);
            let error = &p - &y;
            let mut gradient = z.t().dot(&error) / n;
            if bug == Bug::IgnoresIncome {
                gradient[0] = 0.0;
            }
            weights = weights - 0.5 * gradient;
            bias -= 0.5 * error.sum() / n;
        }
        Scorecard::from_parts(mean, std, weights, bias, bug)
    }

    /// The same architecture with random weights, for shape tests (no training data needed).
    pub fn random(rng: &mut impl Rng) -> Scorecard {
        let weights: Array1<f64> = (0..4).map(|_| rng.random_range(-1.0..1.0)).collect();
        let mean = Array1::from(vec![80.0, 0.4, 15.0, 45.0]);
        let std = Array1::from(vec![40.0, 0.2, 9.0, 14.0]);
        Scorecard::from_parts(mean, std, weights, rng.random_range(-0.5..0.5), Bug::None)
    }

    fn from_parts(
        mean: Array1<f64>,
        std: Array1<f64>,
        weights: Array1<f64>,
        bias: f64,
        bug: Bug,
    ) -> Scorecard {
        let classes = match bug {
            Bug::SwappedLabels => [Decision::Approved, Decision::Rejected],
            _ => CLASSES,
        };
        Scorecard {
            mean,
            std,
            weights,
            bias,
            classes,
            bug,
        }
    }

    /// The probability that `a` repays: the score the service thresholds.
    pub fn approval(&self, a: &Applicant) -> f64 {
        let row = Array2::from_shape_vec((1, 4), featurize(a).to_vec()).expect("4 features");
        let probabilities = self.predict(&row).expect("one valid row");
        probabilities[[0, 1]]
    }

    /// The decision for `a`: the class with the higher probability, read through the model's
    /// class mapping.
    pub fn decide(&self, a: &Applicant) -> Decision {
        let column = usize::from(self.approval(a) > 0.5);
        self.classes[column]
    }
}

impl Model for Scorecard {
    /// Rows of features (see `features::FEATURE_NAMES`).
    type Input = Array2<f64>;
    /// Per row, the probabilities of `[rejected, approved]`.
    type Output = Array2<f64>;

    fn predict(&self, x: &Array2<f64>) -> Result<Array2<f64>, ModelError> {
        if x.ncols() != self.weights.len() {
            return Err(ModelError::invalid_input(format!(
                "expected {} features per row, got {}",
                self.weights.len(),
                x.ncols()
            )));
        }
        let (mean, std) = match self.bug {
            Bug::BatchNormalisation if x.nrows() > 0 => (
                x.mean_axis(Axis(0)).expect("rows"),
                x.std_axis(Axis(0), 0.0).mapv(|s| s.max(1.0)),
            ),
            _ => (self.mean.clone(), self.std.clone()),
        };
        let p = (((x - &mean) / &std).dot(&self.weights) + self.bias).mapv(sigmoid);
        Ok(Array2::from_shape_fn((x.nrows(), 2), |(i, j)| {
            if j == 1 { p[i] } else { 1.0 - p[i] }
        }))
    }
}
