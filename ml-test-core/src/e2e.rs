//! Post-deployment tests: a client for the Open Inference Protocol v2 REST API (the protocol of
//! KServe, Triton and MLServer), the deployment a test reaches, and a helper that starts a server
//! process for tests that bring their own.
//!
//! ```no_run
//! use ml_test::e2e;
//! use ndarray::array;
//!
//! // ML_TEST_ENDPOINT=http://127.0.0.1:8080 (the base URL of the deployed server)
//! let client = e2e::client();
//! assert!(client.ready());
//! let labels = client.infer("iris", &array![[5.1f32, 3.5, 1.4, 0.2]]);
//! assert_eq!(labels.into_raw_vec_and_offset().0, [0.0]);
//! ```
//!
//! [`client`] reads the deployment's settings from the environment, so one test binary runs
//! against any deployment:
//!
//! | variable | what |
//! |---|---|
//! | `ML_TEST_ENDPOINT` | the base URL (`https://` needs the `e2e-tls` feature) |
//! | `ML_TEST_TOKEN` | sent as `Authorization: Bearer <token>`; never printed |
//! | `ML_TEST_HEADERS` | more headers, `Name: value` pairs split by `;` (`Host: iris.default.example.com`) |
//! | `ML_TEST_TIMEOUT` | how long a request may take, humantime's grammar (`30s`, the default) |
//! | `ML_TEST_CA_CERT` | a PEM file of certificates to trust (a private CA, a self-signed server; `e2e-tls`) |
//!
//! [`Client::new`] and its `with_*` methods set the same in code.
//!
//! A test of the `e2e` tier must reach a deployment: [`endpoint`] (or [`client`]) panics naming
//! `ML_TEST_ENDPOINT` when it is unset, and a test that no deployment answered (through a
//! [`Client`] or a [`Server`] it started; any HTTP answer counts, an error status included) fails
//! when it ends, naming the URL it tried. Reading the variable is not reaching the deployment: a
//! post-deployment test never passes without the deployment.

use std::fmt;
use std::io::Read as _;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ndarray::{ArrayD, IxDyn};
use serde_json::{Value, json};

use crate::context;
use crate::numeric::{Dtype, Numbers, Numeric};

pub use crate::prerequisites::ENDPOINT_VAR;

/// The bearer token [`client`] sends (`Authorization: Bearer <token>`).
pub const TOKEN_VAR: &str = "ML_TEST_TOKEN";
/// More headers for [`client`]: `Name: value` pairs split by `;`.
pub const HEADERS_VAR: &str = "ML_TEST_HEADERS";
/// The request timeout of [`client`], in humantime's grammar (`30s`, `500ms`).
pub const TIMEOUT_VAR: &str = "ML_TEST_TIMEOUT";
/// A PEM file of certificates [`client`] trusts, beside the usual roots (feature `e2e-tls`).
pub const CA_CERT_VAR: &str = "ML_TEST_CA_CERT";

/// How long a request may take unless [`TIMEOUT_VAR`] or [`Client::with_timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The base URL in `ML_TEST_ENDPOINT`, without a trailing `/`.
///
/// # Panics
/// When the variable is unset or blank, naming it and what to set.
pub fn endpoint() -> String {
    match std::env::var(ENDPOINT_VAR) {
        Ok(url) if !url.trim().is_empty() => url.trim().trim_end_matches('/').to_owned(),
        _ => panic!(
            "{ENDPOINT_VAR} is not set: a post-deployment test needs the base URL of the deployed \
             model server, e.g. {ENDPOINT_VAR}=http://127.0.0.1:8080 (KServe, Triton, MLServer or \
             any server speaking the Open Inference Protocol v2), or a server the test starts \
             with ml_test::e2e::Server"
        ),
    }
}

