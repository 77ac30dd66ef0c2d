//! The HTTP service: `POST /predict` with `{"features": [[..4 numbers..], ..]}` answers
//! `{"predictions": [..]}`, one species index per row.

use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use ml_test::ModelErrorKind;
use ml_test::ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::model::{FEATURES, load_classifier};

/// The request body.
#[derive(Deserialize)]
pub struct PredictRequest {
    /// One row of measurements per flower.
    pub features: Vec<Vec<f32>>,
}

/// The response body.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct PredictResponse {
    /// One class index per row.
    pub predictions: Vec<i64>,
}

/// An error response: `{"error": ".."}`.
#[derive(Serialize, Deserialize, Debug)]
pub struct ErrorBody {
    /// What went wrong and how to send a good request.
    pub error: String,
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        Json(ErrorBody {
            error: message.into(),
        }),
    )
        .into_response()
}

/// The service's routes.
pub fn router() -> Router {
    Router::new().route("/predict", post(predict))
}

async fn predict(body: Result<Json<PredictRequest>, JsonRejection>) -> Response {
    let Json(request) = match body {
        Ok(body) => body,
        Err(rejection) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!(
                    "the body must be JSON like {{\"features\": [[5.1, 3.5, 1.4, 0.2]]}}: {}",
                    rejection.body_text()
                ),
            );
        }
    };
    let batch = match to_batch(&request.features) {
        Ok(batch) => batch,
        Err(message) => return error(StatusCode::UNPROCESSABLE_ENTITY, message),
    };
    let model = match load_classifier() {
        Ok(model) => model,
        Err(load_error) => {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the model is not available: {load_error}"),
            );
        }
    };
    match model.predict(&batch) {
        Ok(labels) => Json(PredictResponse {
            predictions: labels.to_vec(),
        })
        .into_response(),
        Err(model_error) => {
            let status = match model_error.kind() {
                ModelErrorKind::InvalidInput => StatusCode::UNPROCESSABLE_ENTITY,
                ModelErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            error(status, format!("prediction failed: {model_error}"))
        }
    }
}

/// The rows as a batch, or what is wrong with them.
fn to_batch(rows: &[Vec<f32>]) -> Result<Array2<f32>, String> {
    if rows.is_empty() {
        return Err(format!(
            "`features` is empty: send at least one row of {FEATURES} numbers"
        ));
    }
    if let Some((i, row)) = rows
        .iter()
        .enumerate()
        .find(|(_, row)| row.len() != FEATURES)
    {
        return Err(format!(
            "row {i} has {} numbers; every row needs {FEATURES} \
             (sepal length, sepal width, petal length, petal width)",
            row.len()
        ));
    }
    let flat: Vec<f32> = rows.iter().flatten().copied().collect();
    Array2::from_shape_vec((rows.len(), FEATURES), flat).map_err(|e| e.to_string())
}
