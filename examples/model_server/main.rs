//! A model server that speaks the Open Inference Protocol v2 REST API (the protocol of KServe,
//! Triton and MLServer): the iris classifier of `examples/prediction_service`, with the weights
//! shipped in the repo, served at `/v2/models/iris`.
//!
//! ```sh
//! cargo run --example model_server -- --addr 127.0.0.1:8080
//! ML_TEST_ENDPOINT=http://127.0.0.1:8080 cargo test --workspace -- --include-ignored __e2e
//! ```
//!
//! `GET /v2/health/live`, `GET /v2/health/ready`, `GET /v2/models/iris`, `GET /v2/models/iris/ready`
//! and `POST /v2/models/iris/infer` with a batch of rows (`FP32`, shape `[N, 4]`), answered with
//! one label per row (`INT64`, shape `[N]`). Malformed JSON, a wrong shape or datatype, an empty
//! batch and an unknown model get a 4xx and `{"error": "..."}` saying what is wrong. Each request
//! is logged on stderr; SIGTERM or Ctrl-C shuts the server down after the requests in flight.

#[path = "../prediction_service/model.rs"]
mod model;

use std::time::Instant;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ml_test::ndarray::Array2;
use ml_test::prelude::*;
use serde_json::{Value, json};

/// The name the model is served under.
pub const MODEL: &str = "iris";
const INPUT: &str = "input-0";
const OUTPUT: &str = "output-0";

type Classifier = SharedModel<Array2<f32>, ml_test::ndarray::Array1<i64>>;

/// A 4xx or 5xx answer with the protocol's error body.
struct Failure(StatusCode, String);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

fn bad_request(message: impl Into<String>) -> Failure {
    Failure(StatusCode::BAD_REQUEST, message.into())
}

fn known(name: &str) -> Result<(), Failure> {
    if name == MODEL {
        Ok(())
    } else {
        Err(Failure(
            StatusCode::NOT_FOUND,
            format!("unknown model `{name}`; this server serves `{MODEL}`"),
        ))
    }
}

async fn live() -> Json<Value> {
    Json(json!({ "live": true }))
}

async fn ready() -> Json<Value> {
    Json(json!({ "ready": true }))
}

async fn model_ready(Path(name): Path<String>) -> Result<Json<Value>, Failure> {
    known(&name)?;
    Ok(Json(json!({ "name": name, "ready": true })))
}

async fn metadata(Path(name): Path<String>) -> Result<Json<Value>, Failure> {
    known(&name)?;
    Ok(Json(json!({
        "name": MODEL,
        "versions": ["1"],
        "platform": "ml-test-example",
        "inputs": [{ "name": INPUT, "datatype": "FP32", "shape": [-1, model::FEATURES] }],
        "outputs": [{ "name": OUTPUT, "datatype": "INT64", "shape": [-1] }],
    })))
}

/// The request's one input as an `[N, 4]` batch, or what is wrong with it.
fn batch(request: &Value) -> Result<Array2<f32>, Failure> {
    let inputs = request["inputs"]
        .as_array()
        .ok_or_else(|| bad_request("the request has no `inputs` list"))?;
    let [input] = inputs.as_slice() else {
        return Err(bad_request(format!(
            "the model takes one input (`{INPUT}`), the request has {}",
            inputs.len()
        )));
    };
    let datatype = input["datatype"].as_str().unwrap_or("(none)");
    if datatype != "FP32" {
        return Err(bad_request(format!(
            "input `{INPUT}` has datatype FP32, the request sent {datatype}"
        )));
    }
    let shape: Vec<u64> = input["shape"]
        .as_array()
        .and_then(|shape| shape.iter().map(Value::as_u64).collect())
        .ok_or_else(|| bad_request("the input's `shape` is not a list of sizes"))?;
    let [rows, columns] = shape[..] else {
        return Err(bad_request(format!(
            "input `{INPUT}` has shape [-1, {}], the request sent {shape:?}",
            model::FEATURES
        )));
    };
    if columns != model::FEATURES as u64 {
        return Err(bad_request(format!(
            "input `{INPUT}` has shape [-1, {}], the request sent {shape:?}",
            model::FEATURES
        )));
    }
    if rows == 0 {
        return Err(bad_request("the batch is empty: send at least one row"));
    }
    // The protocol allows the data flat (row-major) or nested as the shape.
    let mut data = Vec::new();
    flatten(&input["data"], &mut data)?;
    if data.len() as u64 != rows * columns {
        return Err(bad_request(format!(
            "shape {shape:?} needs {} values, `data` has {}",
            rows * columns,
            data.len()
        )));
    }
    Array2::from_shape_vec((rows as usize, columns as usize), data)
        .map_err(|error| bad_request(error.to_string()))
}

fn flatten(value: &Value, into: &mut Vec<f32>) -> Result<(), Failure> {
    match value {
        Value::Array(items) => items.iter().try_for_each(|item| flatten(item, into)),
        Value::Number(number) => {
            into.push(number.as_f64().unwrap_or(f64::NAN) as f32);
            Ok(())
        }
        other => Err(bad_request(format!("`data` holds numbers, found {other}"))),
    }
}

async fn infer(
    State(classifier): State<Classifier>,
    Path(name): Path<String>,
    body: String,
) -> Result<Json<Value>, Failure> {
    known(&name)?;
    let request: Value = serde_json::from_str(&body)
        .map_err(|error| bad_request(format!("the body is not JSON: {error}")))?;
    let batch = batch(&request)?;
    let labels = classifier
        .predict(&batch)
        .map_err(|error| Failure(StatusCode::INTERNAL_SERVER_ERROR, error.to_string()))?;
    let mut response = json!({
        "model_name": MODEL,
        "outputs": [{
            "name": OUTPUT,
            "datatype": "INT64",
            "shape": [labels.len()],
            "data": labels.to_vec(),
        }],
    });
    if let Some(id) = request.get("id") {
        response["id"] = id.clone();
    }
    Ok(Json(response))
}

/// One line per request on stderr: method, path, status, time taken.
async fn log(request: Request, next: Next) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    eprintln!(
        "model_server: {method} {path} -> {} in {:.2?}",
        response.status().as_u16(),
        started.elapsed()
    );
    response
}

pub fn router(classifier: Classifier) -> Router {
    Router::new()
        .route("/v2/health/live", get(live))
        .route("/v2/health/ready", get(ready))
        .route("/v2/models/{name}", get(metadata))
        .route("/v2/models/{name}/ready", get(model_ready))
        .route("/v2/models/{name}/infer", post(infer))
        .layer(middleware::from_fn(log))
        .with_state(classifier)
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    eprintln!("model_server: shutting down");
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut addr = String::from("127.0.0.1:8080");
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--addr", Some(value)) => addr = value,
            _ => {
                eprintln!("usage: model_server [--addr HOST:PORT]   (default 127.0.0.1:8080)");
                std::process::exit(2);
            }
        }
    }
    let classifier = match model::load_classifier() {
        Ok(classifier) => classifier,
        Err(error) => {
            eprintln!("model_server: cannot load the model: {error}");
            std::process::exit(1);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let listener = match tokio::net::TcpListener::bind(&addr).await {
            Ok(listener) => listener,
            Err(error) => {
                eprintln!("model_server: cannot listen on {addr}: {error}");
                std::process::exit(1);
            }
        };
        eprintln!("model_server: serving `{MODEL}` on http://{addr} (Open Inference Protocol v2)");
        axum::serve(listener, router(classifier))
            .with_graceful_shutdown(shutdown())
            .await
            .expect("the server runs");
    });
}
