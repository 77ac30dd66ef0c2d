//! Post-deployment tests of `examples/model_server` (tier `e2e`), through `ml_test::e2e`, against
//! the server at `ML_TEST_ENDPOINT`:
//!
//! ```sh
//! cargo run --example model_server -- --addr 127.0.0.1:8080 &
//! ML_TEST_ENDPOINT=http://127.0.0.1:8080 cargo test --test e2e -- --include-ignored __e2e
//! ```
//!
//! They are the checks any deployment of the model gets after it goes out, so they speak only
//! the Open Inference Protocol. The `integration` tests at the end check the client and the
//! `Server` helper themselves, with servers they start.

use std::process::Command;
use std::time::Duration;

use ml_test::e2e::{self, Client, Server};
use ml_test::ndarray::{Array2, array};
use ml_test::prelude::*;

const MODEL: &str = "iris";

/// Two flowers of each species, with the labels the shipped weights give them (computed by
/// hand from examples/prediction_service/weights.json: setosa 0, versicolor 1, virginica 2).
fn known_flowers() -> (Array2<f32>, Vec<f64>) {
    (
        array![
            [5.1, 3.5, 1.4, 0.2],
            [4.9, 3.0, 1.4, 0.2],
            [5.9, 3.0, 4.2, 1.5],
            [6.0, 2.2, 4.0, 1.0],
            [6.7, 3.0, 5.2, 2.3],
            [7.7, 2.6, 6.9, 2.3],
        ],
        vec![0.0, 0.0, 1.0, 1.0, 2.0, 2.0],
    )
}

#[ml_test(e2e)]
fn the_server_is_live_and_ready_with_its_model() {
    let server = e2e::client();
    assert!(server.live(), "{} is not live", server.base_url());
    assert!(server.ready(), "{} is not ready", server.base_url());
    assert!(server.model_ready(MODEL));
    assert!(!server.model_ready("no-such-model"));
}

#[ml_test(e2e)]
fn metadata_describes_one_fp32_input_and_one_int64_output() {
    let metadata = e2e::client().metadata(MODEL).unwrap();
    assert_eq!(metadata.name, MODEL);
    assert_eq!(metadata.inputs.len(), 1);
    assert_eq!(metadata.inputs[0].datatype, "FP32");
    assert_eq!(metadata.inputs[0].shape, [-1, 4]);
    assert_eq!(metadata.outputs.len(), 1);
    assert_eq!(metadata.outputs[0].datatype, "INT64");
    assert_eq!(metadata.outputs[0].shape, [-1]);
}

#[ml_test(e2e)]
fn a_batch_of_n_rows_gives_n_known_labels() {
    let server = e2e::client();
    let (flowers, labels) = known_flowers();
    let predicted = server.infer(MODEL, &flowers);
    assert_eq!(predicted.shape(), [6]);
    assert_eq!(predicted.into_raw_vec_and_offset().0, labels);
    // One row at a time gives the same answers as the batch.
    for (row, label) in flowers.rows().into_iter().zip(&labels) {
        let one = row.to_owned().insert_axis(ml_test::ndarray::Axis(0));
        assert_eq!(
            server.infer(MODEL, &one).into_raw_vec_and_offset().0,
            [*label]
        );
    }
    // Named input and output, through a request built by hand.
    let response = server
        .infer_request(MODEL)
        .input("input-0", &flowers)
        .output("output-0")
        .send()
        .unwrap();
    assert_eq!(response.output("output-0").unwrap().len(), 6);
}

#[ml_test(e2e)]
fn each_bad_request_gets_its_4xx_and_the_reason() {
    let server = e2e::client();
    let rejected = |request: e2e::InferRequest<'_>| request.send().unwrap_err();
    let cases = [
        (
            rejected(server.infer_request(MODEL).body("{\"inputs\": [")),
            400,
            "the body is not JSON",
        ),
        (
            rejected(
                server
                    .infer_request(MODEL)
                    .input("input-0", &array![[1.0f32, 2.0, 3.0]]),
            ),
            400,
            "input `input-0` has shape [-1, 4], the request sent [1, 3]",
        ),
        (
            rejected(
                server
                    .infer_request(MODEL)
                    .input("input-0", &array![[1i64, 2, 3, 4]]),
            ),
            400,
            "input `input-0` has datatype FP32, the request sent INT64",
        ),
        (
            rejected(
                server
                    .infer_request(MODEL)
                    .input("input-0", &Array2::<f32>::zeros((0, 4))),
            ),
            400,
            "the batch is empty",
        ),
        (
            rejected(
                server
                    .infer_request("no-such-model")
                    .input("input-0", &known_flowers().0),
            ),
            404,
            "unknown model `no-such-model`",
        ),
    ];
    for (error, status, reason) in cases {
        assert_eq!(error.status, Some(status), "{error}");
        assert!(
            error.message.contains(reason),
            "expected {reason:?} in: {error}"
        );
    }
}

/// Exclusive: the other tests' requests would otherwise share the server with these.
#[ml_test(e2e, exclusive)]
fn two_hundred_requests_from_eight_threads_are_all_answered_correctly() {
    let server = e2e::client();
    let (flowers, labels) = known_flowers();
    let context = ml_test::context::current().unwrap();
    let answered: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|worker| {
                let (server, flowers, labels, context) = (&server, &flowers, &labels, &context);
                scope.spawn(move || {
                    let _entered = context.enter();
                    (0..25)
                        .map(|request| {
                            let row = (worker + request) % flowers.nrows();
                            let one = flowers
                                .row(row)
                                .to_owned()
                                .insert_axis(ml_test::ndarray::Axis(0));
                            let answer = server.infer(MODEL, &one).into_raw_vec_and_offset().0;
                            assert_eq!(answer, [labels[row]], "worker {worker}, request {request}");
                        })
                        .count()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().unwrap())
            .sum()
    });
    assert_eq!(answered, 200);
}

