//! A deployment on loopback for the scratch crate's post-deployment tests, which check tier
//! selection, not the protocol (tests/e2e.rs checks that against real servers): it answers
//! `GET /v2/health/live` and `/v2/health/ready` with 200, anything else with 404 and the
//! protocol's `{"error": ..}`. An e2e test that asks it something has reached a deployment.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::OnceLock;

/// The base URL of the process's one stand-in deployment, started on first use.
pub fn url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || answer(stream));
            }
        });
        url
    })
}

/// A base URL where nothing listens: a port that was free a moment ago.
pub fn dead_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    format!("http://{}", listener.local_addr().unwrap())
}

fn answer(stream: std::net::TcpStream) {
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // Read the headers (and leave any body unread: every answer closes the connection).
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|read| read > 2) {
        line.clear();
    }
    let path = request_line.split(' ').nth(1).unwrap_or_default();
    let (status, body) = match path {
        "/v2/health/live" | "/v2/health/ready" => ("200 OK", "{}".to_owned()),
        other => (
            "404 Not Found",
            format!("{{\"error\": \"no route {other} here\"}}"),
        ),
    };
    let _ = write!(
        &stream,
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
}