/// A client of the deployment in `ML_TEST_ENDPOINT`, with the token, headers, timeout and
/// certificates of the other variables (see the [module docs](self)).
///
/// # Panics
/// When `ML_TEST_ENDPOINT` is unset, or a variable's value is not valid: the message names the
/// variable and what it takes.
pub fn client() -> Client {
    client_from(&endpoint(), |name| std::env::var(name).ok())
}

/// [`client`], with the variables read through `var`.
fn client_from(endpoint: &str, var: impl Fn(&str) -> Option<String>) -> Client {
    let var = |name: &str| var(name).filter(|value| !value.trim().is_empty());
    let mut client = Client::new(endpoint);
    if let Some(token) = var(TOKEN_VAR) {
        client = client.with_bearer_token(token.trim());
    }
    if let Some(headers) = var(HEADERS_VAR) {
        for pair in headers.split(';').filter(|pair| !pair.trim().is_empty()) {
            let Some((name, value)) = pair.split_once(':') else {
                panic!(
                    "{HEADERS_VAR}: `{}` is not a header; write `Name: value` pairs split by `;`, \
                     e.g. {HEADERS_VAR}=\"Host: iris.default.example.com; X-Team: ml\"",
                    pair.trim()
                );
            };
            client = client.with_header(name.trim(), value.trim());
        }
    }
    if let Some(timeout) = var(TIMEOUT_VAR) {
        let parsed = humantime::parse_duration(timeout.trim()).unwrap_or_else(|error| {
            panic!(
                "{TIMEOUT_VAR}={timeout:?} is not a duration ({error}); write one as humantime \
                 does: 30s, 500ms, 2m"
            )
        });
        client = client.with_timeout(parsed);
    }
    if let Some(path) = var(CA_CERT_VAR) {
        client = with_ca_file(client, path.trim());
    }
    client
}

#[cfg(feature = "e2e-tls")]
fn with_ca_file(client: Client, path: &str) -> Client {
    let pem = std::fs::read(path).unwrap_or_else(|error| {
        panic!("{CA_CERT_VAR}={path:?} cannot be read: {error}; give the path of a PEM file")
    });
    client.with_root_certificates(&pem)
}

#[cfg(not(feature = "e2e-tls"))]
fn with_ca_file(_: Client, path: &str) -> Client {
    panic!(
        "{CA_CERT_VAR}={path:?} is set, but this build of ml-test has no TLS: turn on its \
         `e2e-tls` feature"
    )
}

/// A failed request: the HTTP status (none when no answer came) and what the server said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The HTTP status of the answer, or `None` when the server could not be reached.
    pub status: Option<u16>,
    /// The server's error text (the protocol's `{"error": ...}`), or why there was no answer.
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => write!(f, "HTTP {status}: {}", self.message),
            None => write!(f, "no answer: {}", self.message),
        }
    }
}

impl std::error::Error for Error {}

/// A tensor a model takes or gives, as its metadata describes it (`-1` for a variable size).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorSpec {
    /// The tensor's name, which requests and responses use.
    pub name: String,
    /// The protocol's element type: `FP32`, `INT64`, `BOOL`, ...
    pub datatype: String,
    /// The shape, `-1` where a dimension varies (the batch).
    pub shape: Vec<i64>,
}

/// What `GET /v2/models/{name}` says about a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelMetadata {
    /// The model's name as the server knows it.
    pub name: String,
    /// The tensors the model takes, in order.
    pub inputs: Vec<TensorSpec>,
    /// The tensors the model gives, in order.
    pub outputs: Vec<TensorSpec>,
}

