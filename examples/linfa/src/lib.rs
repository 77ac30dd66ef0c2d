//! A credit-approval service on linfa 0.8: applicants in, decisions out. The model is a linfa
//! logistic regression behind a `#[model_loader]`; its arrays are linfa's (ndarray 0.16).

use std::sync::Arc;

use linfa::prelude::*;
use linfa_logistic::{FittedLogisticRegression, LogisticRegression};
use ml_test::{Model, ModelError, SharedModel, model_loader};
use ndarray::{Array1, Array2, Ix1};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// One application, as the service receives it.
#[derive(Clone, Debug, PartialEq)]
pub struct Applicant {
    /// Shown to the loan officer; never a feature.
    pub name: String,
    /// Yearly income, in thousands.
    pub income: f64,
    /// Debt payments over income, 0 to 1.
    pub debt_ratio: f64,
}

/// The model's features of an applicant: income and debt ratio.
pub fn features(applicant: &Applicant) -> Array1<f64> {
    Array1::from(vec![applicant.income, applicant.debt_ratio])
}

/// The features of several applicants, one row each.
pub fn feature_rows(applicants: &[Applicant]) -> Array2<f64> {
    let mut rows = Array2::zeros((applicants.len(), 2));
    for (mut row, applicant) in rows.rows_mut().into_iter().zip(applicants) {
        row.assign(&features(applicant));
    }
    rows
}

/// `n` applicants and whether each repaid (1) or not (0): repayment grows with income, falls
/// with the debt ratio, with noise; about half repay. Drawn from `rng` (rand 0.8, which linfa
/// takes), so a seed repeats the data.
pub fn applicants(n: usize, rng: &mut StdRng) -> Dataset<f64, usize, Ix1> {
    let mut records = Array2::zeros((n, 2));
    let mut targets = Array1::zeros(n);
    for i in 0..n {
        let income: f64 = rng.gen_range(20.0..120.0);
        let debt_ratio: f64 = rng.gen_range(0.0..1.0);
        let noise: f64 = rng.gen_range(-1.5..1.5);
        let logit = 0.08 * (income - 70.0) - 4.0 * (debt_ratio - 0.5) + noise;
        records[[i, 0]] = income;
        records[[i, 1]] = debt_ratio;
        targets[i] = usize::from(logit > 0.0);
    }
    Dataset::new(records, targets)
}

/// A fitted logistic regression, served.
pub struct Approver {
    model: FittedLogisticRegression<f64, usize>,
}

impl Approver {
    /// Fits the model on `train`.
    pub fn fit(train: &Dataset<f64, usize, Ix1>) -> Approver {
        let model = LogisticRegression::default()
            .max_iterations(200)
            .fit(train)
            .expect("two classes in the training data");
        Approver { model }
    }

    /// P(repays) per row. linfa's `predict_probabilities` is the probability of its positive
    /// class, which is the class more frequent in training, not label 1: read as P(label 1)
    /// it is P(default) on every split where defaults are the majority.
    pub fn p_repays(&self, x: &Array2<f64>) -> Array1<f64> {
        let p = self.model.predict_probabilities(x);
        if self.model.labels().pos.class == 1 {
            p
        } else {
            p.mapv(|p| 1.0 - p)
        }
    }

    /// linfa's own reading, for the test that shows what it does to an AUC gate.
    pub fn positive_class_probability(&self, x: &Array2<f64>) -> Array1<f64> {
        self.model.predict_probabilities(x)
    }
}

impl Model for Approver {
    type Input = Array2<f64>;
    type Output = Array1<usize>;

    fn predict(&self, x: &Array2<f64>) -> Result<Array1<usize>, ModelError> {
        if x.ncols() != 2 {
            return Err(ModelError::invalid_input(format!(
                "expected 2 features (income, debt ratio), got {}",
                x.ncols()
            )));
        }
        Ok(self.model.predict(x))
    }
}

/// The production model. Here it is fitted on a fixed sample when loaded; a real service would
/// read its weights. Tests of the service never load it: they mock this loader.
#[model_loader]
pub fn load_approver() -> Result<SharedModel<Array2<f64>, Array1<usize>>, String> {
    let mut rng = StdRng::seed_from_u64(2026);
    let train = applicants(2_000, &mut rng);
    Ok(Arc::new(Approver::fit(&train)))
}

/// The service: one decision per applicant, `true` to approve.
pub fn decide(applicants: &[Applicant]) -> Result<Vec<bool>, String> {
    let model = load_approver()?;
    let labels = model
        .predict(&feature_rows(applicants))
        .map_err(|error| error.to_string())?;
    Ok(labels.iter().map(|&label| label == 1).collect())
}
