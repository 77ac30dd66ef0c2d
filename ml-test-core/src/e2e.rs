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
//! A test of the `e2e` tier must reach a deployment: [`endpoint`] (or [`client`]) panics naming
//! `ML_TEST_ENDPOINT` when it is unset, and a test that no deployment answered (through a
//! [`Client`] or a [`Server`] it started; any HTTP answer counts, an error status included) fails
//! when it ends, naming the URL it tried. Reading the variable is not reaching the deployment: a
//! post-deployment test never passes without the deployment.

use std::fmt;
use std::io::Read as _;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ndarray::{ArrayBase, ArrayD, Data, Dimension, IxDyn};
use serde_json::{Value, json};

use crate::context;
use crate::numeric::{Dtype, Element, Numbers, Numeric};

pub use crate::prerequisites::ENDPOINT_VAR;

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

/// A client of the deployment in `ML_TEST_ENDPOINT`.
///
/// # Panics
/// When the variable is unset, naming it.
pub fn client() -> Client {
    Client::new(&endpoint())
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

/// A client of one server, by its base URL (`http://host:port`).
#[derive(Clone, Debug)]
pub struct Client {
    base: String,
    agent: ureq::Agent,
    /// Each model's first input name, from its metadata: asked once per model, not per `infer`,
    /// so a latency measured over `infer` is the inference's.
    input_names: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, String>>>,
}

impl Client {
    /// A client of the server at `base_url`.
    pub fn new(base_url: &str) -> Client {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build();
        Client {
            base: base_url.trim_end_matches('/').to_owned(),
            agent: config.new_agent(),
            input_names: std::sync::Arc::default(),
        }
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn get(&self, path: &str) -> Result<Value, Error> {
        let url = format!("{}{path}", self.base);
        let response = self.agent.get(&url).call();
        answer(self.answered(&url, response)?)
    }

    fn post(&self, path: &str, body: &str) -> Result<Value, Error> {
        let url = format!("{}{path}", self.base);
        let response = self
            .agent
            .post(&url)
            .header("content-type", "application/json")
            .send(body);
        answer(self.answered(&url, response)?)
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

    /// Sends `x` as the model's first input (named from its metadata) and returns the first
    /// output, in the shape the server gives.
    ///
    /// # Panics
    /// When the request fails, with the status and the server's error text; use
    /// [`infer_request`](Self::infer_request) to test failures.
    pub fn infer<A, S, D>(&self, name: &str, x: &ArrayBase<S, D>) -> ArrayD<f64>
    where
        A: Element,
        S: Data<Elem = A>,
        D: Dimension,
    {
        let attempt = || -> Result<ArrayD<f64>, Error> {
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
        };
        attempt().unwrap_or_else(|error| {
            panic!("inference on `{name}` at {} failed: {error}", self.base)
        })
    }

    /// The name of `model`'s first input, from its metadata (`input-0` if it lists none).
    fn first_input(&self, model: &str) -> Result<String, Error> {
        let known = |names: &std::collections::HashMap<String, String>| names.get(model).cloned();
        let lock = || {
            self.input_names
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
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
