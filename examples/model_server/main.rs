//! A model server that speaks the Open Inference Protocol v2 REST API (the protocol of KServe,
//! Triton and MLServer): the iris classifier of `examples/prediction_service`, with the weights
//! shipped in the repo, served at `/v2/models/iris`.
//!
//! ```sh
//! cargo run --example model_server -- --addr 127.0.0.1:8080
//! ML_TEST_ENDPOINT=http://127.0.0.1:8080 cargo test --workspace -- --include-ignored __e2e
//! ```
//!
//! `GET /v2` (server metadata), `GET /v2/health/live`, `GET /v2/health/ready`,
//! `GET /v2/models/iris`, `GET /v2/models/iris/ready` and `POST /v2/models/iris/infer` with a
//! batch of rows (`FP32`, shape `[N, 4]`), answered with one label per row (`INT64`, shape `[N]`).
//! Tensors travel as JSON or with the binary tensor data extension (Triton's clients use it by
//! default), both ways. Every refused request gets a 4xx and `{"error": "..."}` saying what is
//! wrong: a body that is not JSON, another content type or encoding, a body over 1 MiB, an
//! unknown model or route, a wrong shape or datatype, data that does not fill the shape, an empty
//! batch. Each request is logged on stderr; SIGTERM or Ctrl-C shuts the server down after the
//! requests in flight.

#[path = "../prediction_service/model.rs"]
mod model;

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
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
/// The largest request body accepted: about 40 000 rows as JSON.
pub const BODY_LIMIT: usize = 1 << 20;
/// The binary tensor data extension: the JSON part's length, when binary data follows it.
const HEADER_LENGTH: &str = "inference-header-content-length";

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

async fn server_metadata() -> Json<Value> {
    Json(json!({
        "name": "ml-test-example-model-server",
        "version": env!("CARGO_PKG_VERSION"),
        "extensions": ["binary_tensor_data"],
    }))
}

async fn not_found(request: Request) -> Failure {
    Failure(
        StatusCode::NOT_FOUND,
        format!(
            "no route for {} {}: this server answers /v2, /v2/health/{{live,ready}} and \
             /v2/models/{MODEL}[/ready|/infer]",
            request.method(),
            request.uri().path()
        ),
    )
}

async fn method_not_allowed(request: Request) -> Failure {
    Failure(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "{} is not allowed on {}",
            request.method(),
            request.uri().path()
        ),
    )
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

/// The request's one input as an `[N, 4]` batch, or what is wrong with it. `binary` is what
/// follows the JSON with the binary tensor data extension (empty without it).
fn batch(request: &Value, binary: &[u8]) -> Result<Array2<f32>, Failure> {
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
    let data = match input["parameters"]["binary_data_size"].as_u64() {
        // Binary: little-endian FP32, row-major, right after the JSON.
        Some(size) => {
            if size != binary.len() as u64 {
                return Err(bad_request(format!(
                    "input `{INPUT}` has binary_data_size {size}, but {} bytes of binary data \
                     follow the JSON",
                    binary.len()
                )));
            }
            if size % 4 != 0 {
                return Err(bad_request(format!(
                    "binary FP32 data is 4 bytes a value; {size} bytes is not a whole number \
                     of values"
                )));
            }
            binary
                .chunks_exact(4)
                .map(|bytes| f32::from_le_bytes(bytes.try_into().expect("4 bytes")))
                .collect()
        }
        None if !binary.is_empty() => {
            return Err(bad_request(format!(
                "{} bytes of binary data follow the JSON, but input `{INPUT}` has no \
                 binary_data_size parameter",
                binary.len()
            )));
        }
        // The protocol allows the data flat (row-major) or nested as the shape.
        None => {
            let mut data = Vec::new();
            flatten(&input["data"], &mut data)?;
            data
        }
    };
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

/// The body's JSON part and the binary data after it (the binary tensor data extension), or
/// why the body cannot be read.
fn request_parts<'b>(headers: &HeaderMap, body: &'b [u8]) -> Result<(Value, &'b [u8]), Failure> {
    let unsupported = |what: String| Failure(StatusCode::UNSUPPORTED_MEDIA_TYPE, what);
    if let Some(kind) = headers.get(header::CONTENT_TYPE) {
        let kind = kind.to_str().unwrap_or("(not text)");
        let essence = kind.split(';').next().unwrap_or("").trim();
        if !matches!(essence, "application/json" | "application/octet-stream") {
            return Err(unsupported(format!(
                "content type {kind} is not accepted: send application/json, or \
                 application/octet-stream with the binary tensor data extension"
            )));
        }
    }
    if let Some(encoding) = headers.get(header::CONTENT_ENCODING)
        && encoding.as_bytes() != b"identity"
    {
        return Err(unsupported(format!(
            "content encoding {} is not accepted: send the body uncompressed",
            encoding.to_str().unwrap_or("(not text)")
        )));
    }
    let (json, binary) = match headers.get(HEADER_LENGTH) {
        None => (body, &body[body.len()..]),
        Some(length) => {
            let length: usize = length
                .to_str()
                .ok()
                .and_then(|length| length.trim().parse().ok())
                .ok_or_else(|| {
                    bad_request("Inference-Header-Content-Length is not a byte count")
                })?;
            if length > body.len() {
                return Err(bad_request(format!(
                    "Inference-Header-Content-Length is {length}, but the body has {} bytes",
                    body.len()
                )));
            }
            body.split_at(length)
        }
    };
    let request = serde_json::from_slice(json)
        .map_err(|error| bad_request(format!("the body is not JSON: {error}")))?;
    Ok((request, binary))
}

