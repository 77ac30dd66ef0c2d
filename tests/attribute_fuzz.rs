//! A fuzz test of the five attributes' argument parsing, through the compiler.
//!
//! Valid argument lists of `#[ml_test]`, `#[mock_model]`, `#[random_weights]`,
//! `#[overfit_check]` and `#[model_loader]` are mutated (tokens deleted, duplicated and swapped,
//! literals of the wrong kind, overflowing numbers, non-finite floats, suffixes, unicode,
//! nesting) into thousands of cases, compiled in batches in a scratch crate. Every case must be
//! either rejected with errors that all point inside its attribute, or accepted; no input may
//! panic a macro. The accepted cases are then compiled on their own and must build: an accepted
//! case is a valid one.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use ml_test::prelude::*;
use ml_test::rand::Rng;
use ml_test::rand::rngs::StdRng;
use ml_test::rand::seq::IndexedRandom;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// How many cases are generated, and how many go into one compiled file.
const CASES: usize = 2400;
const BATCH: usize = 600;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Attr {
    MlTest,
    MockModel,
    RandomWeights,
    OverfitCheck,
    ModelLoader,
}

impl Attr {
    const ALL: [Attr; 5] = [
        Attr::MlTest,
        Attr::MockModel,
        Attr::RandomWeights,
        Attr::OverfitCheck,
        Attr::ModelLoader,
    ];

    fn name(self) -> &'static str {
        match self {
            Attr::MlTest => "ml_test",
            Attr::MockModel => "mock_model",
            Attr::RandomWeights => "random_weights",
            Attr::OverfitCheck => "overfit_check",
            Attr::ModelLoader => "model_loader",
        }
    }

    /// Valid argument lists, the seeds of the mutations.
    fn valid(self) -> &'static [&'static str] {
        match self {
            Attr::MlTest => &[
                "",
                "slow",
                "integration, seed = 42",
                "slow, timeout = \"30s\"",
                "seeds = 5",
                "exclusive",
                "e2e, seed = 7, timeout = \"2m\"",
            ],
            Attr::MockModel => &[
                "returns = [99]",
                "loader = load, returns = [1.5, 2.5]",
                "loader = load, returns_seq = [[1.0], [2.0]]",
                "fails = \"down\", expect_calls = 0",
                "latency = \"5ms\", returns = [0.5]",
                "global, loader = load, returns = [3]",
                "loader = load, returns_fn = |x: &Vec<f32>| x.clone()",
            ],
            Attr::RandomWeights => &["", "seed = 3", "loader = load", "seed = 9, loader = load"],
            Attr::OverfitCheck => &[
                "",
                "steps = 50",
                "target_loss = 0.5, seed = 3",
                "tier = integration, skip = [deterministic]",
                "loss_at_init(classes = 2)",
                "frozen = [\"w\"]",
                "capacity = 1..=3",
                "capacity = [1, 2], target_error = 0",
                "window = 0.2, min_decrease = 0.01",
            ],
            Attr::ModelLoader => &["", "cache", "random = Net::random"],
        }
    }

    /// The item under the attribute, named `name`, on the lines after it.
    fn item(self, name: &str) -> String {
        match self {
            Attr::OverfitCheck => format!("fn {name}() -> Both {{ Both::default() }}"),
            Attr::ModelLoader => format!(
                "fn {name}() -> Result<SharedModel<Vec<f32>, Vec<f32>>, String> {{ Ok(Arc::new(Net)) }}"
            ),
            _ => format!("fn {name}() {{}}"),
        }
    }
}

/// One generated case: which attribute, its arguments, and how it was made.
struct Case {
    attr: Attr,
    args: String,
    mutations: Vec<&'static str>,
}

/// The source tokens of an argument list: string literals and bracket pairs stay whole, so a
/// mutation never unbalances a delimiter or opens a string (rustc's lexer would then reject the
/// whole file before any macro ran).
fn tokens(args: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = args.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '"' {
            let end = (i + 1..chars.len())
                .find(|&j| chars[j] == '"')
                .unwrap_or(chars.len() - 1);
            tokens.push(chars[i..=end].iter().collect());
            i = end + 1;
        } else if c.is_alphanumeric()
            || c == '_'
            || c == '.' && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit())
        {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric()
                    || chars[i] == '_'
                    || (chars[i] == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            {
                i += 1;
            }
            tokens.push(chars[start..i].iter().collect());
        } else if "([".contains(c) {
            // A group: up to its matching close.
            let mut depth = 0;
            let start = i;
            while i < chars.len() {
                match chars[i] {
                    '(' | '[' => depth += 1,
                    ')' | ']' => depth -= 1,
                    _ => {}
                }
                i += 1;
                if depth == 0 {
                    break;
                }
            }
            tokens.push(chars[start..i].iter().collect());
        } else {
            tokens.push(c.to_string());
            i += 1;
        }
    }
    tokens
}