/// The latency report of 200 single requests: it times every call it made, each an answered
/// request, and its percentiles and budget verdicts are those of its own timings. (No budget on
/// the speed itself: how fast a loopback server answers on a shared CI machine is not this
/// test's business; the report is.)
#[ml_test(e2e, exclusive)]
fn the_latency_of_single_requests_is_reported() {
    let server = e2e::client();
    let one = array![[6.7f32, 3.0, 5.2, 2.3]];
    let calls = std::cell::Cell::new(0usize);
    let report = ml_test::latency(200, || {
        calls.set(calls.get() + 1);
        assert_eq!(server.infer(MODEL, &one).into_raw_vec_and_offset().0, [2.0]);
    });
    println!("{report}");
    // Every call but the warm-up is a sample, and a request over TCP takes time.
    assert_eq!(report.samples(), 200);
    assert_eq!(calls.get(), 200 + report.warmup());
    assert_eq!(report.timings().len(), 200);
    assert!(report.min() > Duration::ZERO, "{report}");
    // The median and p99 are numpy's linear-interpolation percentiles of the timings.
    let mut sorted: Vec<f64> = report.timings().iter().map(Duration::as_secs_f64).collect();
    sorted.sort_by(f64::total_cmp);
    let numpy = |p: f64| {
        let rank = p / 100.0 * (sorted.len() - 1) as f64;
        let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
        sorted[low] + (sorted[high] - sorted[low]) * (rank - low as f64)
    };
    for p in [50.0, 99.0] {
        let reported = report.percentile(p).as_secs_f64();
        assert!(
            (reported - numpy(p)).abs() < 1e-9,
            "p{p}: {reported} vs {}",
            numpy(p)
        );
    }
    // A budget above the slowest call holds; one below the fastest breaks.
    report.assert_below(99, report.max() + Duration::from_millis(1));
    let broken = std::panic::catch_unwind(|| report.assert_below(50, report.min() / 2));
    assert!(broken.is_err(), "a budget of half the fastest call held");
}

/// A free loopback port.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a loopback port")
}

/// `cargo run --example model_server` on `port`, in this workspace's target directory. The
/// variables cargo sets for this test process are left out: build scripts that track them (ring's
/// does, through `rerun-if-env-changed`) would otherwise see them change, and the next build of
/// the workspace would compile those crates again.
fn model_server(port: u16) -> Command {
    let mut command = Command::new(env!("CARGO"));
    command
        .args(["run", "-q", "--offline", "--example", "model_server", "--"])
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        let set_by_cargo_for_this_test = key.starts_with("CARGO_PKG_")
            || key.starts_with("CARGO_MANIFEST_")
            || matches!(
                &*key,
                "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
                    | "CARGO_TARGET_TMPDIR"
                    | "CARGO_RUSTC_CURRENT_DIR"
                    | "OUT_DIR"
            );
        if set_by_cargo_for_this_test {
            command.env_remove(&*key);
        }
    }
    command
}

#[ml_test(integration, timeout = "10m")]
fn the_server_helper_starts_a_server_waits_for_it_and_stops_it_by_its_pid() {
    let port = free_port();
    let server = Server::start(
        model_server(port),
        &format!("http://127.0.0.1:{port}"),
        Duration::from_secs(300),
    );
    let (flowers, labels) = known_flowers();
    assert_eq!(
        server
            .client()
            .infer(MODEL, &flowers)
            .into_raw_vec_and_offset()
            .0,
        labels
    );
    assert!(
        server
            .stderr()
            .contains("POST /v2/models/iris/infer -> 200"),
        "it logs requests"
    );
    let pid = server.pid();
    // Stopped by SIGTERM to its pid, it shuts down cleanly.
    let stderr = server.stop_and_read_stderr();
    assert!(stderr.contains("model_server: shutting down"), "{stderr}");
    let alive = Command::new("kill")
        .args(["-0", &pid.to_string()])
        .status()
        .is_ok_and(|status| status.success());
    assert!(
        !alive,
        "process {pid} still runs after the helper stopped it"
    );
}

#[ml_test(integration)]
fn a_server_that_was_never_started_gives_a_clear_failure() {
    // Nothing listens on a port just released.
    let url = format!("http://127.0.0.1:{}", free_port());
    let client = Client::new(&url);
    assert!(!client.live());
    let error = client
        .infer_request(MODEL)
        .input("input-0", &known_flowers().0)
        .send()
        .unwrap_err();
    assert_eq!(error.status, None);
    assert!(
        error.message.contains(&format!("cannot reach {url}")),
        "{error}"
    );

    let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        client.infer(MODEL, &known_flowers().0)
    }));
    let message = *failed.unwrap_err().downcast::<String>().unwrap();
    assert!(
        message.contains(&format!("inference on `iris` at {url} failed: no answer")),
        "{message}"
    );

    // A server that exits at once: the helper fails with what it wrote.
    let mut exits = Command::new("sh");
    exits.args(["-c", "echo 'cannot read weights.json' >&2; exit 3"]);
    let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Server::start(exits, &url, Duration::from_secs(30))
    }));
    let message = *failed.unwrap_err().downcast::<String>().unwrap();
    assert!(message.contains("the server exited"), "{message}");
    assert!(message.contains("cannot read weights.json"), "{message}");
}