/// Whether the request asks for the output as binary data.
fn binary_output(request: &Value) -> bool {
    let requested = request["outputs"].as_array().and_then(|outputs| {
        outputs
            .iter()
            .find(|output| output["name"] == OUTPUT)
            .and_then(|output| output["parameters"]["binary_data"].as_bool())
    });
    requested.unwrap_or_else(|| {
        request["parameters"]["binary_data_output"]
            .as_bool()
            .unwrap_or(false)
    })
}

async fn infer(
    State(classifier): State<Classifier>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Failure> {
    known(&name)?;
    let body = body.map_err(|rejection| Failure(rejection.status(), rejection.body_text()))?;
    let (request, binary) = request_parts(&headers, &body)?;
    let batch = batch(&request, binary)?;
    let labels = classifier
        .predict(&batch)
        .map_err(|error| Failure(StatusCode::INTERNAL_SERVER_ERROR, error.to_string()))?;
    let binary = binary_output(&request);
    let mut output = json!({ "name": OUTPUT, "datatype": "INT64", "shape": [labels.len()] });
    if binary {
        output["parameters"] = json!({ "binary_data_size": 8 * labels.len() });
    } else {
        output["data"] = json!(labels.to_vec());
    }
    let mut response = json!({ "model_name": MODEL, "outputs": [output] });
    if let Some(id) = request.get("id") {
        response["id"] = id.clone();
    }
    if !binary {
        return Ok(Json(response).into_response());
    }
    let mut body = response.to_string().into_bytes();
    let json_length = body.len();
    body.extend(labels.iter().flat_map(|label| label.to_le_bytes()));
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (
                header::HeaderName::from_static(HEADER_LENGTH),
                json_length.to_string(),
            ),
        ],
        body,
    )
        .into_response())
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
        .route("/v2", get(server_metadata))
        .route("/v2/health/live", get(live))
        .route("/v2/health/ready", get(ready))
        .route("/v2/models/{name}", get(metadata))
        .route("/v2/models/{name}/ready", get(model_ready))
        .route("/v2/models/{name}/infer", post(infer))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
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

#[cfg(test)]
mod tests {
    //! The server in-process, one request at a time: the metadata, both tensor encodings, and
    //! every way a request is refused (a 4xx whose body is `{"error": ...}`, which Triton's
    //! client reports as the server's message).

    use std::sync::Arc;

    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use ml_test::prelude::*;
    use tower::ServiceExt;

    use super::*;

    fn app() -> Router {
        let weights = model::weights_path();
        let classifier = model::LinearClassifier::from_file(&weights).expect("the weights load");
        router(Arc::new(classifier))
    }

    /// The flowers of the three classes, in order, as little-endian FP32 bytes.
    fn flower_bytes() -> Vec<u8> {
        [
            [5.1f32, 3.5, 1.4, 0.2],
            [5.9, 3.0, 4.2, 1.5],
            [6.7, 3.0, 5.2, 2.3],
        ]
        .iter()
        .flatten()
        .flat_map(|v| v.to_le_bytes())
        .collect()
    }

    async fn send(request: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
        let response = app().oneshot(request).await.expect("the router answers");
        let (status, headers) = (response.status(), response.headers().clone());
        let body = response.into_body().collect().await.expect("a body");
        (status, headers, body.to_bytes().to_vec())
    }

    fn post() -> axum::http::request::Builder {
        Request::post(format!("/v2/models/{MODEL}/infer"))
    }

