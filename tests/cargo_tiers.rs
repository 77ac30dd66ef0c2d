//! Tier selection as a user meets it: a scratch crate outside this workspace depends on ml-test
//! by path, and real `cargo test` / `cargo nextest` runs switch `ML_TEST_TIERS` back and forth.
//!
//! The scratch crate's sources are in tests/scratch/. Every run shares one target directory, so
//! ml-test and its dependencies compile once and each switch rebuilds only the test crate.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ml_test::prelude::*;

#[path = "support/deployment.rs"]
mod deployment;
#[path = "support/intervals.rs"]
mod intervals;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

struct Scratch {
    dir: PathBuf,
    target: PathBuf,
    /// Held for the scenario's whole life: the scenarios share one target directory, and one
    /// switching `ML_TEST_TIERS` would rebuild the test binary another is about to run. A file
    /// lock serializes them across threads and across nextest's processes alike.
    _exclusive: std::fs::File,
}

impl Scratch {
    fn create() -> Scratch {
        let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let lock = std::fs::File::create(base.join("tier-selection.lock")).unwrap();
        lock.lock().unwrap();
        let dir = base.join("tier-selection-crate");
        std::fs::create_dir_all(dir.join("tests")).unwrap();
        std::fs::create_dir_all(dir.join("src")).unwrap();
        let manifest = format!(
            r#"[package]
name = "tier-selection-crate"
version = "0.0.0"
edition = "2021"
publish = false
autotests = false

[dependencies]
ml-test = {{ path = {root:?} }}

[dev-dependencies]
ml-test = {{ path = {root:?}, features = ["testing"] }}
rstest = {{ version = "0.26", default-features = false }}
test-case = "3"
tokio = {{ version = "1", features = ["macros", "rt"] }}
ndarray016 = {{ package = "ndarray", version = "0.16" }}

[[bin]]
name = "serve"
path = "src/bin/serve.rs"

[[test]]
name = "mocks"
path = "tests/mocks.rs"

[[test]]
name = "isolation"
path = "tests/isolation.rs"

[[test]]
name = "tiers"
path = "tests/tiers.rs"

[[test]]
name = "failing"
path = "tests/failing.rs"

[[test]]
name = "typo"
path = "tests/typo.rs"

[[test]]
name = "convergence"
path = "tests/convergence.rs"

[[test]]
name = "behaviour"
path = "tests/behaviour.rs"

[[test]]
name = "evaluation"
path = "tests/evaluation.rs"

[[test]]
name = "exclusive"
path = "tests/exclusive.rs"

[[test]]
name = "orders"
path = "tests/orders.rs"

[[test]]
name = "trainings"
path = "tests/trainings.rs"

[[test]]
name = "orders_wrong"
path = "tests/orders_wrong.rs"

[[test]]
name = "prerequisites"
path = "tests/prerequisites.rs"

[[test]]
name = "names"
path = "tests/names.rs"

[[test]]
name = "lints"
path = "tests/lints.rs"

[[test]]
name = "old_ndarray"
path = "tests/old_ndarray.rs"

[[test]]
name = "old_ndarray_metrics"
path = "tests/old_ndarray_metrics.rs"

[[test]]
name = "report"
path = "tests/report.rs"

[workspace]
"#,
            root = ROOT
        );
        write_if_changed(&dir.join("Cargo.toml"), &manifest);
        std::fs::create_dir_all(dir.join("src/bin")).unwrap();
        let scratch = Path::new(ROOT).join("tests/scratch");
        let read = |file: &str| std::fs::read_to_string(scratch.join(file)).unwrap();
        write_if_changed(&dir.join("src/lib.rs"), &read("src/lib.rs"));
        write_if_changed(&dir.join("src/bin/serve.rs"), &read("serve.rs"));
        write_if_changed(
            &dir.join("tests/isolation.rs"),
            &isolation_tests(ISOLATED_TESTS),
        );
        for file in [
            "tiers.rs",
            "failing.rs",
            "typo.rs",
            "convergence.rs",
            "mocks.rs",
            "behaviour.rs",
            "evaluation.rs",
            "exclusive.rs",
            "orders.rs",
            "trainings.rs",
            "prerequisites.rs",
            "orders_wrong.rs",
            "names.rs",
            "lints.rs",
            "old_ndarray.rs",
            "old_ndarray_metrics.rs",
            "report.rs",
        ] {
            let source =
                std::fs::read_to_string(Path::new(ROOT).join("tests/scratch").join(file)).unwrap();
            write_if_changed(&dir.join("tests").join(file), &source);
        }
        write_if_changed(&dir.join("Cargo.lock"), &lockfile());
        // The nextest config this repo ships, as a user copies it.
        std::fs::create_dir_all(dir.join(".config")).unwrap();
        write_if_changed(
            &dir.join(".config/nextest.toml"),
            &std::fs::read_to_string(Path::new(ROOT).join(".config/nextest.toml")).unwrap(),
        );
        Scratch {
            dir,
            target: base.join("tier-selection-target"),
            _exclusive: lock,
        }
    }

    /// Runs `cargo <args>` in the scratch crate with `ML_TEST_TIERS` set to `tiers` (or unset),
    /// where the gpu and e2e tiers have their prerequisites (`ML_TEST_GPU=1`, a deployment that
    /// answers): the scenarios about tier selection run those tiers' tests like any other.
    fn cargo(&self, tiers: Option<&str>, extra_env: &[(&str, &str)], args: &[&str]) -> Output {
        let mut env = vec![
            ("ML_TEST_GPU", "1"),
            ("ML_TEST_ENDPOINT", deployment::url()),
        ];
        env.extend_from_slice(extra_env);
        self.cargo_bare(tiers, &env, args)
    }

    /// `cargo <args>` with no environment but `extra_env` (and `ML_TEST_TIERS`).
    fn cargo_bare(&self, tiers: Option<&str>, extra_env: &[(&str, &str)], args: &[&str]) -> Output {
        self.cargo_in(&self.dir, tiers, extra_env, args)
    }

    /// [`Scratch::cargo_bare`] in the crate at `dir`, with the scratch crate's target directory.
    fn cargo_in(
        &self,
        dir: &Path,
        tiers: Option<&str>,
        extra_env: &[(&str, &str)],
        args: &[&str],
    ) -> Output {
        let mut command = Command::new(env!("CARGO"));
        command
            .args(args)
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .env_remove("ML_TEST_TIERS")
            .env_remove("ML_TEST_SEED")
            .env_remove("ML_TEST_GPU")
            .env_remove("ML_TEST_ENDPOINT")
            .env_remove("ML_TEST_REPORT")
            .env_remove("RUSTFLAGS")
            .env("CARGO_TERM_COLOR", "never")
            .env("RUST_BACKTRACE", "0");
        // An outer nextest run exports its profile and run id; the scratch crate has neither.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("NEXTEST") {
                command.env_remove(key);
            }
        }
        if let Some(tiers) = tiers {
            command.env("ML_TEST_TIERS", tiers);
        }
        for (key, value) in extra_env {
            command.env(key, value);
        }
        command.output().expect("cargo runs")
    }

    /// Builds the test binary `test` as plain `cargo test` does (`ML_TEST_TIERS` unset) and
    /// returns its path, failing on any warning in the user's build.
    fn build_tests(&self, test: &str) -> PathBuf {
        let output = self.cargo_bare(
            None,
            &[],
            &["test", "--offline", "--test", test, "--no-run"],
        );
        let errors = stderr(&output);
        assert!(output.status.success(), "{errors}");
        assert!(!errors.contains("warning"), "the build warns:\n{errors}");
        let path = errors
            .lines()
            .find_map(|line| {
                line.trim()
                    .strip_prefix(&format!("Executable tests/{test}.rs ("))
            })
            .and_then(|rest| rest.strip_suffix(')'))
            .unwrap_or_else(|| panic!("no executable in:\n{errors}"));
        PathBuf::from(path)
    }

    /// `cargo test --offline --test <test> -- <libtest_args>` with `ML_TEST_TIERS` unset.
    fn cargo_test(&self, test: &str, libtest_args: &[&str]) -> Output {
        let mut args = vec!["test", "--offline", "--test", test, "--"];
        args.extend_from_slice(libtest_args);
        self.cargo(None, &[], &args)
    }

    /// `cargo test --test tiers` and the outcome of each test, from libtest's lines.
    fn run_tiers(&self, tiers: Option<&str>) -> BTreeMap<String, String> {
        let output = self.cargo(
            tiers,
            &[],
            &[
                "test",
                "--offline",
                "--test",
                "tiers",
                "--",
                "--test-threads=1",
            ],
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "ML_TEST_TIERS={tiers:?}: cargo test failed\n{stdout}\n{}",
            stderr(&output)
        );
        outcomes(&stdout)
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// What a command printed: its stdout, then its stderr.
fn printed(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        stderr(output)
    )
}

/// How many mocked tests the isolation binary holds, each with its own mock.
const ISOLATED_TESTS: usize = 200;

