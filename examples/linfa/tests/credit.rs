//! The credit service's tests, in every tier, on linfa's own arrays (ndarray 0.16): no test
//! converts an array for ml-test.

use linfa::prelude::*;
use linfa_trees::DecisionTree;
use ml_test::behaviour::assert_batch_invariant;
use ml_test::data::assert_disjoint;
use ml_test::prelude::*;
use ml_test_example_linfa::{Applicant, Approver, applicants, decide, feature_rows, load_approver};
use ndarray::{Array1, Ix1, array};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn applicant(name: &str, income: f64, debt_ratio: f64) -> Applicant {
    Applicant {
        name: name.to_owned(),
        income,
        debt_ratio,
    }
}

/// A generator for linfa (rand 0.8), seeded from the running test: a failure replays with its
/// seed, and each run of a sweep draws other data.
fn rng() -> StdRng {
    StdRng::seed_from_u64(ml_test::seed())
}

/// This run's data, shuffled and split 80/20.
fn split() -> (Dataset<f64, usize, Ix1>, Dataset<f64, usize, Ix1>) {
    let mut rng = rng();
    applicants(400, &mut rng)
        .shuffle(&mut rng)
        .split_with_ratio(0.8)
}

// Unit: the service, with the model mocked. It never fits or loads the real model.

#[mock_model(returns = [1, 0])]
fn decisions_come_from_one_call_of_the_model(mock: Mock) {
    let decisions = decide(&[applicant("Ada", 95.0, 0.2), applicant("Bo", 30.0, 0.9)]);
    assert_eq!(decisions, Ok(vec![true, false]));
    // The request's features, as the model got them, compared with a linfa-side array.
    mock.assert_called_once_with(array![[95.0, 0.2], [30.0, 0.9]]);
}

#[mock_model(loader = load_approver, fails = ModelError::unavailable("model server down"))]
fn a_failing_model_fails_the_request(mock: Mock) {
    let decisions = decide(&[applicant("Ada", 95.0, 0.2)]);
    assert_eq!(decisions, Err("model server down".to_owned()));
    assert_eq!(mock.call_count(), 1);
}

// Integration: what the fitted model learned.

#[ml_test(integration)]
fn the_model_learned_what_repayment_depends_on() {
    let (train, _) = split();
    let model = Approver::fit(&train);
    let p_repays = |a: &Applicant| model.p_repays(&feature_rows(std::slice::from_ref(a)))[0];
    let typical = applicant("Ada", 70.0, 0.5);
    behaviour("credit approval", p_repays)
        .invariant("the name does not matter", &typical, |a| {
            a.name = "Bo".into()
        })
        .increases("a higher income", &typical, |a| a.income += 20.0)
        .decreases("a higher debt ratio", &typical, |a| a.debt_ratio += 0.3)
        .expect(
            "high income, low debt repays",
            &applicant("Cy", 115.0, 0.05),
            |p| p > 0.9,
        )
        .expect(
            "low income, high debt does not",
            &applicant("Di", 22.0, 0.95),
            |p| p < 0.1,
        )
        .check();
}

// Slow: evaluation gates on ten splits, and what linfa's probabilities do to them.

#[ml_test(slow, seeds = 10)]
fn the_model_passes_its_gates_on_every_split() {
    let (train, test) = split();
    // No applicant is in both splits (rows compared by their exact values).
    let key = |row: &ndarray::ArrayView1<f64>| row.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_disjoint(train.records().rows(), test.records().rows(), key);
    let model = Approver::fit(&train);
    let predicted = model.predict(test.records()).unwrap();
    let p_repays = model.p_repays(test.records());
    gates("credit approval")
        .at_least(
            "accuracy",
            metrics::accuracy(test.targets(), &predicted),
            0.8,
        )
        .at_least("roc_auc", metrics::roc_auc(test.targets(), &p_repays), 0.88)
        .at_most(
            "log_loss",
            metrics::log_loss(test.targets(), &p_repays),
            0.45,
        )
        .check();
    assert_batch_invariant(&model, &test.records().to_owned());
}

/// linfa's `predict_probabilities` is P(the class more frequent in training), not P(label 1).
/// Read as P(label 1), the AUC gate holds on the splits where repayers are the majority and
/// fails on the others: one split could pass either way, the sweep catches it.
#[ml_test(slow, seeds = 10)]
#[should_panic(expected = "5 of 10 seeds passed (50%)")]
fn linfas_probability_read_as_p_of_label_1_fails_the_sweep() {
    let (train, test) = split();
    let model = Approver::fit(&train);
    let naive = model.positive_class_probability(test.records());
    gates("credit approval, P read as P(label 1)")
        .at_least("roc_auc", metrics::roc_auc(test.targets(), &naive), 0.88)
        .check();
}

/// A decision tree on a tiny batch, by depth: predictions are linfa's `Array1<usize>`.
struct Tree {
    batch: Dataset<f64, usize, Ix1>,
}

impl Fitter for Tree {
    type Predictions = Array1<usize>;

    fn fit(&mut self, depth: usize) -> Array1<usize> {
        DecisionTree::params()
            .max_depth(Some(depth))
            .fit(&self.batch)
            .expect("a valid tree")
            .predict(self.batch.records())
    }

    fn error(&self, predictions: &Array1<usize>) -> f64 {
        1.0 - metrics::accuracy(self.batch.targets(), predictions)
    }
}

/// Deep enough, a tree fits 16 noisy applicants exactly, and depth never hurts the fit.
#[overfit_check(capacity = 1..=8)]
fn decision_tree() -> Tree {
    Tree {
        batch: applicants(16, &mut rng()),
    }
}