    /// Sends `request` and checks it is refused with `status` and a JSON error saying `reason`.
    async fn refused(request: Request<Body>, status: u16, reason: &str) {
        let (actual, headers, body) = send(request).await;
        let text = String::from_utf8_lossy(&body);
        assert_eq!(actual.as_u16(), status, "{text}");
        assert_eq!(
            headers[header::CONTENT_TYPE],
            "application/json",
            "a client parses the error body as JSON"
        );
        let error: Value =
            serde_json::from_slice(&body).unwrap_or_else(|_| panic!("not JSON: {text}"));
        let message = error["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error: {text}"));
        assert!(message.contains(reason), "{reason:?} not in {message:?}");
    }

    fn json(body: &str) -> Request<Body> {
        post()
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap()
    }

    fn one_input(shape: &str, datatype: &str, data: &str) -> Request<Body> {
        json(&format!(
            r#"{{"inputs": [{{"name": "input-0", "shape": {shape}, "datatype": "{datatype}", "data": {data}}}]}}"#
        ))
    }

    /// A request with the binary tensor data extension: `json`, then `binary`.
    fn binary_request(json: &str, binary: &[u8]) -> Request<Body> {
        let mut body = json.as_bytes().to_vec();
        body.extend_from_slice(binary);
        post()
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .header(HEADER_LENGTH, json.len())
            .body(Body::from(body))
            .unwrap()
    }

    #[ml_test]
    #[tokio::test]
    async fn get_v2_gives_the_server_metadata() {
        let (status, _, body) = send(Request::get("/v2").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        let metadata: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(metadata["name"], "ml-test-example-model-server");
        assert_eq!(metadata["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(metadata["extensions"], json!(["binary_tensor_data"]));
    }

    #[ml_test]
    #[tokio::test]
    async fn binary_tensors_go_both_ways() {
        let header = r#"{"inputs": [{"name": "input-0", "shape": [3, 4], "datatype": "FP32", "parameters": {"binary_data_size": 48}}], "parameters": {"binary_data_output": true}}"#;
        let (status, headers, body) = send(binary_request(header, &flower_bytes())).await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        let length: usize = headers[HEADER_LENGTH].to_str().unwrap().parse().unwrap();
        let (json_part, binary) = body.split_at(length);
        let response: Value = serde_json::from_slice(json_part).unwrap();
        assert_eq!(response["outputs"][0]["parameters"]["binary_data_size"], 24);
        assert_eq!(response["outputs"][0].get("data"), None);
        let labels: Vec<i64> = binary
            .chunks_exact(8)
            .map(|b| i64::from_le_bytes(b.try_into().unwrap()))
            .collect();
        assert_eq!(labels, [0, 1, 2]);
        // Binary in, JSON out when the output asks for it.
        let header = r#"{"inputs": [{"name": "input-0", "shape": [3, 4], "datatype": "FP32", "parameters": {"binary_data_size": 48}}], "outputs": [{"name": "output-0", "parameters": {"binary_data": false}}]}"#;
        let (status, headers, body) = send(binary_request(header, &flower_bytes())).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers.get(HEADER_LENGTH), None);
        let response: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(response["outputs"][0]["data"], json!([0, 1, 2]));
    }

    /// One test per way a request is refused.
    macro_rules! refuses {
        ($($test:ident: $request:expr => $status:literal, $reason:literal;)*) => {$(
            #[ml_test]
            #[tokio::test]
            async fn $test() {
                refused($request, $status, $reason).await;
            }
        )*};
    }

    refuses! {
        malformed_json: json(r#"{"inputs": ["#) => 400, "the body is not JSON";
        a_body_that_is_not_utf8: post()
            .body(Body::from(vec![0xff, 0xfe, 0x00]))
            .unwrap() => 400, "the body is not JSON";
        another_content_type: post()
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from("{}"))
            .unwrap() => 415, "content type text/plain is not accepted";
        a_compressed_body: post()
            .header(header::CONTENT_ENCODING, "gzip")
            .body(Body::from("{}"))
            .unwrap() => 415, "content encoding gzip is not accepted";
        a_body_over_the_limit: json(&" ".repeat(BODY_LIMIT + 1)) => 413, "length limit exceeded";
        an_unknown_model: Request::post("/v2/models/no-such-model/infer")
            .body(Body::from("{}"))
            .unwrap() => 404, "unknown model `no-such-model`";
        an_unknown_route: Request::get("/v2/models/iris/explain")
            .body(Body::empty())
            .unwrap() => 404, "no route for GET /v2/models/iris/explain";
        a_wrong_method: Request::get(format!("/v2/models/{MODEL}/infer"))
            .body(Body::empty())
            .unwrap() => 405, "GET is not allowed on /v2/models/iris/infer";
        a_wrong_shape: one_input("[1, 3]", "FP32", "[1, 2, 3]")
            => 400, "input `input-0` has shape [-1, 4], the request sent [1, 3]";
        a_wrong_datatype: one_input("[1, 4]", "INT64", "[1, 2, 3, 4]")
            => 400, "input `input-0` has datatype FP32, the request sent INT64";
        data_that_does_not_fill_the_shape: one_input("[2, 4]", "FP32", "[1, 2, 3, 4]")
            => 400, "shape [2, 4] needs 8 values, `data` has 4";
        an_empty_batch: one_input("[0, 4]", "FP32", "[]") => 400, "the batch is empty";
        a_header_length_past_the_body: post()
            .header(HEADER_LENGTH, "100")
            .body(Body::from("{}"))
            .unwrap() => 400, "Inference-Header-Content-Length is 100, but the body has 2 bytes";
        binary_data_of_another_size: binary_request(
            r#"{"inputs": [{"name": "input-0", "shape": [3, 4], "datatype": "FP32", "parameters": {"binary_data_size": 48}}]}"#,
            &flower_bytes()[..40],
        ) => 400, "has binary_data_size 48, but 40 bytes of binary data follow the JSON";
        binary_data_no_input_claims: binary_request(
            r#"{"inputs": [{"name": "input-0", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]}"#,
            &[0; 16],
        ) => 400, "16 bytes of binary data follow the JSON, but input `input-0` has no binary_data_size";
    }
}