const WRONG_KINDS: &[&str] = &[
    "\"x\"", "1", "1.5", "true", "'c'", "b\"30s\"", "-1", "[]", "[1, [2]]", "()", "x", "a::b",
    "|x| x", "\"\"",
];
const OVERFLOWING: &[&str] = &[
    "99999999999999999999999999999999999999999",
    "340282366920938463463374607431768211456",
    "18446744073709551616",
    "4294967296",
    "1e400",
    "-1e400",
    "[1e400]",
    "[99999999999999999999999999999999999999999]",
];
const NON_FINITE: &[&str] = &["f64::NAN", "f64::INFINITY", "1e999", "[f64::NAN]"];
const SUFFIXES: &[&str] = &["u8", "i128", "f32", "usize", "u64", "foo", "_u64", "f64"];
const UNICODE: &[&str] = &[
    "séed",
    "ñ",
    "日本",
    "ｓｅｅｄ",
    "\"🦀\"",
    "\"30秒\"",
    "slöw",
];

fn is_literal(token: &str) -> bool {
    token.starts_with('"') || token.chars().next().is_some_and(|c| c.is_ascii_digit())
}

fn mutate(tokens: &mut Vec<String>, rng: &mut StdRng) -> &'static str {
    if tokens.is_empty() {
        tokens.push((*WRONG_KINDS.choose(rng).unwrap()).to_owned());
        return "insert";
    }
    let at = rng.random_range(0..tokens.len());
    let literal_at = {
        let literals: Vec<usize> = (0..tokens.len())
            .filter(|&i| is_literal(&tokens[i]))
            .collect();
        literals.choose(rng).copied()
    };
    match rng.random_range(0..10) {
        0 => {
            tokens.remove(at);
            "delete"
        }
        1 => {
            let token = tokens[at].clone();
            tokens.insert(at, token);
            "duplicate"
        }
        2 if tokens.len() > 1 => {
            let next = (at + 1) % tokens.len();
            tokens.swap(at, next);
            "swap"
        }
        3 => {
            tokens[literal_at.unwrap_or(at)] = (*WRONG_KINDS.choose(rng).unwrap()).to_owned();
            "wrong kind"
        }
        4 => {
            tokens[literal_at.unwrap_or(at)] = (*OVERFLOWING.choose(rng).unwrap()).to_owned();
            "overflow"
        }
        5 => {
            tokens[literal_at.unwrap_or(at)] = (*NON_FINITE.choose(rng).unwrap()).to_owned();
            "non-finite"
        }
        6 => match literal_at.filter(|&i| !tokens[i].starts_with('"')) {
            Some(i) => {
                tokens[i].push_str(SUFFIXES.choose(rng).unwrap());
                "suffix"
            }
            None => {
                tokens.push(format!("= 1{}", SUFFIXES.choose(rng).unwrap()));
                "suffix"
            }
        },
        7 => {
            tokens[at] = (*UNICODE.choose(rng).unwrap()).to_owned();
            "unicode"
        }
        8 => {
            let wrapped = match rng.random_range(0..3) {
                0 => format!("({})", tokens[at]),
                1 => format!("[{}]", tokens[at]),
                _ => format!("{}({})", tokens[at], tokens[at]),
            };
            tokens[at] = wrapped;
            "nesting"
        }
        _ => {
            let copy = tokens.clone();
            tokens.push(",".into());
            tokens.extend(copy);
            "whole list twice"
        }
    }
}

fn generate(rng: &mut StdRng) -> Vec<Case> {
    (0..CASES)
        .map(|n| {
            let attr = Attr::ALL[n % Attr::ALL.len()];
            let base = attr.valid().choose(rng).unwrap();
            let mut tokens = tokens(base);
            let mutations = (0..rng.random_range(1..=3))
                .map(|_| mutate(&mut tokens, rng))
                .collect();
            Case {
                attr,
                args: tokens.join(" "),
                mutations,
            }
        })
        .collect()
}

