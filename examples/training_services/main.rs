//! The services around training, and how to test each: a model registry client ("register only
//! if the new F1 beats production"), a storage client for training data, and a model served over
//! HTTP behind a loader.
//!
//! Clients passed in by the caller (dependency injection) are trait objects: their tests use
//! mockall, the natural tool for a trait mock. The remote model is reached through a
//! `#[model_loader]`, as production code reaches models: its tests use ml-test's loader mocks,
//! which need no parameter threaded through the code, record the batches the model was given
//! (with shapes and tolerances in the assertions), and fail any unit test that would call the
//! real API.
//!
//! `cargo run --example training_services` runs the nightly job against in-memory services;
//! `cargo test --example training_services` runs its tests.

mod registry;
mod remote;
mod storage;

use ml_test::ndarray::Array1;

/// Why a call to a service failed.
#[derive(Debug, PartialEq)]
pub enum ServiceError {
    /// The service is down or answered with a server error.
    Unavailable(String),
    /// The key, model or file does not exist.
    NotFound(String),
    /// The data is not what it should be.
    Invalid(String),
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServiceError::Unavailable(why) => write!(f, "service unavailable: {why}"),
            ServiceError::NotFound(what) => write!(f, "not found: {what}"),
            ServiceError::Invalid(why) => write!(f, "invalid data: {why}"),
        }
    }
}

/// F1 of the positive class (label 1).
pub fn f1_score(predicted: &Array1<i64>, actual: &Array1<i64>) -> f64 {
    let pairs = || predicted.iter().zip(actual.iter());
    let true_pos = pairs().filter(|(p, a)| **p == 1 && **a == 1).count() as f64;
    let false_pos = pairs().filter(|(p, a)| **p == 1 && **a != 1).count() as f64;
    let false_neg = pairs().filter(|(p, a)| **p != 1 && **a == 1).count() as f64;
    if true_pos == 0.0 {
        return 0.0;
    }
    2.0 * true_pos / (2.0 * true_pos + false_pos + false_neg)
}

/// The nightly job: evaluate the served model on held-out data, then register the candidate
/// if it beats production.
pub fn nightly(
    storage: &dyn storage::Storage,
    registry: &dyn registry::ModelRegistry,
    candidate_version: u32,
) -> Result<registry::Decision, ServiceError> {
    let (features, labels) = storage::load_training_data(storage, "eval/holdout.csv")?;
    let f1 = remote::evaluate_served_model(&features, &labels)?;
    let candidate = registry::ModelCard {
        name: "churn".into(),
        version: candidate_version,
        f1,
    };
    registry::register_if_better(registry, &candidate)
}

fn main() {
    use std::sync::Mutex;

    struct Files;
    impl storage::Storage for Files {
        fn get(&self, key: &str) -> Result<Vec<u8>, ServiceError> {
            match key {
                "eval/holdout.csv" => Ok(b"0.9,0.1,1\n0.2,0.8,0\n0.7,0.3,1\n0.1,0.4,0\n".to_vec()),
                other => Err(ServiceError::NotFound(other.into())),
            }
        }
    }
    struct Registry(Mutex<Vec<registry::ModelCard>>);
    impl registry::ModelRegistry for Registry {
        fn production(&self, name: &str) -> Result<Option<registry::ModelCard>, ServiceError> {
            let cards = self.0.lock().unwrap();
            Ok(cards.iter().rev().find(|card| card.name == name).cloned())
        }
        fn register(&self, card: &registry::ModelCard) -> Result<(), ServiceError> {
            self.0.lock().unwrap().push(card.clone());
            Ok(())
        }
    }
    let server = remote::serve_threshold_model();
    // SAFETY: set before any other thread reads the environment.
    unsafe { std::env::set_var(remote::URL_VAR, &server) };
    let registry = Registry(Mutex::new(vec![registry::ModelCard {
        name: "churn".into(),
        version: 6,
        f1: 0.5,
    }]));
    for version in [7, 8] {
        let decision = nightly(&Files, &registry, version);
        println!("nightly job, candidate v{version}: {decision:?}");
    }
}