/// A client of one server, by its base URL (`http://host:port`, or `https://` with the
/// `e2e-tls` feature). Its `Debug` output never shows a token.
#[derive(Clone)]
pub struct Client {
    base: String,
    agent: ureq::Agent,
    /// Sent with every request; an `Authorization` value is never printed.
    headers: Vec<(ureq::http::HeaderName, ureq::http::HeaderValue)>,
    timeout: Duration,
    /// Certificates trusted beside the usual roots.
    #[cfg(feature = "e2e-tls")]
    roots: Vec<ureq::tls::Certificate<'static>>,
    /// Each model's first input name, from its metadata: asked once per model, not per `infer`,
    /// so a latency measured over `infer` is the inference's.
    input_names: Arc<std::sync::Mutex<std::collections::HashMap<String, String>>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<String> = self
            .headers
            .iter()
            .map(|(name, value)| match name {
                &ureq::http::header::AUTHORIZATION => format!("{name}: <redacted>"),
                _ => format!("{name}: {}", value.to_str().unwrap_or("<not text>")),
            })
            .collect();
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("headers", &headers)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client of the server at `base_url`, with no extra headers and the default timeout.
    ///
    /// # Panics
    /// On an `https://` URL when ml-test is built without its `e2e-tls` feature.
    pub fn new(base_url: &str) -> Client {
        let base = base_url.trim().trim_end_matches('/').to_owned();
        if cfg!(not(feature = "e2e-tls")) && base.starts_with("https://") {
            panic!(
                "{base} is an https:// URL, and this build of ml-test has no TLS: turn on its \
                 `e2e-tls` feature (`ml-test = {{ .., features = [\"testing\", \"e2e-tls\"] }}`)"
            );
        }
        Client {
            base,
            agent: ureq::Agent::new_with_defaults(),
            headers: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            #[cfg(feature = "e2e-tls")]
            roots: Vec::new(),
            input_names: Arc::default(),
        }
        .rebuilt()
    }