/// The scratch crate's library: the loader the mocks name, and a builder type that is both a
/// `Trainer` and a `Fitter`, so either kind of `#[overfit_check]` case compiles.
const LIB: &str = r#"
use std::sync::Arc;
use ml_test::convergence::{Fitter, Trainer};
use ml_test::prelude::*;
use ml_test::rand::rngs::StdRng;

pub struct Net;
impl Model for Net {
    type Input = Vec<f32>;
    type Output = Vec<f32>;
    fn predict(&self, x: &Vec<f32>) -> Result<Vec<f32>, ModelError> {
        Ok(x.clone())
    }
}
impl Net {
    pub fn random(_: &mut StdRng) -> Result<SharedModel<Vec<f32>, Vec<f32>>, String> {
        Ok(Arc::new(Net))
    }
}

#[model_loader(random = Net::random)]
pub fn load() -> Result<SharedModel<Vec<f32>, Vec<f32>>, String> {
    Ok(Arc::new(Net))
}

#[derive(Default)]
pub struct Both(f64);
impl Trainer for Both {
    fn step(&mut self) -> f64 {
        self.0 += 1.0;
        1.0 / self.0
    }
    fn parameters(&self) -> Vec<(String, ml_test::ndarray::ArrayD<f64>)> {
        vec![ml_test::param("w", &ml_test::ndarray::arr1(&[self.0]))]
    }
}
impl Fitter for Both {
    type Predictions = Vec<f64>;
    fn fit(&mut self, capacity: usize) -> Vec<f64> {
        vec![1.0 / (capacity as f64 + 1.0)]
    }
    fn error(&self, predictions: &Vec<f64>) -> f64 {
        predictions[0]
    }
}
"#;

/// A test file of `cases`, each attribute on its own line; the line of each case's attribute.
fn source(cases: &[(usize, &Case)]) -> (String, BTreeMap<usize, usize>) {
    let mut text = String::from(
        "#![allow(dead_code, unused_imports, unused_variables)]\n\
         use std::sync::Arc;\n\
         use ml_test::prelude::*;\n\
         use fuzz_crate::*;\n",
    );
    let mut lines = BTreeMap::new();
    for (n, case) in cases {
        let line = text.lines().count() + 1;
        lines.insert(line, *n);
        let _ = writeln!(text, "#[{}({})]", case.attr.name(), case.args);
        let _ = writeln!(text, "{}", case.attr.item(&format!("case_{n}")));
    }
    (text, lines)
}

struct Crate {
    dir: PathBuf,
    target: PathBuf,
}