/// `count` tests, each mocking the loader to return its own number and checking, call after
/// call, that it sees only that number and that its handle saw only its own calls.
fn isolation_tests(count: usize) -> String {
    let mut source = String::from(
        "//! Generated by tests/cargo_tiers.rs: parallel tests, each with its own mock.\n\
         use ml_test::ndarray::array;\n\
         use ml_test::prelude::*;\n\
         use tier_selection_crate::{load_scorer, predict};\n",
    );
    for n in 1..=count {
        source.push_str(&format!(
            "\n#[mock_model(loader = load_scorer, returns = [{n}])]\n\
             fn isolated_{n:03}(mock: Mock) {{\n\
             \x20   for _ in 0..25 {{\n\
             \x20       assert_eq!(predict(array![[{n}.0, 1.0]]), Ok(array![{n}]));\n\
             \x20       std::thread::yield_now();\n\
             \x20   }}\n\
             \x20   assert_eq!(mock.call_count(), 25);\n\
             \x20   mock.assert_any_call(array![[{n}.0f32, 1.0]]);\n\
             \x20   assert!(mock.calls().iter().all(|call| call.numbers().unwrap().values == [{n}.0, 1.0]));\n\
             }}\n"
        ));
    }
    source
}

/// Leaves unchanged files alone (cargo would rebuild on a new mtime).
/// The workspace's lock file: the same dependency versions, resolved without the network.
fn lockfile() -> String {
    std::fs::read_to_string(Path::new(ROOT).join("Cargo.lock")).unwrap()
}

fn write_if_changed(path: &Path, contents: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(contents) {
        std::fs::write(path, contents).unwrap();
    }
}

/// `test name ... ok` lines, as name -> "ok" / "ignored, <reason>" / "FAILED".
fn outcomes(stdout: &str) -> BTreeMap<String, String> {
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("test ")?.split_once(" ... "))
        .map(|(name, outcome)| (name.to_owned(), outcome.to_owned()))
        .collect()
}

/// Fails when cargo compiled anything for this command: tiers and prerequisites are chosen
/// when the tests run.
fn assert_no_rebuild(output: &Output) {
    let errors = stderr(output);
    assert!(
        !errors.contains("Compiling "),
        "nothing may be recompiled:\n{errors}"
    );
}

/// Fails with the whole text when `needle` is not in it.
fn assert_contains(text: &str, needle: &str) {
    assert!(
        text.contains(needle),
        "expected to find {needle:?} in:\n{text}"
    );
}

fn assert_ran(outcomes: &BTreeMap<String, String>, name: &str) {
    assert_eq!(
        outcomes.get(name).map(String::as_str),
        Some("ok"),
        "{name} should run: {outcomes:#?}"
    );
}

fn assert_ignored_for_tier(outcomes: &BTreeMap<String, String>, name: &str, tier: &str) {
    let outcome = outcomes
        .get(name)
        .unwrap_or_else(|| panic!("{name} missing: {outcomes:#?}"));
    let expected = format!("ignored, tier `{tier}` is not selected");
    assert!(
        outcome.starts_with(&expected),
        "{name}: expected `{expected}...`, got `{outcome}`"
    );
    // The reason gives the command that runs it without a rebuild.
    let how = match tier {
        "unit" => "unset ML_TEST_TIERS to run it".to_owned(),
        tier => format!("cargo test -- --include-ignored __{tier}`"),
    };
    assert!(outcome.ends_with(&how), "{name}: `{outcome}`");
}