    /// The agent for the current settings.
    fn rebuilt(mut self) -> Client {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(self.timeout));
        #[cfg(feature = "e2e-tls")]
        let config = {
            use ureq::tls::{RootCerts, TlsConfig};
            let roots = if self.roots.is_empty() {
                RootCerts::WebPki
            } else {
                RootCerts::new_with_certs(&self.roots)
            };
            config.tls_config(TlsConfig::builder().root_certs(roots).build())
        };
        self.agent = config.build().new_agent();
        self
    }

    /// Sends `name: value` with every request (a `Host` for an ingress that routes by it, an
    /// API key). A header set twice keeps the last value.
    ///
    /// # Panics
    /// When `name` or `value` is not a valid HTTP header name or value.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Client {
        let name = ureq::http::HeaderName::from_bytes(name.as_bytes())
            .unwrap_or_else(|_| panic!("`{name}` is not a valid HTTP header name"));
        let value = ureq::http::HeaderValue::from_str(value).unwrap_or_else(|_| {
            panic!("the value given for header `{name}` is not a valid HTTP header value")
        });
        self.headers.retain(|(existing, _)| *existing != name);
        self.headers.push((name, value));
        self
    }

    /// Sends `Authorization: Bearer <token>` with every request. The token is never printed:
    /// not by `Debug`, not in an error.
    ///
    /// # Panics
    /// When the token holds characters a header cannot carry (a newline).
    #[must_use]
    pub fn with_bearer_token(mut self, token: &str) -> Client {
        let mut value = ureq::http::HeaderValue::from_str(&format!("Bearer {token}"))
            .unwrap_or_else(|_| panic!("the bearer token holds characters a header cannot carry"));
        value.set_sensitive(true);
        let name = ureq::http::header::AUTHORIZATION;
        self.headers.retain(|(existing, _)| *existing != name);
        self.headers.push((name, value));
        self
    }

    /// How long one request may take, connecting included ([`DEFAULT_TIMEOUT`] unless set).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Client {
        self.timeout = timeout;
        self.rebuilt()
    }

    /// Trusts the certificates in `pem` (a private CA, or a self-signed server's own
    /// certificate) beside the usual web roots.
    ///
    /// # Panics
    /// When `pem` holds no PEM certificate.
    #[cfg(feature = "e2e-tls")]
    #[must_use]
    pub fn with_root_certificates(mut self, pem: &[u8]) -> Client {
        let certificates: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(certificate)) => Some(certificate),
                _ => None,
            })
            .collect();
        assert!(
            !certificates.is_empty(),
            "no PEM certificate (-----BEGIN CERTIFICATE-----) in the root certificates given"
        );
        self.roots.extend(certificates);
        self.rebuilt()
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn with_headers<B>(&self, mut request: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        request
    }

    fn get(&self, path: &str) -> Result<Value, Error> {
        let url = format!("{}{path}", self.base);
        let started = std::time::Instant::now();
        let response = self.with_headers(self.agent.get(&url)).call();
        let answer = self.answered(&url, response).and_then(answer);
        record_request("GET", &url, started, &answer);
        answer
    }

    fn post(&self, path: &str, body: &str) -> Result<Value, Error> {
        let url = format!("{}{path}", self.base);
        let started = std::time::Instant::now();
        let response = self
            .with_headers(self.agent.post(&url))
            .header("content-type", "application/json")
            .send(body);
        let answer = self.answered(&url, response).and_then(answer);
        record_request("POST", &url, started, &answer);
        answer
    }

    /// Records for the running test whether the deployment answered the request to `url` (any
    /// HTTP status is an answer), and turns a failure to reach it into an [`Error`].
    fn answered(
        &self,
        url: &str,
        response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<ureq::http::Response<ureq::Body>, Error> {
        match response {
            Ok(response) => {
                context::reached_deployment();
                Ok(response)
            }
            Err(error) => {
                context::unanswered(format!("at {url}: {error}"));
                Err(Error {
                    status: None,
                    message: format!(
                        "cannot reach {}: {error} (is the server running, and is {ENDPOINT_VAR} its base URL?)",
                        self.base
                    ),
                })
            }
        }
    }

    /// `GET /v2/health/live` answered 200.
    pub fn live(&self) -> bool {
        self.get("/v2/health/live").is_ok()
    }

    /// `GET /v2/health/ready` answered 200.
    pub fn ready(&self) -> bool {
        self.get("/v2/health/ready").is_ok()
    }

    /// `GET /v2/models/{name}/ready` answered 200.
    pub fn model_ready(&self, name: &str) -> bool {
        self.get(&format!("/v2/models/{name}/ready")).is_ok()
    }

    /// `GET /v2/models/{name}`: the model's inputs and outputs.
    pub fn metadata(&self, name: &str) -> Result<ModelMetadata, Error> {
        let body = self.get(&format!("/v2/models/{name}"))?;
        let specs = |key: &str| -> Vec<TensorSpec> {
            body[key]
                .as_array()
                .map(|specs| {
                    specs
                        .iter()
                        .map(|spec| TensorSpec {
                            name: spec["name"].as_str().unwrap_or_default().to_owned(),
                            datatype: spec["datatype"].as_str().unwrap_or_default().to_owned(),
                            shape: spec["shape"]
                                .as_array()
                                .map(|shape| shape.iter().filter_map(Value::as_i64).collect())
                                .unwrap_or_default(),
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        Ok(ModelMetadata {
            name: body["name"].as_str().unwrap_or(name).to_owned(),
            inputs: specs("inputs"),
            outputs: specs("outputs"),
        })
    }

    /// Sends `x` (any numeric value: an ndarray, a nested `Vec`, a tensor) as the model's
    /// first input (named from its metadata) and returns the first output, in the shape the
    /// server gives. A test helper: it panics on failure; [`try_infer`](Self::try_infer) returns
    /// the failure instead.
    ///
    /// # Panics
    /// When the request fails, with the status and the server's error text.
    #[track_caller]
    pub fn infer<T: Numeric>(&self, name: &str, x: &T) -> ArrayD<f64> {
        self.try_infer(name, x).unwrap_or_else(|error| {
            panic!("inference on `{name}` at {} failed: {error}", self.base)
        })
    }

    /// [`infer`](Self::infer), with a failure as an [`Error`] (its status, and the server's
    /// text): to test how a deployment refuses a request, or to retry.
    ///
    /// # Errors
    /// When the server cannot be reached, answers with an error status, or sends no output.
    pub fn try_infer<T: Numeric>(&self, name: &str, x: &T) -> Result<ArrayD<f64>, Error> {
        let input = self.first_input(name)?;
        let response = self.infer_request(name).input(&input, x).send()?;
        response
            .outputs
            .into_iter()
            .next()
            .map(|(_, array)| array)
            .ok_or(Error {
                status: Some(200),
                message: "the response has no output".into(),
            })
    }

    /// The name of `model`'s first input, from its metadata (`input-0` if it lists none).
    fn first_input(&self, model: &str) -> Result<String, Error> {
        let known = |names: &std::collections::HashMap<String, String>| names.get(model).cloned();
        let lock = || crate::sync::lock(&self.input_names);
        if let Some(name) = known(&lock()) {
            return Ok(name);
        }
        let metadata = self.metadata(model)?;
        let name = metadata
            .inputs
            .first()
            .map_or_else(|| "input-0".to_owned(), |spec| spec.name.clone());
        lock().insert(model.to_owned(), name.clone());
        Ok(name)
    }

    /// A request with several named inputs, chosen outputs, or a raw body.
    pub fn infer_request(&self, name: &str) -> InferRequest<'_> {
        InferRequest {
            client: self,
            model: name.to_owned(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            raw: None,
        }
    }
}

/// The JSON of a 2xx answer, or the error the server gave.
/// Adds a request of the running test to its run report: what it asked for, the status and how
/// long the answer took.
fn record_request(
    method: &str,
    url: &str,
    started: std::time::Instant,
    answer: &Result<Value, Error>,
) {
    if !crate::report::enabled() {
        return;
    }
    use crate::report::html_escape;
    let elapsed = started.elapsed();
    let (class, status) = match answer {
        Ok(_) => ("passed", "200".to_owned()),
        Err(Error {
            status: Some(status),
            message,
        }) => ("failed", format!("{status}: {}", html_escape(message))),
        Err(Error {
            status: None,
            message,
        }) => ("failed", format!("no answer: {}", html_escape(message))),
    };
    crate::report::extend_table(
        crate::report::Section {
            kind: "e2e",
            title: "requests to the deployment".to_owned(),
            html: "<table><thead><tr><th>request</th><th>status</th><th>latency</th></tr></thead><tbody></tbody></table>".to_owned(),
            passed: true,
            evidence: Vec::new(),
            shared: None,
        },
        class,
        &format!(
            "<td><code>{method} {}</code></td><td>{status}</td><td>{}</td>",
            html_escape(url),
            crate::latency::human(elapsed)
        ),
    );
}

fn answer(mut response: ureq::http::Response<ureq::Body>) -> Result<Value, Error> {
    let status = response.status().as_u16();
    let mut text = String::new();
    let read = response.body_mut().as_reader().read_to_string(&mut text);
    if let Err(error) = read {
        return Err(Error {
            status: Some(status),
            message: format!("the body could not be read: {error}"),
        });
    }
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        return Ok(body);
    }
    let message = body["error"]
        .as_str()
        .map_or_else(|| text.clone(), str::to_owned);
    Err(Error {
        status: Some(status),
        message,
    })
}

/// A request being built: see [`Client::infer_request`].
#[derive(Debug)]
pub struct InferRequest<'a> {
    client: &'a Client,
    model: String,
    inputs: Vec<Value>,
    outputs: Vec<String>,
    raw: Option<String>,
}

/// The protocol's name for an element type.
fn datatype(dtype: Dtype) -> &'static str {
    match dtype {
        Dtype::I8 => "INT8",
        Dtype::I16 => "INT16",
        Dtype::I32 => "INT32",
        Dtype::I64 | Dtype::Isize => "INT64",
        Dtype::U8 => "UINT8",
        Dtype::U16 => "UINT16",
        Dtype::U32 => "UINT32",
        Dtype::U64 | Dtype::Usize => "UINT64",
        Dtype::F16 => "FP16",
        Dtype::BF16 => "BF16",
        Dtype::F32 => "FP32",
        Dtype::F64 => "FP64",
    }
}

impl InferRequest<'_> {
    /// Adds input `name`: `x`'s shape, its element type as the protocol's datatype, its values.
    #[must_use]
    pub fn input(mut self, name: &str, x: &impl Numeric) -> Self {
        let Numbers {
            shape,
            dtype,
            values,
        } = x.numbers();
        let data: Vec<Value> = values
            .iter()
            .map(|value| match dtype {
                Dtype::F16 | Dtype::BF16 | Dtype::F32 | Dtype::F64 => json!(value),
                _ => json!(*value as i64),
            })
            .collect();
        self.inputs.push(json!({
            "name": name,
            "shape": shape,
            "datatype": datatype(dtype),
            "data": data,
        }));
        self
    }

    /// Asks for output `name` (by default the server sends every output).
    #[must_use]
    pub fn output(mut self, name: &str) -> Self {
        self.outputs.push(name.to_owned());
        self
    }

    /// Sends `body` as written instead of the inputs: to test how the server takes bad requests.
    #[must_use]
    pub fn body(mut self, body: &str) -> Self {
        self.raw = Some(body.to_owned());
        self
    }

    /// `POST /v2/models/{name}/infer`.
    pub fn send(self) -> Result<InferResponse, Error> {
        let body = self.raw.clone().unwrap_or_else(|| {
            let mut request = json!({ "inputs": self.inputs });
            if !self.outputs.is_empty() {
                request["outputs"] = self
                    .outputs
                    .iter()
                    .map(|name| json!({ "name": name }))
                    .collect();
            }
            request.to_string()
        });
        let answer = self
            .client
            .post(&format!("/v2/models/{}/infer", self.model), &body)?;
        InferResponse::from_json(&answer)
    }
}

/// The outputs of an inference, in the server's order, each as `ArrayD<f64>` in its shape.
#[derive(Clone, Debug, PartialEq)]
pub struct InferResponse {
    /// Each output's name and values, in the order the server sent them.
    pub outputs: Vec<(String, ArrayD<f64>)>,
}

impl InferResponse {
    fn from_json(answer: &Value) -> Result<InferResponse, Error> {
        let bad = |message: String| Error {
            status: Some(200),
            message,
        };
        let outputs = answer["outputs"]
            .as_array()
            .ok_or_else(|| bad(format!("the response has no `outputs` list: {answer}")))?;
        outputs
            .iter()
            .map(|output| {
                let name = output["name"].as_str().unwrap_or_default().to_owned();
                let shape: Vec<usize> = output["shape"]
                    .as_array()
                    .and_then(|shape| {
                        shape
                            .iter()
                            .map(|size| size.as_u64().map(|size| size as usize))
                            .collect()
                    })
                    .ok_or_else(|| bad(format!("output `{name}` has no shape")))?;
                let mut data = Vec::new();
                flatten(&output["data"], &mut data)
                    .map_err(|found| bad(format!("output `{name}` holds {found}, not numbers")))?;
                let array = ArrayD::from_shape_vec(IxDyn(&shape), data)
                    .map_err(|error| bad(format!("output `{name}`: {error}")))?;
                Ok((name, array))
            })
            .collect::<Result<_, _>>()
            .map(|outputs| InferResponse { outputs })
    }

    /// The output named `name`.
    pub fn output(&self, name: &str) -> Option<&ArrayD<f64>> {
        self.outputs
            .iter()
            .find(|(output, _)| output == name)
            .map(|(_, array)| array)
    }
}

fn flatten(value: &Value, into: &mut Vec<f64>) -> Result<(), String> {
    match value {
        Value::Array(items) => items.iter().try_for_each(|item| flatten(item, into)),
        Value::Number(number) => {
            into.push(number.as_f64().unwrap_or(f64::NAN));
            Ok(())
        }
        Value::Bool(flag) => {
            into.push(f64::from(u8::from(*flag)));
            Ok(())
        }
        other => Err(other.to_string()),
    }
}

/// A server process a test (or a suite) starts, stopped by its process id when dropped, panic or
/// not.
#[derive(Debug)]
pub struct Server {
    child: Child,
    url: String,
    stderr_path: std::path::PathBuf,
}

impl Server {
    /// Starts `command` and waits until `{url}/v2/health/ready` answers 200, trying for up to
    /// `wait`. Its stderr goes to a file, shown when it does not come up.
    ///
    /// # Panics
    /// When the process cannot start, exits, or is not ready in time: with its stderr.
    pub fn start(mut command: Command, url: &str, wait: Duration) -> Server {
        let stderr_path = std::env::temp_dir().join(format!(
            "ml-test-server-{}-{}.log",
            std::process::id(),
            NEXT_LOG.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let log = std::fs::File::create(&stderr_path)
            .unwrap_or_else(|error| panic!("cannot create {}: {error}", stderr_path.display()));
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start the server ({command:?}): {error}"));
        let mut server = Server {
            child,
            url: url.trim_end_matches('/').to_owned(),
            stderr_path,
        };
        let client = Client::new(&server.url);
        let deadline = Instant::now() + wait;
        let mut tries = 0;
        loop {
            tries += 1;
            if client.ready() {
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!(
                    "the server exited ({status}) before it was ready at {}; its stderr:\n{}",
                    server.url,
                    server.stderr()
                );
            }
            if Instant::now() >= deadline {
                let stderr = server.stderr();
                server.stop();
                panic!(
                    "the server was not ready at {}/v2/health/ready after {tries} tries in {wait:?}; \
                     its stderr:\n{stderr}",
                    server.url
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The server's base URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A client of this server.
    pub fn client(&self) -> Client {
        Client::new(&self.url)
    }

    /// What the server wrote to stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the server now (as dropping it does) and returns everything it wrote to stderr,
    /// its shutdown included.
    pub fn stop_and_read_stderr(mut self) -> String {
        self.stop();
        self.stderr()
    }

    /// Asks the process to stop (SIGTERM by its pid), gives it five seconds to finish what it
    /// serves, then kills it.
    fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        #[cfg(unix)]
        {
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if matches!(self.child.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

static NEXT_LOG: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_file(&self.stderr_path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    fn panic_of(f: impl FnOnce() -> Client) -> String {
        let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
            .expect_err("the variable is refused");
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default()
    }

    #[test]
    fn the_variables_set_token_headers_and_timeout() {
        let client = client_from(
            "http://127.0.0.1:9/",
            vars(&[
                (TOKEN_VAR, " s3cret "),
                (HEADERS_VAR, "Host: iris.default.example.com; X-Team : ml ;"),
                (TIMEOUT_VAR, "2s 500ms"),
            ]),
        );
        assert_eq!(client.base_url(), "http://127.0.0.1:9");
        assert_eq!(client.timeout, Duration::from_millis(2500));
        let headers: Vec<(String, String)> = client
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
            .collect();
        assert_eq!(
            headers,
            [
                ("authorization".to_owned(), "Bearer s3cret".to_owned()),
                ("host".to_owned(), "iris.default.example.com".to_owned()),
                ("x-team".to_owned(), "ml".to_owned()),
            ]
        );
        let debug = format!("{client:?}");
        assert!(!debug.contains("s3cret"), "{debug}");
        // Unset and blank variables change nothing.
        let plain = client_from("http://h", vars(&[(TOKEN_VAR, " "), (HEADERS_VAR, "")]));
        assert!(plain.headers.is_empty());
        assert_eq!(plain.timeout, DEFAULT_TIMEOUT);
    }

    #[test]
    fn a_bad_value_names_its_variable_and_what_it_takes() {
        let message = panic_of(|| client_from("http://h", vars(&[(HEADERS_VAR, "Host")])));
        assert!(
            message.starts_with("ML_TEST_HEADERS: `Host` is not a header; write `Name: value`"),
            "{message}"
        );
        let message = panic_of(|| client_from("http://h", vars(&[(TIMEOUT_VAR, "soon")])));
        assert!(
            message.starts_with("ML_TEST_TIMEOUT=\"soon\" is not a duration"),
            "{message}"
        );
        let message = panic_of(|| client_from("http://h", vars(&[(HEADERS_VAR, "Bad Name: x")])));
        assert!(
            message.contains("`Bad Name` is not a valid HTTP header name"),
            "{message}"
        );
    }

    /// A self-signed certificate (`openssl req -x509 -newkey ec ...`, CN "ml-test example CA"):
    /// only its PEM form matters here.
    #[cfg(feature = "e2e-tls")]
    const CERTIFICATE: &str = "-----BEGIN CERTIFICATE-----\nMIIBjzCCATWgAwIBAgIUX/wuoB2tdcFFoNBz7d7Az3lfx4owCgYIKoZIzj0EAwIw\nHTEbMBkGA1UEAwwSbWwtdGVzdCBleGFtcGxlIENBMB4XDTI2MTIwNTA4MTgwMloX\nDTM2MTIwMjA4MTgwMlowHTEbMBkGA1UEAwwSbWwtdGVzdCBleGFtcGxlIENBMFkw\nEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEx0kW6eOuYC5jmpROg4N/whUYldf/vaBr\nOdbD+PpgQvwHKR8xqltD94NrhofPrC5PpoDjDXl93HCYLEkWvfJ4GKNTMFEwHQYD\nVR0OBBYEFEMhyrOM8+jJlYgnjCAlIy91VKYiMB8GA1UdIwQYMBaAFEMhyrOM8+jJ\nlYgnjCAlIy91VKYiMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIh\nAKq3gFGJCX4lXYX0K6ICPGr5qfl2MvCkaG7jdp5Rn83cAiBKWLama+lCyOvBEERb\n5fRqB1eXq9uE/fGGNis3LRJK4Q==\n-----END CERTIFICATE-----\n";

    #[cfg(feature = "e2e-tls")]
    #[test]
    fn the_ca_variable_adds_the_files_certificates() {
        let dir = std::env::temp_dir().join(format!("ml-test-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (pem, text) = (dir.join("ca.pem"), dir.join("ca.txt"));
        std::fs::write(&pem, CERTIFICATE.repeat(2)).unwrap();
        std::fs::write(&text, "not a certificate").unwrap();
        let client = client_from("https://h", vars(&[(CA_CERT_VAR, pem.to_str().unwrap())]));
        assert_eq!(client.roots.len(), 2);
        let message =
            panic_of(|| client_from("https://h", vars(&[(CA_CERT_VAR, text.to_str().unwrap())])));
        assert!(message.starts_with("no PEM certificate"), "{message}");
        let message = panic_of(|| client_from("https://h", vars(&[(CA_CERT_VAR, "/nonexistent")])));
        assert!(
            message.starts_with("ML_TEST_CA_CERT=\"/nonexistent\" cannot be read"),
            "{message}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(not(feature = "e2e-tls"))]
    #[test]
    fn without_tls_https_and_the_ca_variable_name_the_feature() {
        let message = panic_of(|| Client::new("https://h"));
        assert!(
            message.contains("turn on its `e2e-tls` feature"),
            "{message}"
        );
        let message = panic_of(|| client_from("http://h", vars(&[(CA_CERT_VAR, "ca.pem")])));
        assert!(
            message.contains("turn on its `e2e-tls` feature"),
            "{message}"
        );
    }
}