impl Crate {
    fn create() -> Crate {
        let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let dir = base.join("attribute-fuzz-crate");
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::create_dir_all(dir.join("tests")).unwrap();
        let manifest = format!(
            "[package]\nname = \"fuzz_crate\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
             publish = false\nautotests = false\n\n[dependencies]\nml-test = {{ path = {ROOT:?} }}\n\n\
             [dev-dependencies]\nml-test = {{ path = {ROOT:?}, features = [\"testing\"] }}\n\n\
             [[test]]\nname = \"cases\"\npath = \"tests/cases.rs\"\n\n[workspace]\n"
        );
        std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
        std::fs::write(dir.join("src/lib.rs"), LIB).unwrap();
        let lockfile = std::fs::read_to_string(Path::new(ROOT).join("Cargo.lock")).unwrap();
        std::fs::write(dir.join("Cargo.lock"), lockfile).unwrap();
        Crate {
            dir,
            // The scratch crates of tests/cargo_tiers.rs build ml-test in the same place.
            target: base.join("tier-selection-target"),
        }
    }

    /// Compiles `source` as the test file; the compiler's errors as (line, column, message).
    fn errors_of(&self, source: &str) -> Vec<(usize, usize, String)> {
        std::fs::write(self.dir.join("tests/cases.rs"), source).unwrap();
        let output = Command::new(env!("CARGO"))
            .args([
                "test",
                "--no-run",
                "--offline",
                "--test",
                "cases",
                "--message-format=json",
            ])
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .env_remove("ML_TEST_TIERS")
            .env_remove("RUSTFLAGS")
            .output()
            .expect("cargo runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let mut errors = Vec::new();
        for line in stdout.lines() {
            let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let diagnostic = &message["message"];
            if message["reason"] != "compiler-message" || diagnostic["level"] != "error" {
                continue;
            }
            let text = diagnostic["message"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let primary = diagnostic["spans"]
                .as_array()
                .and_then(|spans| spans.iter().find(|span| span["is_primary"] == true));
            let (line, column) = primary.map_or((0, 0), |span| {
                (
                    span["line_start"].as_u64().unwrap_or(0) as usize,
                    span["column_start"].as_u64().unwrap_or(0) as usize,
                )
            });
            // rustc's closing summary ("could not compile", "aborting") has no span.
            if primary.is_none()
                && (text.starts_with("aborting") || text.contains("previous error"))
            {
                continue;
            }
            errors.push((line, column, text));
        }
        if errors.is_empty() {
            assert!(
                output.status.success(),
                "the build failed without a compiler error:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        errors
    }
}

#[ml_test(slow, timeout = "20m")]
fn malformed_arguments_never_panic_a_macro_and_accepted_ones_are_valid() {
    let mut cases = generate(&mut ml_test::rng());
    // Controls, compiled in the same rounds: each valid base as written must be accepted, and an
    // unknown option must be rejected, by every attribute. They show the verdicts below are the
    // macros' own: a macro that rejected everything, or accepted everything, fails here.
    let generated = cases.len();
    for attr in Attr::ALL {
        for base in attr.valid() {
            cases.push(Case {
                attr,
                args: (*base).to_owned(),
                mutations: Vec::new(),
            });
        }
        cases.push(Case {
            attr,
            args: "no_such_option".to_owned(),
            mutations: vec!["control: an unknown option"],
        });
    }
    let krate = Crate::create();
    let mut problems = Vec::new();
    let mut rejected = std::collections::BTreeSet::new();
    // Rounds, until the cases left build: rustc stops reporting some errors (unresolved names)
    // once a file has others, so a case the macros accept may be rejected by the compiler in a
    // later round, and must be, inside its attribute.
    let mut pending: Vec<usize> = (0..cases.len()).collect();
    for round in 1.. {
        assert!(
            round <= 5,
            "the cases left did not settle:\n{}",
            problems.join("\n")
        );
        let mut failed = std::collections::BTreeSet::new();
        for batch in pending.chunks(BATCH) {
            let numbered: Vec<(usize, &Case)> = batch.iter().map(|n| (*n, &cases[*n])).collect();
            let (text, lines) = source(&numbered);
            for (line, column, message) in krate.errors_of(&text) {
                if message.contains("panicked") {
                    let made = lines.get(&line).map(|n| &cases[*n].mutations);
                    problems.push(format!(
                        "a macro panicked at line {line} (a case made by {made:?}): {message}\n  {}",
                        text.lines().nth(line.saturating_sub(1)).unwrap_or_default()
                    ));
                }
                match lines.get(&line) {
                    // Inside the attribute: after `#[name(`.
                    Some(n) if column > cases[*n].attr.name().len() + 3 => {
                        failed.insert(*n);
                    }
                    _ => problems.push(format!(
                        "an error outside every attribute, at line {line}:{column}: {message}\n  {}",
                        text.lines().nth(line.saturating_sub(1)).unwrap_or_default()
                    )),
                }
            }
        }
        assert!(
            problems.is_empty(),
            "{} problems:\n{}",
            problems.len(),
            problems.join("\n")
        );
        if failed.is_empty() {
            break;
        }
        pending.retain(|n| !failed.contains(n));
        rejected.extend(failed);
    }
    // What is left built without an error: every accepted case is valid.
    let accepted = pending;

    let mut by_attribute: BTreeMap<Attr, (usize, usize)> = BTreeMap::new();
    for (n, case) in cases.iter().enumerate() {
        let counts = by_attribute.entry(case.attr).or_default();
        if rejected.contains(&n) {
            counts.1 += 1;
        } else {
            counts.0 += 1;
        }
    }
    println!(
        "{} cases: {} rejected, each with errors inside its attribute; {} accepted, all of which \
         build; 0 macro panics",
        cases.len(),
        rejected.len(),
        accepted.len()
    );
    for (attr, (ok, no)) in &by_attribute {
        println!("  #[{}]: {ok} accepted, {no} rejected", attr.name());
        assert!(*no > 0 && *ok > 0, "#[{}]: both kinds occur", attr.name());
    }
    assert_eq!(generated, CASES);
    for (n, case) in cases.iter().enumerate().skip(generated) {
        let verdict = if rejected.contains(&n) {
            "rejected"
        } else {
            "accepted"
        };
        let expected = if case.mutations.is_empty() {
            "accepted"
        } else {
            "rejected"
        };
        assert_eq!(
            verdict,
            expected,
            "control #[{}({})]",
            case.attr.name(),
            case.args
        );
    }
}
