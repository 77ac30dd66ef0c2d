//! A prediction service whose `/predict` test never loads the real model.
//!
//! `cargo run --example prediction_service` serves three requests in-process with the real
//! model. `cargo test --example prediction_service` runs its tests: the unit tests mock the
//! model (or give it random weights) and drive the endpoint the way an HTTP test client does;
//! the real-model test is in the `slow` tier (`-- --include-ignored __slow`).

mod model;
mod service;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// Sends `POST /predict` with `body` to the service, in-process; the status and the JSON reply.
pub async fn post_predict(app: Router, body: &str) -> (StatusCode, serde_json::Value) {
    let request = Request::post("/predict")
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .expect("a valid request");
    let response = app.oneshot(request).await.expect("the router answers");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("the body arrives")
        .to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, json)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    for body in [
        r#"{"features": [[5.1, 3.5, 1.4, 0.2], [6.0, 2.9, 4.5, 1.5], [6.9, 3.1, 5.4, 2.1]]}"#,
        r#"{"features": []}"#,
        r#"{"features": [[5.1, 3.5, 1.4]]}"#,
    ] {
        let (status, reply) = post_predict(service::router(), body).await;
        println!("POST /predict {body}\n  -> {status} {reply}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CLASSES, load_classifier};
    use ml_test::ndarray::array;
    use ml_test::prelude::*;
    use serde_json::json;

    async fn post(body: &str) -> (StatusCode, serde_json::Value) {
        post_predict(service::router(), body).await
    }

    /// The story: the endpoint must not load the 2 GB model. The model returns [99]; the test
    /// asserts it was called once, with the request's features as a 1x4 f32 batch.
    #[mock_model(returns = [99])]
    #[tokio::test]
    async fn predict_serves_what_the_model_returns(mock: Mock) {
        let (status, reply) = post(r#"{"features": [[1.0, 2.0, 3.0, 4.0]]}"#).await;
        assert_eq!(status, StatusCode::OK, "{reply}");
        assert_eq!(reply, json!({"predictions": [99]}));
        mock.assert_called_once_with(array![[1.0f32, 2.0, 3.0, 4.0]]);
    }

    #[mock_model(returns = [0])]
    #[tokio::test]
    async fn malformed_json_is_a_400_that_never_reaches_the_model(mock: Mock) {
        let (status, reply) = post(r#"{"features": [[1.0, 2.0"#).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let message = reply["error"].as_str().unwrap();
        assert!(
            message.starts_with("the body must be JSON like {\"features\""),
            "{message}"
        );
        mock.assert_not_called();
    }

    #[mock_model(returns = [0])]
    #[tokio::test]
    async fn an_empty_batch_is_a_422_that_says_what_to_send(mock: Mock) {
        let (status, reply) = post(r#"{"features": []}"#).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            reply["error"],
            "`features` is empty: send at least one row of 4 numbers"
        );
        mock.assert_not_called();
    }

    #[mock_model(returns = [0])]
    #[tokio::test]
    async fn a_short_row_is_a_422_that_names_the_row(mock: Mock) {
        let (status, reply) = post(r#"{"features": [[1, 2, 3, 4], [1, 2, 3]]}"#).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            reply["error"]
                .as_str()
                .unwrap()
                .starts_with("row 1 has 3 numbers; every row needs 4"),
            "{reply}"
        );
        mock.assert_not_called();
    }

    #[mock_model(fails = ModelError::unavailable("GPU out of memory"))]
    #[tokio::test]
    async fn a_failing_model_is_a_503(mock: Mock) {
        let (status, reply) = post(r#"{"features": [[1, 2, 3, 4]]}"#).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(reply["error"], "prediction failed: GPU out of memory");
        assert_eq!(mock.call_count(), 1);
    }

    /// Random weights: the real architecture, no weights file. Each row of a batch of five gets
    /// a valid class, and the one the model gives that row alone: the service keeps the rows
    /// apart and in order.
    #[random_weights(seed = 11, loader = load_classifier)]
    #[tokio::test]
    async fn a_batch_gets_each_rows_own_class() {
        let rows = [
            [5.1f32, 3.5, 1.4, 0.2],
            [5.9, 3.0, 4.2, 1.5],
            [6.7, 3.0, 5.2, 2.3],
            [0.5, 4.0, 0.1, 9.0],
            [9.0, 0.2, 8.5, 0.1],
        ];
        let batch = json!({ "features": rows });
        let (status, reply) = post(&batch.to_string()).await;
        assert_eq!(status, StatusCode::OK, "{reply}");
        let predictions: Vec<i64> = reply["predictions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_i64().unwrap())
            .collect();
        assert_eq!(predictions.len(), 5);
        let model = load_classifier().unwrap();
        for (row, prediction) in rows.iter().zip(&predictions) {
            assert!((0..CLASSES as i64).contains(prediction));
            let alone = model.predict(&array![*row]).unwrap();
            assert_eq!(alone.to_vec(), [*prediction], "row {row:?}");
        }
        // Rows of more than one class, so a service that mixed rows up would be caught.
        assert!(
            predictions.iter().any(|p| *p != predictions[0]),
            "{predictions:?}"
        );
    }

    /// The learned logic is what this tests, so it uses the real model: slow tier.
    #[ml_test(slow)]
    #[tokio::test]
    async fn the_real_model_tells_the_species_apart() {
        let (status, reply) = post(
            r#"{"features": [[5.1, 3.5, 1.4, 0.2], [6.0, 2.9, 4.5, 1.5], [5.7, 2.8, 4.1, 1.3],
                             [6.9, 3.1, 5.4, 2.1], [6.3, 3.3, 6.0, 2.5]]}"#,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{reply}");
        assert_eq!(reply, json!({"predictions": [0, 1, 1, 2, 2]}));
    }
}