#[ml_test(slow, timeout = "15m")]
fn switching_ml_test_tiers_rebuilds_and_never_goes_stale() {
    let scratch = Scratch::create();

    // Unset: unit and integration run, the other tiers are ignored with their reason.
    let default = scratch.run_tiers(None);
    assert_ran(&default, "unit_check");
    assert_ran(&default, "integration_check__integration");
    assert_ignored_for_tier(&default, "slow_check__slow", "slow");
    assert_ignored_for_tier(&default, "gpu_check__gpu", "gpu");
    assert_ignored_for_tier(&default, "e2e_check__e2e", "e2e");

    // Only slow: the slow test runs, the unit test is ignored.
    let slow = scratch.run_tiers(Some("slow"));
    assert_ran(&slow, "slow_check__slow");
    assert_ignored_for_tier(&slow, "unit_check", "unit");
    assert_contains(&slow["unit_check"], "(ML_TEST_TIERS=slow)");

    // Unset again, no `cargo clean`: exactly the first result.
    assert_eq!(scratch.run_tiers(None), default);

    // all: every tier runs (gpu and e2e with their prerequisites, which the scenarios give).
    let all = scratch.run_tiers(Some("all"));
    for name in [
        "unit_check",
        "integration_check__integration",
        "slow_check__slow",
        "gpu_check__gpu",
        "e2e_check__e2e",
    ] {
        assert_ran(&all, name);
    }

    // A comma list selects exactly its tiers.
    let pair = scratch.run_tiers(Some("unit,e2e"));
    assert_ran(&pair, "unit_check");
    assert_ran(&pair, "e2e_check__e2e");
    assert_ignored_for_tier(&pair, "integration_check__integration", "integration");

    // `--include-ignored` runs every tier whatever the selection.
    let output = scratch.cargo_test("tiers", &["--include-ignored"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let included = outcomes(&String::from_utf8_lossy(&output.stdout));
    assert!(
        included.values().all(|outcome| outcome == "ok"),
        "{included:#?}"
    );
}

#[ml_test(slow, timeout = "15m")]
fn every_test_keeps_its_name_for_libtest_and_nextest() {
    let scratch = Scratch::create();
    let output = scratch.cargo_test("tiers", &["--list"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let listed = String::from_utf8_lossy(&output.stdout);
    for name in [
        "unit_check",
        "integration_check__integration",
        "slow_check__slow",
        "gpu_check__gpu",
        "e2e_check__e2e",
    ] {
        assert_contains(&listed, &format!("{name}: test"));
    }

    // nextest lists the same names and, asked for ignored tests, runs them: it passes
    // `--ignored` to the binary, which ml-test's misordering check relies on.
    let output = scratch.cargo(
        None,
        &[],
        &[
            "nextest",
            "list",
            "--offline",
            "--test",
            "tiers",
            "--run-ignored",
            "all",
        ],
    );
    assert!(
        output.status.success(),
        "cargo nextest list failed (is cargo-nextest installed?):\n{}",
        stderr(&output)
    );
    let listed = String::from_utf8_lossy(&output.stdout);
    for name in ["unit_check", "slow_check__slow", "e2e_check__e2e"] {
        assert_contains(&listed, name);
    }
    let output = scratch.cargo(
        None,
        &[],
        &[
            "nextest",
            "run",
            "--offline",
            "--test",
            "tiers",
            "--run-ignored",
            "only",
            "--no-fail-fast",
        ],
    );
    let report = printed(&output);
    assert!(
        output.status.success(),
        "nextest --run-ignored only failed:\n{report}"
    );
    assert_contains(&report, "3 tests run: 3 passed");
}

#[ml_test(slow, timeout = "15m")]
fn test_attributes_of_other_crates_register_once_in_either_order() {
    let scratch = Scratch::create();
    let listed = scratch.cargo_test("orders", &["--list"]);
    let listing = String::from_utf8_lossy(&listed.stdout).into_owned();
    assert!(listed.status.success(), "{listing}\n{}", stderr(&listed));
    let names: Vec<&str> = listing
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .collect();
    for name in [
        "test_below",
        "tokio_above",
        "tokio_below",
        "rstest_below::case_1",
        "rstest_below::case_2",
        "test_case_below::test_case_1_one",
        "test_case_below::test_case_2_two",
        "slow_cases::case_1__slow",
        "rstest_above::case_1",
        "rstest_above::case_2",
    ] {
        let registered = names.iter().filter(|listed| **listed == name).count();
        assert_eq!(
            registered, 1,
            "`{name}` is registered {registered} times:\n{listing}"
        );
    }
    // ml-test cannot see a `#[test]` above it; the second registration fails when it runs.
    assert_eq!(
        names.iter().filter(|name| **name == "test_above").count(),
        2
    );

    let output = scratch.cargo_test("orders", &[]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        !output.status.success(),
        "test_above's second run fails:\n{stdout}"
    );
    let report = format!("{stdout}\n{}", stderr(&output));
    assert_contains(&report, "11 passed; 2 failed; 1 ignored");
    assert_contains(
        &report,
        "`test_above` is registered with libtest twice, so it runs twice: a `#[test]` is above \
         `#[ml_test]`",
    );
    assert_contains(
        &report,
        "`test_case_above::test_case_1_one` is registered with libtest twice",
    );
    assert_contains(
        &report,
        "test slow_cases::case_1__slow ... ignored, tier `slow` is not selected",
    );
}

#[ml_test(slow, timeout = "15m")]
fn misspelled_tiers_fail_to_compile_with_the_list_of_tiers() {
    let scratch = Scratch::create();
    let output = scratch.cargo_test("typo", &[]);
    assert!(!output.status.success());
    let errors = stderr(&output);
    assert_contains(
        &errors,
        "unknown tier or option `slwo`; did you mean `slow`?",
    );
    assert_contains(&errors, "unit, integration, slow, gpu, e2e");

    // One mistake, one error per crate: not one per test, and no error that follows from it
    // (tests/orders.rs has tests with arguments, which a dropped expansion would hand to
    // libtest as they are).
    let output = scratch.cargo(
        Some("unit,slwo"),
        &[],
        &[
            "test",
            "--offline",
            "--no-run",
            "--no-fail-fast",
            "--test",
            "tiers",
            "--test",
            "orders",
        ],
    );
    assert!(!output.status.success());
    let errors = stderr(&output);
    let reported = "ML_TEST_TIERS=\"unit,slwo\" names an unknown tier `slwo`";
    assert_eq!(errors.matches(reported).count(), 2, "{errors}");
    assert_eq!(errors.matches("error: ").count(), 4, "{errors}");
    for test in ["tiers", "orders"] {
        assert_contains(
            &errors,
            &format!(
                "could not compile `tier-selection-crate` (test \"{test}\") due to 1 previous error"
            ),
        );
    }
}

/// A crate on ndarray 0.16 (linfa 0.8's) with ml-test built without `ndarray-0_16`: at compile
/// time and at run time, the failure names the feature to turn on.
#[ml_test(slow, timeout = "15m")]
fn old_ndarray_arrays_without_their_feature_name_it() {
    let scratch = Scratch::create();
    let output = scratch.cargo_bare(
        None,
        &[],
        &[
            "test",
            "--offline",
            "--no-run",
            "--test",
            "old_ndarray_metrics",
        ],
    );
    assert!(!output.status.success());
    let errors = stderr(&output);
    assert_contains(&errors, "is not a sequence of class labels");
    assert_contains(
        &errors,
        "an ndarray 0.16 or 0.15 array (linfa 0.8 is on 0.16) needs ml-test's `ndarray-0_16` or \
         `ndarray-0_15` feature",
    );

    let output = scratch.cargo_test("old_ndarray", &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let outcomes = outcomes(&stdout);
    assert_eq!(outcomes["a_literal_for_an_old_array"], "FAILED", "{stdout}");
    assert_eq!(
        outcomes["an_old_array_input_against_numbers"], "FAILED",
        "{stdout}"
    );
    let hint = "from an ndarray version this build of ml-test does not read (it reads 0.17 only): \
                turn on ml-test's `ndarray-0_16` feature for ndarray 0.16 (linfa 0.8's) or \
                `ndarray-0_15` for 0.15";
    assert_contains(
        failure_section(&stdout, "a_literal_for_an_old_array"),
        &format!(
            "`[1, 0]` (shape (2,)) is numeric, but `ArrayBase<OwnedRepr<usize>, Dim<[usize; 1]>>` is an ndarray of numbers {hint}"
        ),
    );
    assert_contains(
        failure_section(&stdout, "an_old_array_input_against_numbers"),
        &format!(
            "Why: `ArrayBase<OwnedRepr<f64>, Dim<[usize; 2]>>` is an ndarray of numbers {hint}"
        ),
    );
}

#[ml_test(slow, timeout = "15m")]
fn failures_report_the_seed_and_misuse_says_how_to_fix_it() {
    let scratch = Scratch::create();
    let run = |env: &[(&str, &str)], filter: &str| {
        let output = scratch.cargo(
            None,
            env,
            &["test", "--offline", "--test", "failing", "--", filter],
        );
        assert!(!output.status.success(), "`{filter}` should fail");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };

    let panicked = run(&[], "fails_and_reports_its_seed");
    let seed = ml_test::context::seed_from_name("fails_and_reports_its_seed");
    assert_contains(
        &panicked,
        &format!(
            "failed with seed {seed} (derived from the test name); rerun it with that seed:\n    \
             ML_TEST_SEED={seed} cargo test -- --exact fails_and_reports_its_seed"
        ),
    );

    // The variable replays a seed: the test sees it and the report names it.
    let replayed = run(&[("ML_TEST_SEED", "42")], "fails_and_reports_its_seed");
    assert_contains(&replayed, "the loss went up (seed 42)");
    assert_contains(&replayed, "failed with seed 42 (from ML_TEST_SEED)");

    // A returned error is a failure too.
    let errored = run(&[], "returns_an_error");
    assert_contains(&errored, "`returns_an_error` (tier unit) failed with seed");

    // A bad ML_TEST_SEED names the variable and the valid values.
    let bad = run(
        &[("ML_TEST_SEED", "forty-two")],
        "fails_and_reports_its_seed",
    );
    assert_contains(
        &bad,
        "ML_TEST_SEED=\"forty-two\" is not a seed: expected an unsigned 64-bit integer",
    );

    // A `#[should_panic]` test that panics passes, and its panic is not called a failure.
    let expected = scratch.cargo(
        None,
        &[],
        &[
            "test",
            "--offline",
            "--test",
            "failing",
            "--",
            "panics_as_it_should",
            "--nocapture",
        ],
    );
    let report = printed(&expected);
    assert!(expected.status.success(), "{report}");
    assert_contains(
        &report,
        "`panics_as_it_should` (tier unit) panicked, as it expects to, with seed",
    );
    assert!(!report.contains("failed with seed"), "{report}");

    // `#[test]` above `#[ml_test(slow)]` registers the fn under its written name too, outside
    // its tier; that run fails and says why.
    let misordered = run(&[], "misordered_test_attribute");
    assert_eq!(
        outcomes(&misordered)
            .get("misordered_test_attribute")
            .map(String::as_str),
        Some("FAILED"),
        "{misordered}"
    );
    assert_contains(
        &misordered,
        "`misordered_test_attribute` runs under the name its fn was written with, but ml-test \
         registers it as `misordered_test_attribute__slow` (tier slow): a `#[test]` is above \
         `#[ml_test]`",
    );
}

#[ml_test(slow, timeout = "15m")]
fn convergence_checks_in_a_users_crate() {
    let scratch = Scratch::create();
    let checks = [
        "loss_is_finite",
        "loss_decreases",
        "params_update",
        "overfits_batch",
        "deterministic",
    ];

    // By default the checks (tier slow) are ignored, with their reason.
    let output = scratch.cargo_test("convergence", &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let default = outcomes(&String::from_utf8_lossy(&output.stdout));
    for check in checks {
        assert_ignored_for_tier(
            &default,
            &format!("logistic_regression::{check}__slow"),
            "slow",
        );
    }

    // The slow tier, from the same build: the working trainer passes all five checks; the
    // no-op one fails exactly the three that a step doing nothing must fail, each with a
    // sparkline of its flat loss.
    let output = scratch.cargo_test(
        "convergence",
        &["--include-ignored", "__slow", "--test-threads=1"],
    );
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        !output.status.success(),
        "the no-op trainer must fail:\n{stdout}"
    );
    let all = outcomes(&stdout);
    for check in checks {
        assert_ran(&all, &format!("logistic_regression::{check}__slow"));
    }
    for (check, failed) in [
        ("loss_is_finite", false),
        ("loss_decreases", true),
        ("params_update", true),
        ("overfits_batch", true),
        ("deterministic", false),
    ] {
        let name = format!("step_does_nothing::{check}__slow");
        let expected = if failed { "FAILED" } else { "ok" };
        assert_eq!(
            all.get(&name).map(String::as_str),
            Some(expected),
            "{name}:\n{stdout}"
        );
    }
    for summary in [
        "convergence check `loss_decreases`: the loss did not go down",
        "convergence check `params_update`: 2 of 2 trainable tensor(s) did not move",
        "convergence check `overfits_batch`: the loss did not reach",
    ] {
        assert_contains(&stdout, summary);
    }
    assert_eq!(
        stdout.matches("(100 steps)").count(),
        3,
        "a sparkline per failure:\n{stdout}"
    );
    assert_contains(&stdout, "loss 0.69");
    assert_contains(&stdout, "▄▄▄▄▄▄▄▄▄▄ 0.69");
    assert_contains(&stdout, "plot: ");

    // The group's training seed is the seed each failing check reports for a rerun.
    let group_seed = stdout
        .split("trainer: `step_does_nothing` (seed ")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .expect("the group's seed is printed");
    assert_contains(
        &stdout,
        &format!(
            "`step_does_nothing::params_update__slow` (tier slow) failed with seed {group_seed} \
             (derived from the check group's name)"
        ),
    );
    // Derived by the runtime, from the group's libtest path.
    assert_eq!(
        group_seed,
        ml_test::context::seed_from_name("step_does_nothing").to_string()
    );
}

#[ml_test(slow, timeout = "15m")]
fn loader_mocks_in_a_users_crate() {
    let scratch = Scratch::create();

    let output = scratch.cargo_test("mocks", &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let outcomes = outcomes(&stdout);
    assert_eq!(outcomes["predict_uses_the_mock"], "ok", "{stdout}");
    assert_eq!(outcomes["a_wrong_expectation_shows_both_calls"], "FAILED");
    assert_contains(
        &stdout,
        "expected call not found.\nExpected: predict([[1.0, 2.0]])\n  Actual: predict([[3.0, 4.0]])",
    );
    // The failure points at the assertion in the user's test, not into ml-test.
    let source = std::fs::read_to_string(Path::new(ROOT).join("tests/scratch/mocks.rs")).unwrap();
    let line = 1 + source
        .lines()
        .position(|line| line.contains("mock.assert_called_once_with(array![[1.0f32, 2.0]]);"))
        .and_then(|first| {
            source
                .lines()
                .skip(first + 1)
                .position(|line| {
                    line.contains("mock.assert_called_once_with(array![[1.0f32, 2.0]]);")
                })
                .map(|second| first + 1 + second)
        })
        .expect("the failing assertion is the second of its kind in tests/scratch/mocks.rs");
    assert_contains(
        failure_section(&stdout, "a_wrong_expectation_shows_both_calls"),
        &format!("panicked at tests/mocks.rs:{line}:10:"),
    );
    // The real-model guard names the loader and the fixes.
    assert_eq!(outcomes["a_unit_test_that_loads_the_real_model"], "FAILED");
    assert_contains(
        &stdout,
        "unit test `a_unit_test_that_loads_the_real_model` reached the real body of model loader `tier_selection_crate::load_scorer`",
    );
    assert_contains(
        &stdout,
        "1. mock it: #[mock_model(loader = load_scorer, returns = ...)]",
    );
    assert_ignored_for_tier(&outcomes, "the_real_model_in_the_slow_tier__slow", "slow");

    // Many mocked tests in one process, 16 at a time: each sees only its own mock.
    let output = scratch.cargo_test("isolation", &["--test-threads", "16"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", stderr(&output));
    assert_contains(
        &stdout,
        &format!("test result: ok. {ISOLATED_TESTS} passed; 0 failed"),
    );

    // A normal build (no dev-dependencies, so no `testing` feature) has no seam: the guard's
    // message is not even in the binary. With the feature, the same binary carries it.
    let needle = b"reached the real body of model loader";
    let build = |features: &[&str]| {
        let mut args = vec!["build", "--offline", "--bin", "serve"];
        args.extend_from_slice(features);
        let output = scratch.cargo(None, &[], &args);
        assert!(output.status.success(), "{}", stderr(&output));
        let binary = scratch
            .target
            .join("debug")
            .join(format!("serve{}", std::env::consts::EXE_SUFFIX));
        std::fs::read(binary).unwrap()
    };
    let contains = |haystack: &[u8]| haystack.windows(needle.len()).any(|w| w == needle);
    assert!(
        contains(&build(&["--features", "ml-test/testing"])),
        "the control: the seam is in"
    );
    assert!(
        !contains(&build(&[])),
        "without `testing` the loader is its plain body"
    );
    let run = scratch.cargo(None, &[], &["run", "--offline", "-q", "--bin", "serve"]);
    assert_eq!(String::from_utf8_lossy(&run.stdout).trim(), "[1, 0]");

    // Light in production: ml-test under [dependencies] alone brings no HTTP client, JSON or
    // plotting crate; the test build (dev-dependencies, `testing`) has them.
    let tree = |edges: &str| {
        let output = scratch.cargo(
            None,
            &[],
            &["tree", "--offline", "-e", edges, "--prefix", "none"],
        );
        assert!(output.status.success(), "{}", stderr(&output));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let heavy = ["ureq ", "serde_json ", "plotters "];
    let production = tree("normal");
    assert_contains(&production, "ml-test-core v");
    for name in heavy {
        assert!(
            !production.contains(name),
            "{name}in a normal build:\n{production}"
        );
    }
    let tests = tree("normal,dev");
    for name in heavy {
        assert_contains(&tests, name);
    }

    // A crate that forgot the feature: its mocks would go unseen and the real loader would run,
    // so each attribute is a compile error that says what to add.
    let forgot = scratch.dir.with_file_name("no-testing-feature-crate");
    std::fs::create_dir_all(forgot.join("src")).unwrap();
    write_if_changed(
        &forgot.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"no-testing-feature-crate\"\nversion = \"0.0.0\"\n\
             edition = \"2021\"\npublish = false\n\n[dependencies]\nml-test = {{ path = {ROOT:?} }}\n\n\
             [workspace]\n"
        ),
    );
    write_if_changed(&forgot.join("Cargo.lock"), &lockfile());
    write_if_changed(&forgot.join("src/lib.rs"), NO_TESTING_FEATURE);
    let output = scratch.cargo_in(&forgot, None, &[], &["test", "--offline", "--no-run"]);
    let errors = stderr(&output);
    assert!(!output.status.success(), "{errors}");
    for (attribute, line) in [("mock_model", 23), ("random_weights", 28)] {
        assert_contains(
            &errors,
            &format!(
                "error: #[{attribute}] needs ml-test's `testing` feature: it switches the loader \
                 seams on in test builds"
            ),
        );
        assert_contains(&errors, &format!("--> src/lib.rs:{line}:5"));
    }
    assert_contains(
        &errors,
        "    [dev-dependencies]\n           ml-test = { version = \"..\", features = [\"testing\"] }",
    );
}

/// A user's crate that lists ml-test only under `[dependencies]`, without `testing`.
const NO_TESTING_FEATURE: &str = r#"use ml_test::prelude::*;

pub struct Scorer;
impl Model for Scorer {
    type Input = Vec<f32>;
    type Output = Vec<f32>;
    fn predict(&self, input: &Vec<f32>) -> Result<Vec<f32>, ModelError> {
        Ok(input.clone())
    }
}

pub fn random_scorer(_rng: &mut ml_test::rand::rngs::StdRng) -> Result<SharedModel<Vec<f32>, Vec<f32>>, ModelError> {
    Ok(std::sync::Arc::new(Scorer))
}

#[model_loader(random = random_scorer)]
pub fn load_scorer() -> Result<SharedModel<Vec<f32>, Vec<f32>>, ModelError> {
    Ok(std::sync::Arc::new(Scorer))
}

#[cfg(test)]
mod tests {
    #[ml_test::mock_model(returns = [99.0])]
    fn mocked() {
        assert_eq!(super::load_scorer().unwrap().predict(&vec![1.0]).unwrap(), vec![99.0]);
    }

    #[ml_test::random_weights]
    fn random() {
        super::load_scorer().unwrap();
    }
}
"#;

/// The failure section libtest prints for `test`: from `---- test stdout ----` to the next.
fn failure_section<'a>(stdout: &'a str, test: &str) -> &'a str {
    let start = stdout
        .find(&format!("---- {test} stdout ----"))
        .unwrap_or_else(|| panic!("no failure output for {test}:\n{stdout}"));
    let rest = &stdout[start + 5..];
    let end = rest
        .find("\n---- ")
        .or_else(|| rest.find("\nfailures:"))
        .unwrap_or(rest.len());
    &rest[..end]
}

#[ml_test(slow, timeout = "15m")]
fn behaviour_checks_in_a_users_crate() {
    let scratch = Scratch::create();
    let output = scratch.cargo_test("behaviour", &["--test-threads=1"]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let outcomes = outcomes(&stdout);
    assert_ran(&outcomes, "correct_scorer");
    assert_ran(&outcomes, "per_row_model_is_batch_invariant");
    for failing in [
        "broken_scorer",
        "field_the_features_ignore",
        "batch_mean_model_is_not",
    ] {
        assert_eq!(outcomes[failing], "FAILED", "{failing}:\n{stdout}");
    }

    // The broken scorer: one panic, naming every failed case with both scores.
    // sigmoid(0.2 * 5 - 10) = 0.5; renamed to a 10-letter name: sigmoid(1) = 0.731059.
    let broken = failure_section(&stdout, "broken_scorer");
    assert_eq!(broken.matches("panicked at").count(), 1, "{broken}");
    for line in [
        "behaviour check `approval`: 4 cases, 1 passed, 3 failed",
        "FAILED  invariant `a renamed applicant`: score 0.5 -> 0.731059 (delta +0.231059)",
        "features changed: name_len 5 -> 10",
        "FAILED  increases `a higher income`: score 0.5 -> 0.5 (delta 0)",
        "ok      decreases `more debt`: score 0.5 -> 0.119203",
        "FAILED  expect `approved`: score 0.5",
    ] {
        assert_contains(broken, line);
    }
    let vacuous = failure_section(&stdout, "field_the_features_ignore");
    assert_contains(vacuous, "VACUOUS invariant `the name does not matter`");
    assert_contains(vacuous, "this case can never fail");
    let batch = failure_section(&stdout, "batch_mean_model_is_not");
    assert_contains(batch, "3 of 3 rows differ");
    assert_contains(batch, "row 0: in the batch");
}

#[ml_test(slow, timeout = "15m")]
fn evaluation_in_a_users_crate() {
    let scratch = Scratch::create();
    let output = scratch.cargo_test("evaluation", &["--include-ignored", "--test-threads=1"]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let outcomes = outcomes(&stdout);
    assert_ran(&outcomes, "latency_of_a_1ms_sleep");

    // The sweep: its pass rate, and each failing seed with the command that replays it.
    let base = ml_test::context::seed_from_name("threshold_on_twenty_splits");
    let seeds = ml_test::context::sweep_seeds(base, 20);
    let failing: Vec<u64> = seeds.iter().copied().filter(|s| s % 3 == 0).collect();
    assert!(
        !failing.is_empty() && failing.len() < 20,
        "the fixture needs a mixed outcome: {seeds:?}"
    );
    let sweep = failure_section(&stdout, "threshold_on_twenty_splits__slow");
    assert_contains(
        sweep,
        &format!(
            "`threshold_on_twenty_splits__slow`: {} of 20 seeds passed ({:.0}%); it failed with {} seed",
            20 - failing.len(),
            100.0 * (20 - failing.len()) as f64 / 20.0,
            failing.len()
        ),
    );
    for seed in &failing {
        assert_contains(
            sweep,
            &format!(
                "replay: ML_TEST_SEED={seed} cargo test -- --exact threshold_on_twenty_splits__slow --include-ignored"
            ),
        );
    }
    // The replay command (limited to this test binary: the scratch crate also holds a file
    // that does not compile on purpose) runs that seed only, and fails again.
    let replay = |seed: u64| {
        let seed = seed.to_string();
        let output = scratch.cargo(
            None,
            &[("ML_TEST_SEED", seed.as_str())],
            &[
                "test",
                "--offline",
                "--test",
                "evaluation",
                "--",
                "--exact",
                "threshold_on_twenty_splits__slow",
                "--include-ignored",
                "--nocapture",
            ],
        );
        printed(&output)
    };
    let again = replay(failing[0]);
    assert_contains(&again, "0 of 1 seed passed (0%)");
    assert_contains(&again, &format!("seed {} (from ML_TEST_SEED)", failing[0]));
    let passing = seeds.iter().copied().find(|s| s % 3 != 0).unwrap();
    assert_contains(&replay(passing), "1 of 1 seed passed (100%)");

    // A failing gate: every gate in one table, with its margin.
    let gates = failure_section(&stdout, "failing_gates");
    for line in [
        "quality gates `scorecard`: 2 of 3 failed",
        "accuracy  0.7500  >= 0.8200  -0.0700  FAILED",
        "roc_auc   1.0000  >= 0.8400  +0.1600  ok",
        // -(ln 0.9 + ln 0.8 + ln 0.4 + ln 0.8) / 4 = 0.366983
        "log_loss  0.3670  <= 0.1000  -0.2670  FAILED",
    ] {
        assert_contains(gates, line);
    }
    assert_contains(
        failure_section(&stdout, "splits_share_a_row"),
        "split leak: 1 of 1 test records (100.0%) share a key with the training split",
    );
}

#[ml_test(slow, timeout = "15m")]
fn exclusive_tests_under_nextest_in_a_users_crate() {
    let scratch = Scratch::create();
    for run in 0..3 {
        let log = scratch.target.join(format!("overlap-{run}.log"));
        let _ = std::fs::remove_file(&log);
        let output = scratch.cargo(
            None,
            &[("ML_TEST_OVERLAP_LOG", log.to_str().unwrap())],
            &[
                "nextest",
                "run",
                "--offline",
                "--test",
                "exclusive",
                "--test-threads",
                "8",
                "--no-fail-fast",
            ],
        );
        let report = printed(&output);
        assert!(output.status.success(), "run {run}:\n{report}");
        let logged = intervals::parse(&std::fs::read_to_string(&log).unwrap());
        assert_eq!(logged.len(), 40, "run {run}: every test logged");
        assert_eq!(
            intervals::exclusive_overlaps(&logged),
            0,
            "run {run}: an exclusive test overlapped another process"
        );
        let peak = intervals::peak_concurrency(&logged);
        assert!(
            peak >= 2,
            "run {run}: the ordinary tests ran one at a time ({peak})"
        );
    }
}

#[ml_test(slow, timeout = "15m")]
fn a_check_group_trains_once_per_run_under_nextest() {
    let scratch = Scratch::create();
    let trainings = |seed: Option<&str>| {
        let log = scratch.target.join("trainings.log");
        let _ = std::fs::remove_file(&log);
        let mut env = vec![("ML_TEST_TRAININGS_LOG", log.to_str().unwrap())];
        env.extend(seed.map(|seed| ("ML_TEST_SEED", seed)));
        let output = scratch.cargo(
            None,
            &env,
            &[
                "nextest",
                "run",
                "--offline",
                "--test",
                "trainings",
                "--no-fail-fast",
            ],
        );
        let report = printed(&output);
        assert!(output.status.success(), "{report}");
        assert_contains(&report, "5 tests run: 5 passed");
        let logged = std::fs::read_to_string(&log).unwrap();
        let processes: std::collections::BTreeSet<&str> = logged.lines().collect();
        (logged.lines().count(), processes.len())
    };
    // Five checks in five processes: one training for the four that read the run, and the two
    // fresh trainers of `deterministic`, in its own process. (It was 4 + 2 before.)
    assert_eq!(trainings(None), (3, 2));
    // Another run, another seed: trained again, never read from the earlier run.
    assert_eq!(trainings(Some("7")), (3, 2));
    assert_eq!(trainings(Some("7")), (3, 2));
}

#[ml_test(slow, timeout = "15m")]
fn gpu_and_e2e_tests_never_pass_without_their_prerequisites() {
    let scratch = Scratch::create();
    // The tiers selected at run time, from the build plain `cargo test` makes: only the
    // prerequisites change from one run to the next, and none of them rebuilds anything.
    let run = |filter: &str, env: &[(&str, &str)]| {
        let output = scratch.cargo_bare(
            None,
            env,
            &[
                "test",
                "--offline",
                "--test",
                "prerequisites",
                "--",
                "--include-ignored",
                filter,
                "--test-threads=1",
            ],
        );
        assert_no_rebuild(&output);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        (outcomes(&stdout), format!("{stdout}{}", stderr(&output)))
    };
    scratch.build_tests("prerequisites");

    // Without an endpoint: each e2e test fails, naming the variable or saying it reached none.
    let (e2e, report) = run("__e2e", &[]);
    assert_eq!(e2e["reaches_the_endpoint__e2e"], "FAILED", "{report}");
    assert_eq!(e2e["reaches_nothing__e2e"], "FAILED", "{report}");
    assert_contains(
        &report,
        "ML_TEST_ENDPOINT is not set: a post-deployment test needs the base URL",
    );
    assert_contains(
        &report,
        "`reaches_nothing__e2e` is a post-deployment test (tier e2e) and it reached no deployment \
         (it made no request through ml_test::e2e)",
    );

    // A dead endpoint: the test fails, and the failure names the URL nothing answered at.
    let dead = deployment::dead_url();
    let (e2e, report) = run("__e2e", &[("ML_TEST_ENDPOINT", &dead)]);
    assert_eq!(e2e["reaches_the_endpoint__e2e"], "FAILED", "{report}");
    assert_contains(
        &report,
        &format!(
            "ml-test: `reaches_the_endpoint__e2e` reached no deployment (nothing answered at \
             {dead}/v2/health/live: "
        ),
    );

    // A live one: the test that makes a request passes; the one that makes none still fails.
    let (e2e, report) = run("__e2e", &[("ML_TEST_ENDPOINT", deployment::url())]);
    assert_eq!(e2e["reaches_the_endpoint__e2e"], "ok", "{report}");
    assert_eq!(e2e["reaches_nothing__e2e"], "FAILED", "{report}");
    assert_eq!(e2e.len(), 2, "only the e2e tier ran: {e2e:#?}");

    // gpu: fails where no accelerator is visible, runs where one is said to be.
    let (gpu, report) = run("__gpu", &[("ML_TEST_GPU", "0")]);
    assert_eq!(gpu["needs_a_gpu__gpu"], "FAILED", "{report}");
    assert_contains(
        &report,
        "`needs_a_gpu__gpu` is in tier gpu, and no accelerator is visible here",
    );
    let (gpu, report) = run("__gpu", &[("ML_TEST_GPU", "1")]);
    assert_eq!(gpu["needs_a_gpu__gpu"], "ok", "{report}");
    assert_eq!(gpu.len(), 1, "only the gpu tier ran: {gpu:#?}");
    let (gpu, report) = run("__gpu", &[("ML_TEST_GPU", "maybe")]);
    assert_eq!(gpu["needs_a_gpu__gpu"], "FAILED", "{report}");
    assert_contains(&report, "ML_TEST_GPU=\"maybe\" is not valid: set it to 1");

    // `ML_TEST_TIERS=all` selects every tier when the crate compiles; the prerequisites are
    // still checked when the tests run, so without them the gpu and e2e tests fail.
    let output = scratch.cargo_bare(
        Some("all"),
        &[("ML_TEST_GPU", "0")],
        &["test", "--offline", "--test", "prerequisites"],
    );
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let all = outcomes(&stdout);
    for test in [
        "needs_a_gpu__gpu",
        "reaches_the_endpoint__e2e",
        "reaches_nothing__e2e",
    ] {
        assert_eq!(all[test], "FAILED", "{test}:\n{stdout}");
    }
}

/// The tests of tests/scratch/names.rs by tier, as libtest names them: every kind of test
/// ml-test generates carries its tier at the end of its name (unit names are unchanged).
const UNIT: &[&str] = &["plain_unit"];
const INTEGRATION: &[&str] = &[
    "exclusive_warm_cache__integration",
    "plain_integration__integration",
    "random__integration",
    "slow_path_of_the_tokenizer__integration",
];
const SLOW: &[&str] = &[
    "calls_another_test__slow",
    "cases::case_1__slow",
    "cases::case_2_two__slow",
    "halving::deterministic__slow",
    "halving::loss_decreases__slow",
    "halving::loss_is_finite__slow",
    "halving::overfits_batch__slow",
    "halving::params_update__slow",
    "mocked__slow",
    "plain_slow__slow",
    "scoring_latency_budget__slow",
    "sweep__slow",
    "timed__slow",
];
const GPU: &[&str] = &["gpu_cases::test_case_1_one__gpu", "plain_gpu__gpu"];
const E2E: &[&str] = &["async_e2e__e2e", "plain_e2e__e2e"];

fn names(tiers: &[&[&'static str]]) -> BTreeSet<String> {
    tiers
        .iter()
        .flat_map(|tier| tier.iter().map(|name| (*name).to_owned()))
        .collect()
}

/// The tests that passed, from libtest's `test name ... ok` lines.
fn passed(outcomes: &BTreeMap<String, String>) -> BTreeSet<String> {
    outcomes
        .iter()
        .filter(|(_, outcome)| *outcome == "ok")
        .map(|(name, _)| name.clone())
        .collect()
}

fn modified(path: &Path) -> std::time::SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

#[ml_test(slow, timeout = "15m")]
fn tiers_are_selected_at_run_time_from_one_build() {
    let scratch = Scratch::create();
    // The build plain `cargo test` makes, without a warning in it.
    let binary = scratch.build_tests("names");
    let built = modified(&binary);
    let every_test = names(&[UNIT, INTEGRATION, SLOW, GPU, E2E]);

    let run = |env: &[(&str, &str)], libtest_args: &[&str]| {
        let mut args = vec!["test", "--offline", "--test", "names", "--"];
        args.extend_from_slice(libtest_args);
        let output = scratch.cargo_bare(None, env, &args);
        assert_no_rebuild(&output);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        (outcomes(&stdout), format!("{stdout}{}", stderr(&output)))
    };
    let prerequisites = [
        ("ML_TEST_GPU", "1"),
        ("ML_TEST_ENDPOINT", deployment::url()),
    ];

    // Every name carries its tier.
    let (_, listing) = run(&[], &["--list"]);
    let listed: BTreeSet<String> = listing
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(str::to_owned)
        .collect();
    assert_eq!(listed, every_test, "{listing}");

    // `cargo test` alone: unit and integration run, every other test is ignored.
    let (default, report) = run(&prerequisites, &[]);
    assert_eq!(passed(&default), names(&[UNIT, INTEGRATION]), "{report}");
    for name in names(&[SLOW, GPU, E2E]) {
        assert!(default[&name].starts_with("ignored, "), "{name}: {report}");
    }

    // The slow tier, and only it, from the same build.
    let (slow, report) = run(&prerequisites, &["--include-ignored", "__slow"]);
    assert_eq!(passed(&slow), names(&[SLOW]), "{report}");
    assert_eq!(slow.len(), SLOW.len(), "nothing else ran: {report}");
    assert_contains(
        &report,
        &format!(
            "{} passed; 0 failed; 0 ignored; 0 measured; {} filtered out",
            SLOW.len(),
            every_test.len() - SLOW.len()
        ),
    );

    // Two tiers at once.
    let (both, report) = run(&prerequisites, &["--include-ignored", "__gpu", "__e2e"]);
    assert_eq!(passed(&both), names(&[GPU, E2E]), "{report}");
    assert_eq!(
        both.len(),
        GPU.len() + E2E.len(),
        "nothing else ran: {report}"
    );

    // Other prerequisites (none of them rebuilds): the same tests run and fail, saying why.
    let dead = deployment::dead_url();
    let (without, report) = run(
        &[("ML_TEST_GPU", "0"), ("ML_TEST_ENDPOINT", &dead)],
        &["--include-ignored", "__gpu", "__e2e"],
    );
    assert!(
        names(&[GPU, E2E])
            .iter()
            .all(|name| without[name] == "FAILED"),
        "{report}"
    );
    assert_contains(&report, "no accelerator is visible here");
    assert_contains(&report, &format!("nothing answered at {dead}/v2/health/"));
    let (unset, report) = run(&[], &["--include-ignored", "__e2e"]);
    assert!(
        names(&[E2E]).iter().all(|name| unset[name] == "FAILED"),
        "{report}"
    );
    assert_contains(&report, "ML_TEST_ENDPOINT is not set");

    assert_eq!(modified(&binary), built, "the test binary was rebuilt");

    // A misspelled tier in the filter selects nothing: libtest runs no test and exits 0,
    // nextest exits 4 ("no tests to run"), which is why CI should use nextest's filters.
    let (typo, report) = run(&prerequisites, &["--include-ignored", "__slwo"]);
    assert!(typo.is_empty(), "{report}");
    assert_contains(&report, "0 passed; 0 failed; 0 ignored; 0 measured");
    let output = scratch.cargo_bare(
        None,
        &[],
        &[
            "nextest",
            "run",
            "--offline",
            "--test",
            "names",
            "--run-ignored",
            "all",
            "-E",
            "test(/__slwo$/)",
        ],
    );
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    assert_contains(&stderr(&output), "no tests to run");
}

#[ml_test(slow, timeout = "15m")]
fn the_suffix_trips_no_lint_and_hides_none() {
    let scratch = Scratch::create();
    let output = scratch.cargo_test("lints", &["--list"]);
    let errors = stderr(&output);
    assert!(!output.status.success(), "{errors}");
    assert_eq!(
        errors.matches("error: ").count(),
        2,
        "one error, and cargo's summary:\n{errors}"
    );
    assert_contains(
        &errors,
        "error: variable `camelCase` should have a snake case name",
    );
    assert_contains(&errors, "--> tests/lints.rs:8:9");
    assert!(!errors.contains("warning"), "{errors}");
}

/// The tests nextest ran, from its `PASS` / `FAIL` lines (their last word is the test's name).
fn nextest_ran(report: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let with_status = |status: &str| {
        report
            .lines()
            .filter(|line| line.trim_start().starts_with(status))
            .filter_map(|line| line.split_whitespace().last())
            .map(str::to_owned)
            .collect()
    };
    (with_status("PASS "), with_status("FAIL "))
}

#[ml_test(slow, timeout = "15m")]
fn the_shipped_nextest_profiles_select_each_tier() {
    let scratch = Scratch::create();
    let nextest = |args: &[&str]| {
        let mut all = vec!["nextest", "run", "--offline", "--test", "names"];
        all.extend_from_slice(args);
        let output = scratch.cargo(None, &[], &all);
        let report = printed(&output);
        assert!(output.status.success(), "{args:?}:\n{report}");
        (nextest_ran(&report), report)
    };
    scratch.build_tests("names");

    // The default profile: unit and integration.
    let ((passed, failed), report) = nextest(&[]);
    assert_eq!(passed, names(&[UNIT, INTEGRATION]), "{report}");
    assert!(failed.is_empty(), "{report}");

    // A tier by the filter alone, as the README writes it.
    let ((passed, failed), report) = nextest(&["--run-ignored", "all", "-E", "test(/__slow$/)"]);
    assert_eq!(passed, names(&[SLOW]), "{report}");
    assert!(failed.is_empty(), "{report}");

    // A profile per tier, whose filter is the tier's name suffix.
    for (profile, tier) in [
        ("unit", UNIT),
        ("integration", INTEGRATION),
        ("slow", SLOW),
        ("gpu", GPU),
        ("e2e", E2E),
    ] {
        let ((passed, failed), report) = nextest(&["-P", profile, "--run-ignored", "all"]);
        assert_eq!(passed, names(&[tier]), "-P {profile}:\n{report}");
        assert!(failed.is_empty(), "{report}");
        assert_no_rebuild_after_the_first(&report);
        // Each writes its JUnit report, as the `ci` profile it inherits does.
        let junit = scratch
            .dir
            .join(format!("target/nextest/{profile}/junit.xml"));
        let junit = std::fs::read_to_string(&junit)
            .unwrap_or_else(|error| panic!("{}: {error}", junit.display()));
        for name in tier {
            assert_contains(&junit, &format!("name=\"{name}\""));
        }
    }

    // The exclusive group still holds the exclusive tests under their new names, in every
    // profile (a tier's profile lists those of its tier).
    for (profile, exclusive) in [
        (
            "default",
            &[
                "scoring_latency_budget__slow",
                "exclusive_warm_cache__integration",
            ][..],
        ),
        ("slow", &["scoring_latency_budget__slow"][..]),
    ] {
        let output = scratch.cargo(
            None,
            &[],
            &[
                "nextest",
                "show-config",
                "test-groups",
                "--offline",
                "--test",
                "names",
                "-P",
                profile,
                "--run-ignored",
                "all",
            ],
        );
        let shown = printed(&output);
        assert!(output.status.success(), "{shown}");
        let group = shown
            .split("group: ml-test-exclusive")
            .nth(1)
            .unwrap_or_else(|| panic!("no exclusive group in -P {profile}:\n{shown}"));
        for name in exclusive {
            assert_contains(group, name);
        }
        assert!(!group.contains("plain_slow__slow"), "{shown}");
    }
}

/// nextest builds before it runs: the build must find everything fresh.
fn assert_no_rebuild_after_the_first(report: &str) {
    assert!(
        !report.contains("Compiling "),
        "nothing may be recompiled:\n{report}"
    );
}

/// The `run:` lines of the README's "Scaling out" CI recipe, in order.
fn scaling_out_recipe() -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let section = readme
        .split("\n## Scaling out")
        .nth(1)
        .expect("README.md has a \"Scaling out\" section");
    let recipe = section
        .split("```yaml\n")
        .nth(1)
        .and_then(|block| block.split("\n```").next())
        .expect("the section holds a yaml CI recipe");
    recipe
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- run: "))
        .map(str::to_owned)
        .collect()
}

#[ml_test(slow, timeout = "15m")]
fn one_archive_fans_out_over_machines_as_the_readme_says() {
    let scratch = Scratch::create();
    // A user's repository whose every test target builds, as CI archives it.
    let repo = scratch.dir.with_file_name("fan-out-repo");
    for (file, contents) in [
        (
            "Cargo.toml",
            std::fs::read_to_string(scratch.dir.join("Cargo.toml")).unwrap(),
        ),
        (
            "src/lib.rs",
            std::fs::read_to_string(scratch.dir.join("src/lib.rs")).unwrap(),
        ),
        (
            "tests/names.rs",
            std::fs::read_to_string(scratch.dir.join("tests/names.rs")).unwrap(),
        ),
        (
            ".config/nextest.toml",
            std::fs::read_to_string(Path::new(ROOT).join(".config/nextest.toml")).unwrap(),
        ),
    ] {
        let path = repo.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        // Only the names target: the scratch crate's other targets fail to build on purpose.
        let contents = if file == "Cargo.toml" {
            let (package, _) = contents.split_once("[dependencies]").unwrap();
            let deps = contents
                .split_once("[dependencies]")
                .unwrap()
                .1
                .split_once("[[bin]]")
                .unwrap()
                .0;
            format!(
                "{package}[dependencies]{deps}[[test]]\nname = \"names\"\npath = \"tests/names.rs\"\n\n[workspace]\n"
            )
        } else {
            contents
        };
        write_if_changed(&path, &contents);
    }
    write_if_changed(&repo.join("Cargo.lock"), &lockfile());
    // The lock file gains the repository's own package once, as a first build would add it:
    // the recipe's build job runs with `--locked`.
    let output = scratch.cargo_in(&repo, None, &[], &["update", "--workspace", "--offline"]);
    assert!(output.status.success(), "{}", stderr(&output));

    let recipe = scaling_out_recipe();
    let step = |prefix: &str| -> Vec<&String> {
        recipe
            .iter()
            .filter(|command| command.contains(prefix))
            .collect()
    };
    let [build] = step("cargo nextest archive")[..] else {
        panic!("one build step: {recipe:#?}")
    };
    let runs = step("cargo nextest run --archive-file");
    assert_eq!(
        runs.len(),
        4,
        "fast, slow, gpu and post-deployment jobs: {recipe:#?}"
    );

    // The build job, in the repository.
    let shell = |dir: &Path, command: &str, env: &[(&str, &str)]| {
        let mut shell = Command::new("sh");
        shell
            .args(["-c", command])
            .current_dir(dir)
            .env("CARGO_NET_OFFLINE", "true")
            .env("CARGO_TERM_COLOR", "never")
            .env_remove("ML_TEST_TIERS")
            .env_remove("ML_TEST_GPU")
            .env_remove("ML_TEST_ENDPOINT")
            .env_remove("ML_TEST_SEED")
            .env_remove("RUSTFLAGS");
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("NEXTEST") {
                shell.env_remove(key);
            }
        }
        shell.envs(env.iter().copied());
        let output = shell.output().expect("sh runs");
        let report = printed(&output);
        assert!(
            output.status.success(),
            "`{command}` in {}:\n{report}",
            dir.display()
        );
        report
    };
    let target = scratch.target.to_str().unwrap();
    let archive = repo.join("tests.tar.zst");
    let _ = std::fs::remove_file(&archive);
    shell(&repo, build, &[("CARGO_TARGET_DIR", target)]);

    // Every other job on "another machine": a checkout elsewhere, with the archive downloaded
    // into it and no build of its own.
    let machine = scratch.dir.with_file_name("fan-out-machine");
    let _ = std::fs::remove_dir_all(&machine);
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        "src/lib.rs",
        "tests/names.rs",
        ".config/nextest.toml",
    ] {
        std::fs::create_dir_all(machine.join(file).parent().unwrap()).unwrap();
        std::fs::copy(repo.join(file), machine.join(file)).unwrap();
    }
    std::fs::copy(&archive, machine.join("tests.tar.zst")).unwrap();
    let elsewhere = machine.join("target-that-is-never-built");
    let run = |command: &str, env: &[(&str, &str)]| {
        let mut env = env.to_vec();
        env.push(("CARGO_TARGET_DIR", elsewhere.to_str().unwrap()));
        let report = shell(&machine, command, &env);
        assert_no_rebuild_after_the_first(&report);
        nextest_ran(&report)
    };
    let with = |command: &str, pattern: &str| {
        runs.iter()
            .find(|run| run.contains(pattern))
            .unwrap_or_else(|| panic!("no job runs `{pattern}`: {runs:#?}"))
            .replace("${{ matrix.partition }}", command)
    };

    // fast: unit + integration.
    let (passed, failed) = run(&with("", "-P ci"), &[]);
    assert_eq!(passed, names(&[UNIT, INTEGRATION]));
    assert!(failed.is_empty());

    // slow: two partitions, every slow test exactly once between them and nothing else.
    let mut seen = Vec::new();
    for partition in ["1", "2"] {
        let (passed, failed) = run(&with(partition, "-P slow"), &[]);
        assert!(failed.is_empty(), "{failed:?}");
        seen.extend(passed);
    }
    let distinct: BTreeSet<String> = seen.iter().cloned().collect();
    assert_eq!(
        seen.len(),
        distinct.len(),
        "a slow test ran twice: {seen:?}"
    );
    assert_eq!(distinct, names(&[SLOW]));

    // gpu, on a machine with one (ML_TEST_GPU=1 stands for it here).
    let (passed, failed) = run(&with("", "-P gpu"), &[("ML_TEST_GPU", "1")]);
    assert_eq!((passed, failed.len()), (names(&[GPU]), 0));

    // post-deployment, against the deployment the recipe names.
    let e2e = with("", "-P e2e").replace("${{ vars.MODEL_ENDPOINT }}", deployment::url());
    let (passed, failed) = run(&e2e, &[]);
    assert_eq!((passed, failed.len()), (names(&[E2E]), 0));
    assert!(!elsewhere.exists(), "a job built something");
}

/// A fenced block of the README's section `title`: the `nth` one opening with "```{fence}".
fn readme_block(title: &str, fence: &str, nth: usize) -> String {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let section = readme
        .split(&format!("\n## {title}\n"))
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .unwrap_or_else(|| panic!("README.md has a section \"{title}\""));
    section
        .split(&format!("```{fence}\n"))
        .nth(nth + 1)
        .and_then(|block| block.split("\n```").next())
        .unwrap_or_else(|| panic!("\"{title}\" has a ```{fence} block #{nth}"))
        .to_owned()
}

#[ml_test(slow, timeout = "15m")]
fn the_readme_quick_start_works_as_written_in_a_new_crate() {
    let scratch = Scratch::create();
    let dependency = readme_block("Quick start", "toml", 0);
    let test_file = readme_block("Quick start", "rust", 0);
    let shown = readme_block("Quick start", "text", 0);
    // The crate a user makes: the README's dependency line, ml-test from this checkout.
    let published = "version = \"0.1\"";
    assert_contains(&dependency, published);
    let dependency = dependency.replace(published, &format!("path = {ROOT:?}"));
    let dir = scratch.dir.with_file_name("quick-start-crate");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    write_if_changed(
        &dir.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"quick-start\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             {dependency}\n\n[workspace]\n"
        ),
    );
    write_if_changed(&dir.join("src/lib.rs"), "");
    write_if_changed(&dir.join("tests/model.rs"), &test_file);
    write_if_changed(&dir.join("Cargo.lock"), &lockfile());

    // `cargo test --test model`, as the README says: it prints what the README shows.
    let output = scratch.cargo_in(&dir, None, &[], &["test", "--offline", "--test", "model"]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{stdout}\n{}", stderr(&output));
    // Line for line; the summary only up to its timing, which the README leaves out.
    for line in shown.lines().filter(|line| !line.is_empty()) {
        assert!(
            stdout.lines().any(|printed| printed == line
                || (line.starts_with("test result:")
                    && printed.starts_with(line)
                    && printed[line.len()..].starts_with("; finished in "))),
            "the README shows {line:?}, cargo test printed:\n{stdout}"
        );
    }
    // The command the ignored test's reason gives runs it, and it passes.
    let output = scratch.cargo_in(
        &dir,
        None,
        &[],
        &[
            "test",
            "--offline",
            "--test",
            "model",
            "--",
            "--include-ignored",
            "__slow",
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{stdout}\n{}", stderr(&output));
    assert_contains(&stdout, "test sampling_repeats_with_its_seed__slow ... ok");
    assert_contains(&stdout, "1 passed; 0 failed; 0 ignored");
}

/// A browser that runs headless: Debian's `chromium` (`.ci/run` installs it), or another
/// Chromium-based browser on the PATH.
fn chromium() -> PathBuf {
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .find_map(|name| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|path| path.is_file())
        })
    })
    .expect(
        "the run report is checked in headless Chromium, and none is on the PATH: install it \
             (`apt-get install chromium` on Debian; .ci/run does) or skip this test with \
             `--skip the_run_report`",
    )
}

/// `page` loaded in headless Chromium: the DOM it built, and the errors its console printed.
fn in_browser(page: &Path, screenshot: Option<&Path>) -> (String, Vec<String>) {
    let url = format!("file://{}", page.display());
    let browser = |extra: &[String]| {
        let output = Command::new(chromium())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
            ])
            .args([
                "--enable-logging=stderr",
                "--v=0",
                "--window-size=1280,2400",
            ])
            .args(extra)
            .arg(&url)
            .output()
            .expect("chromium runs");
        assert!(
            output.status.success(),
            "chromium failed:\n{}",
            printed(&output)
        );
        output
    };
    let output = browser(&["--dump-dom".to_owned()]);
    let errors = stderr(&output)
        .lines()
        .filter(|line| line.contains("CONSOLE"))
        .map(str::to_owned)
        .collect();
    if let Some(path) = screenshot {
        browser(&[format!("--screenshot={}", path.display())]);
        assert!(path.is_file(), "no screenshot at {}", path.display());
    }
    (String::from_utf8_lossy(&output.stdout).into_owned(), errors)
}

/// The tests on the page, in its order, with their outcome (`passed` or `failed`).
fn tests_on_page(dom: &str) -> Vec<(String, String)> {
    dom.split("<details class=\"test ")
        .skip(1)
        .map(|card| {
            let outcome = card.split_whitespace().next().unwrap().to_owned();
            let name = card
                .split_once("<strong>")
                .and_then(|(_, rest)| rest.split_once("</strong>"))
                .map(|(name, _)| name.to_owned())
                .unwrap();
            (name, outcome)
        })
        .collect()
}

/// What the page of a run must show: every test that ran once, with its outcome, failures
/// first; one plot per convergence group and per latency report; no script, and no console
/// error in the browser.
fn check_report_page(page: &Path, ran: &BTreeMap<String, String>, screenshot: &Path) {
    let (dom, console) = in_browser(page, Some(screenshot));
    assert!(
        console.is_empty(),
        "the console printed errors: {console:?}"
    );
    let shown = tests_on_page(&dom);
    let on_page: BTreeMap<String, String> = shown.iter().cloned().collect();
    assert_eq!(
        on_page.len(),
        shown.len(),
        "a test is shown twice: {shown:?}"
    );
    assert_eq!(&on_page, ran, "the page's tests and outcomes are the run's");
    let first_pass = shown
        .iter()
        .position(|(_, outcome)| outcome == "passed")
        .unwrap();
    assert!(
        shown[first_pass..]
            .iter()
            .all(|(_, outcome)| outcome == "passed"),
        "failures come first: {shown:?}"
    );
    // Two check groups (`learns`, `stuck`) and two latency reports.
    assert_eq!(
        dom.matches("<figure class=\"plot\"><svg").count(),
        4,
        "{dom}"
    );
    assert_eq!(dom.matches("the shared run</h3>").count(), 2, "{dom}");
    assert_eq!(dom.matches("<h3>latency: ").count(), 2, "{dom}");
    assert!(!dom.contains("<script"), "readable without JavaScript");
    // Each kind's section, for the passing and the failing test: behaviour cases (the vacuous
    // one marked), gate tables, sweeps per seed, the e2e requests.
    for (title, count) in [
        ("<h3>behaviour check `approval`</h3>", 2),
        ("<h3>quality gates `scorecard`</h3>", 2),
        ("<h3>seed sweep</h3>", 2),
        ("<h3>requests to the deployment</h3>", 2),
    ] {
        assert_eq!(dom.matches(title).count(), count, "{title}");
    }
    assert_eq!(dom.matches("<tr class=\"vacuous\">").count(), 1);
    assert_contains(&dom, "<code>GET http://");
    // The failures say why, with the command that replays them.
    for (name, outcome) in ran {
        let card = dom
            .split("<details class=\"test ")
            .find(|card| card.contains(&format!("<strong>{name}</strong>")))
            .unwrap();
        assert!(
            card.contains("cargo test -- --exact"),
            "{name}: no replay command"
        );
        assert_eq!(
            card.contains("<pre class=\"failure\">"),
            outcome == "failed",
            "{name}: a failure, and only a failure, shows its message"
        );
    }
    assert_contains(&dom, "arithmetic is off");
    // The ML Test Score coverage counts passing tests only: `learns`' deterministic check
    // (infra.1) and its other checks (infra.2), the slow and integration tiers (infra.3), the
    // passing gates, sweep and known answers (infra.4), the e2e test that reached its
    // deployment (infra.6), the invariance case (model.7), the latency budget (data.3).
    assert_contains(
        &dom,
        "<td>Data and features</td><td>1 of 7</td><td>2 of 7</td>",
    );
    assert_contains(
        &dom,
        "<td>Model development</td><td>1 of 7</td><td>1 of 7</td>",
    );
    assert_contains(
        &dom,
        "<td>ML infrastructure</td><td>5 of 7</td><td>5 of 7</td>",
    );
    assert_contains(&dom, "<td>Monitoring</td><td>0 of 7</td><td>0 of 7</td>");
    let row = |item: &str| {
        dom.split(&format!("<td>{item}</td>"))
            .nth(1)
            .and_then(|row| row.split("</tr>").next())
            .unwrap()
            .to_owned()
    };
    let (infra_2, infra_3, infra_6) = (row("infra.2"), row("infra.3"), row("infra.6"));
    // A failed test earns nothing, by its checks or by its tier.
    assert!(
        infra_2.contains("learns::loss_decreases__slow")
            && !infra_2.contains("stuck::loss_decreases"),
        "{infra_2}"
    );
    assert!(
        infra_3.contains("gates_pass__slow") && !infra_3.contains("plain_fails__integration"),
        "{infra_3}"
    );
    assert!(
        infra_6.contains("deployment_answers__e2e")
            && !infra_6.contains("deployment_lacks_a_model"),
        "{infra_6}"
    );
}

#[ml_test(slow, timeout = "15m")]
fn the_run_report_in_a_real_browser_under_cargo_test_and_nextest() {
    let scratch = Scratch::create();
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../ml-test-report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    // The console check can fail: a page whose script logs an error is caught.
    let control = scratch.target.join("console-control.html");
    std::fs::write(&control, "<script>console.error('broken page')</script>").unwrap();
    assert_eq!(
        in_browser(&control, None).1.len(),
        1,
        "a console error is seen"
    );

    // `cargo <args>` with the report written to `report`.
    let with_report = |report: &Path, args: &[&str]| {
        scratch.cargo(None, &[("ML_TEST_REPORT", report.to_str().unwrap())], args)
    };
    let cargo_test = [
        "test",
        "--offline",
        "--test",
        "report",
        "--",
        "--include-ignored",
    ];
    let report = scratch.target.join("report-cargo");
    let output = with_report(&report, &cargo_test);
    assert!(!output.status.success(), "half the tests fail");
    assert_contains(&printed(&output), "test result: FAILED.");
    let ran: BTreeMap<String, String> = outcomes(&String::from_utf8_lossy(&output.stdout))
        .into_iter()
        .map(|(name, outcome)| {
            let outcome = if outcome == "ok" { "passed" } else { "failed" };
            (name, outcome.to_owned())
        })
        .collect();
    assert_eq!(ran.len(), 22, "{ran:?}");
    let failed = ran.values().filter(|outcome| *outcome == "failed").count();
    assert_eq!(failed, 9, "{ran:?}");
    check_report_page(
        &report.join("index.html"),
        &ran,
        &shots.join("cargo-test.png"),
    );

    // A rerun replaces the report: two tests now, nothing left of the run before.
    let output = with_report(&report, &[&cargo_test[..], &["gates_"]].concat());
    assert!(!output.status.success());
    let page = std::fs::read_to_string(report.join("index.html")).unwrap();
    let names: BTreeSet<String> = tests_on_page(&page)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(names, names_of(&["gates_fail__slow", "gates_pass__slow"]));

    // nextest: a process per test, in parallel, into one report.
    let report = scratch.target.join("report-nextest");
    let nextest = [
        "nextest",
        "run",
        "--offline",
        "--test",
        "report",
        "--run-ignored",
        "all",
    ];
    let output = with_report(&report, &[&nextest[..], &["--no-fail-fast"]].concat());
    let (passed, failed) = nextest_ran(&printed(&output));
    let by_nextest: BTreeMap<String, String> = passed
        .into_iter()
        .map(|name| (name, "passed".to_owned()))
        .chain(failed.into_iter().map(|name| (name, "failed".to_owned())))
        .collect();
    assert_eq!(by_nextest, ran, "nextest ran what cargo test ran");
    check_report_page(&report.join("index.html"), &ran, &shots.join("nextest.png"));
}

fn names_of(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}
