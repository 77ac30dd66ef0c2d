//! The post-deployment client against servers this file starts on loopback: headers and a
//! bearer token (never printed), a timeout, `try_infer`'s errors, and https with a certificate
//! the test makes. The protocol itself is checked against real servers in tests/e2e.rs.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ml_test::e2e::Client;
use ml_test::ndarray::array;
use ml_test::prelude::*;

/// One request as the server saw it: its request line, headers (names lowercased) and body.
#[derive(Clone, Debug, Default)]
struct Seen {
    line: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

type Answer = fn(&Seen) -> (u16, String);

/// Reads one request from `stream` (its body too, by its length), answers it with `answer`.
fn serve_one(stream: impl Read + Write, answer: Answer, seen: &Mutex<Vec<Seen>>) {
    let mut reader = BufReader::new(stream);
    let mut request = Seen::default();
    if reader.read_line(&mut request.line).is_err() {
        return;
    }
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) <= 2 {
            break;
        }
        if let Some((name, value)) = line.trim_end().split_once(':') {
            let (name, value) = (name.to_ascii_lowercase(), value.trim().to_owned());
            if name == "content-length" {
                length = value.parse().unwrap_or(0);
            }
            request.headers.push((name, value));
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    request.body = String::from_utf8_lossy(&body).into_owned();
    let (status, body) = answer(&request);
    seen.lock().unwrap().push(request);
    let stream = reader.get_mut();
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.flush();
}

/// A plain-HTTP server on loopback answering with `answer`; its base URL and what it saw.
fn server(answer: Answer) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let log = Arc::clone(&log);
            std::thread::spawn(move || serve_one(stream, answer, &log));
        }
    });
    (url, seen)
}

