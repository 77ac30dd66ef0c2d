//! A model served over HTTP, reached through a loader like any other model.

use std::sync::Arc;

use axum::Router;
use axum::routing::post;
use ml_test::ndarray::{Array1, Array2, Axis};
use ml_test::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{ServiceError, f1_score};

/// Where the served model is.
pub const URL_VAR: &str = "PREDICTION_API_URL";

#[derive(Serialize, Deserialize)]
struct PredictRequest {
    features: Vec<Vec<f32>>,
}

#[derive(Serialize, Deserialize)]
struct PredictResponse {
    predictions: Vec<i64>,
}

/// A client of a `/predict` HTTP API, as a [`Model`].
pub struct RemoteModel {
    url: String,
}

impl Model for RemoteModel {
    type Input = Array2<f32>;
    type Output = Array1<i64>;

    fn predict(&self, batch: &Array2<f32>) -> Result<Array1<i64>, ModelError> {
        let body = serde_json::to_string(&PredictRequest {
            features: batch.rows().into_iter().map(|row| row.to_vec()).collect(),
        })
        .map_err(|error| ModelError::internal(error.to_string()))?;
        let url = format!("{}/predict", self.url);
        let mut response = ureq::post(&url)
            .header("content-type", "application/json")
            .send(body)
            .map_err(|error| match error {
                ureq::Error::StatusCode(code) => ModelError::unavailable(format!(
                    "the prediction API at {url} answered HTTP {code}"
                )),
                other => ModelError::unavailable(format!("cannot reach {url}: {other}")),
            })?;
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|error| ModelError::unavailable(error.to_string()))?;
        let reply: PredictResponse = serde_json::from_str(&text).map_err(|error| {
            ModelError::internal(format!("the prediction API answered {text:?}: {error}"))
        })?;
        Ok(Array1::from(reply.predictions))
    }
}

/// The production loader: the served model at `$PREDICTION_API_URL`.
#[model_loader]
pub fn remote_model() -> Result<SharedModel<Array2<f32>, Array1<i64>>, ServiceError> {
    let url = std::env::var(URL_VAR).map_err(|_| {
        ServiceError::NotFound(format!(
            "{URL_VAR} is not set; point it at the prediction API"
        ))
    })?;
    Ok(Arc::new(RemoteModel { url }))
}

/// The served model's F1 on a labelled set. It takes no client: it loads the model the way
/// production code does, which is what loader mocks replace.
pub fn evaluate_served_model(
    features: &Array2<f32>,
    labels: &Array1<i64>,
) -> Result<f64, ServiceError> {
    let model = remote_model()?;
    let predicted = model
        .predict(features)
        .map_err(|error| ServiceError::Unavailable(error.to_string()))?;
    Ok(f1_score(&predicted, labels))
}

/// Serves `router` on a loopback port from a background thread; its base URL.
pub fn serve(router: Router) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    listener
        .set_nonblocking(true)
        .expect("a non-blocking listener");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
            axum::serve(listener, router)
                .await
                .expect("the server runs");
        });
    });
    url
}

/// A stand-in for the deployed model: label 1 when the first feature is above 0.5.
pub fn serve_threshold_model() -> String {
    serve(Router::new().route(
        "/predict",
        post(
            |axum::Json(request): axum::Json<PredictRequest>| async move {
                let features = Array2::from_shape_fn(
                    (
                        request.features.len(),
                        request.features.first().map_or(0, Vec::len),
                    ),
                    |(i, j)| request.features[i][j],
                );
                axum::Json(PredictResponse {
                    predictions: features
                        .map_axis(Axis(1), |row| i64::from(row[0] > 0.5))
                        .to_vec(),
                })
            },
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{Decision, MockModelRegistry};
    use crate::storage::MockStorage;
    use axum::http::StatusCode;
    use ml_test::ndarray::array;
    use ml_test::{ModelErrorKind, close};

    fn holdout() -> (Array2<f32>, Array1<i64>) {
        (
            array![[0.9, 0.1], [0.2, 0.8], [0.7, 0.3], [0.6, 0.4]],
            array![1, 0, 1, 0],
        )
    }

    // --- The HTTP client itself, against real servers on loopback.

    #[ml_test(integration)]
    fn the_client_reads_the_apis_predictions() {
        let model = RemoteModel {
            url: serve_threshold_model(),
        };
        assert_eq!(model.predict(&holdout().0).unwrap(), array![1, 0, 1, 1]);
    }

    #[ml_test(integration)]
    fn an_http_500_is_an_unavailable_model() {
        let url = serve(Router::new().route(
            "/predict",
            post(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
        ));
        let error = RemoteModel { url: url.clone() }
            .predict(&holdout().0)
            .unwrap_err();
        assert_eq!(error.kind(), ModelErrorKind::Unavailable);
        assert_eq!(
            error.to_string(),
            format!("the prediction API at {url}/predict answered HTTP 500")
        );
    }

    // --- Code that loads the model itself: ml-test's loader mocks, no client to inject.

    /// The mock plays the served model; the test checks the batch it was sent, to a tolerance.
    #[mock_model(loader = remote_model, returns_fn = |batch| batch.map_axis(Axis(1), |row| i64::from(row[0] > 0.5)))]
    fn the_f1_is_computed_from_the_served_models_answers(api: Mock) {
        let (features, labels) = holdout();
        let f1 = evaluate_served_model(&features, &labels).unwrap();
        assert_close!(f1, 0.8); // predictions [1, 0, 1, 1]: 2 TP, 1 FP
        api.assert_called_once_with(close(&features).atol(1e-6));
    }

    #[mock_model(loader = remote_model, fails = ModelError::unavailable("the prediction API answered HTTP 500"))]
    fn a_failing_api_fails_the_evaluation(api: Mock) {
        let (features, labels) = holdout();
        assert_eq!(
            evaluate_served_model(&features, &labels),
            Err(ServiceError::Unavailable(
                "the prediction API answered HTTP 500".into()
            ))
        );
        assert_eq!(api.call_count(), 1);
    }

    /// Both kinds together: storage and registry injected (mockall), the model from its loader
    /// (ml-test).
    #[mock_model(loader = remote_model, returns = [1, 0, 1, 0], expect_calls = 1)]
    fn the_nightly_job_registers_a_better_model() {
        let mut storage = MockStorage::new();
        storage
            .expect_get()
            .returning(|_| Ok(b"0.9,0.1,1\n0.2,0.8,0\n0.7,0.3,1\n0.1,0.4,0\n".to_vec()));
        let mut registry = MockModelRegistry::new();
        registry.expect_production().returning(|_| {
            Ok(Some(crate::registry::ModelCard {
                name: "churn".into(),
                version: 6,
                f1: 0.8,
            }))
        });
        registry
            .expect_register()
            .withf(|card| card.version == 7 && card.f1 == 1.0)
            .times(1)
            .returning(|_| Ok(()));
        assert_eq!(
            crate::nightly(&storage, &registry, 7),
            Ok(Decision::Registered)
        );
    }

    /// Forgetting the mock does not call the real API from a unit test: the guard fails it.
    #[ml_test]
    #[should_panic(
        expected = "reached the real body of model loader `training_services::remote::remote_model`"
    )]
    fn a_unit_test_cannot_reach_the_served_model() {
        let (features, labels) = holdout();
        let _ = evaluate_served_model(&features, &labels);
    }
}