/// A model server in miniature: metadata for `iris`, and an inference that doubles its input,
/// or refuses a row of three values as the real one does.
fn oip(request: &Seen) -> (u16, String) {
    let path = request.line.split(' ').nth(1).unwrap_or_default();
    match path {
        "/v2/health/ready" => (200, "{}".into()),
        "/v2/models/iris" => (
            200,
            r#"{"name": "iris", "inputs": [{"name": "input-0", "datatype": "FP32", "shape": [-1, 2]}]}"#.into(),
        ),
        "/v2/models/iris/infer" => match request.body.contains(r#""shape":[1,3]"#) {
            true => (
                400,
                r#"{"error": "input `input-0` has shape [-1, 2], the request sent [1, 3]"}"#.into(),
            ),
            false => (
                200,
                r#"{"outputs": [{"name": "output-0", "datatype": "FP32", "shape": [1, 2], "data": [2.0, 4.0]}]}"#.into(),
            ),
        },
        other => (404, format!(r#"{{"error": "no route {other}"}}"#)),
    }
}

/// Ready only for the right host and token, as an ingress with authentication is.
fn gated(request: &Seen) -> (u16, String) {
    let host = request.header("host") == Some("iris.default.example.com");
    let token = request.header("authorization") == Some("Bearer s3cret-token");
    match (host, token) {
        (true, true) => (200, "{}".into()),
        (false, _) => (404, r#"{"error": "no service for this host"}"#.into()),
        (true, false) => (401, r#"{"error": "unauthorized"}"#.into()),
    }
}

#[ml_test(integration)]
fn headers_and_a_bearer_token_reach_the_deployment() {
    let (url, seen) = server(gated);
    let client = Client::new(&url)
        .with_header("Host", "iris.default.example.com")
        .with_bearer_token("s3cret-token");
    assert!(client.ready());
    let request = seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(request.header("host"), Some("iris.default.example.com"));
    assert_eq!(request.header("authorization"), Some("Bearer s3cret-token"));
    // Without them, the same deployment refuses.
    assert!(!Client::new(&url).ready());
    assert!(!Client::new(&url).with_bearer_token("s3cret-token").ready());
    let refused = Client::new(&url)
        .with_header("Host", "iris.default.example.com")
        .metadata("iris")
        .unwrap_err();
    assert_eq!(
        (refused.status, refused.message.as_str()),
        (Some(401), "unauthorized")
    );
}

#[ml_test(integration)]
fn the_token_is_never_printed() {
    let (url, _) = server(gated);
    let client = Client::new(&url)
        .with_header("Host", "iris.default.example.com")
        .with_bearer_token("s3cret-token");
    let debug = format!("{client:?}");
    assert!(!debug.contains("s3cret"), "{debug}");
    assert!(debug.contains("authorization: <redacted>"), "{debug}");
    assert!(debug.contains("host: iris.default.example.com"), "{debug}");
    // Nor does a refusal: without the Host, this deployment has no service.
    let refused = Client::new(&url).with_bearer_token("s3cret-token");
    let error = refused.metadata("iris").unwrap_err();
    assert_eq!(error.status, Some(404));
    let printed = format!("{error} {error:?} {refused:?}");
    assert!(!printed.contains("s3cret"), "{printed}");
}

#[ml_test(integration)]
fn a_request_that_takes_too_long_fails_at_the_timeout() {
    // A server that takes the connection and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let held: Vec<TcpStream> = listener.incoming().flatten().take(1).collect();
        std::thread::sleep(Duration::from_secs(120));
        drop(held);
    });
    let error = Client::new(&url)
        .with_timeout(Duration::from_millis(300))
        .metadata("iris")
        .unwrap_err();
    assert_eq!(error.status, None, "{error}");
    assert!(error.message.contains("timeout"), "{error}");
}

#[ml_test(integration)]
fn try_infer_returns_what_infer_panics_with() {
    let (url, _) = server(oip);
    let client = Client::new(&url);
    assert_eq!(
        client.try_infer("iris", &array![[1.0f32, 2.0]]),
        Ok(array![[2.0, 4.0]].into_dyn())
    );
    let refused = client
        .try_infer("iris", &array![[1.0f32, 2.0, 3.0]])
        .unwrap_err();
    assert_eq!(refused.status, Some(400));
    assert_eq!(
        refused.message,
        "input `input-0` has shape [-1, 2], the request sent [1, 3]"
    );
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        client.infer("iris", &array![[1.0f32, 2.0, 3.0]])
    }))
    .expect_err("infer panics on a refusal");
    let message = panicked.downcast_ref::<String>().unwrap();
    assert_eq!(
        *message,
        format!(
            "inference on `iris` at {url} failed: HTTP 400: {}",
            refused.message
        )
    );
    // Any numeric value is an input: a nested Vec too.
    assert_eq!(
        client.try_infer("iris", &vec![vec![1.0f32, 2.0]]).unwrap(),
        array![[2.0, 4.0]].into_dyn()
    );
}

/// A certificate for `localhost`, made for this run, and an https server that presents it.
fn https_server() -> (String, String) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let pem = certified.cert.pem();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![certified.cert.der().clone()], key)
    .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "https://localhost:{}",
        listener.local_addr().unwrap().port()
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let (config, seen) = (Arc::clone(&config), Arc::clone(&seen));
            std::thread::spawn(move || {
                let connection = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(connection, tcp);
                serve_one(&mut tls, oip, &seen);
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    (url, pem)
}

#[ml_test(integration)]
fn an_https_deployment_with_a_certificate_the_test_made() {
    let (url, pem) = https_server();
    let trusting = Client::new(&url).with_root_certificates(pem.as_bytes());
    assert!(trusting.ready());
    assert_eq!(
        trusting.try_infer("iris", &array![[1.0f32, 2.0]]),
        Ok(array![[2.0, 4.0]].into_dyn())
    );
    // The web's roots do not vouch for a certificate made a moment ago.
    let error = Client::new(&url).metadata("iris").unwrap_err();
    assert_eq!(error.status, None, "{error}");
    assert!(error.message.contains("certificate"), "{error}");
}
