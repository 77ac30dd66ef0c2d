//! Quality gates: thresholds on evaluation metrics, all evaluated, reported as one table.
//!
//! ```
//! use ml_test::{gates, metrics};
//!
//! let truth = [1, 0, 1, 1, 0, 0, 1, 0];
//! let scores = [0.9, 0.1, 0.8, 0.65, 0.3, 0.45, 0.7, 0.2];
//! let predicted: Vec<u8> = scores.iter().map(|s| u8::from(*s > 0.5)).collect();
//! gates("scorecard on the test split")
//!     .at_least("accuracy", metrics::accuracy(&truth, &predicted), 0.82)
//!     .at_least("roc_auc", metrics::roc_auc(&truth, &scores), 0.84)
//!     .at_most("log_loss", metrics::log_loss(&truth, &scores), 0.45)
//!     .check();
//! ```

use std::fmt;

use crate::text::compact;

/// Starts a set of quality gates; add gates and call [`check`](Gates::check).
///
/// ```should_panic
/// ml_test::gates("release candidate")
///     .at_least("recall", 0.71, 0.75) // fails, and the table says by how much
///     .at_most("p99 latency (ms)", 3.2, 4.0)
///     .check();
/// ```
pub fn gates(name: impl Into<String>) -> Gates {
    Gates {
        name: name.into(),
        gates: Vec::new(),
    }
}

/// Which side of its threshold a gate's value must be on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// `value >= threshold`.
    AtLeast,
    /// `value <= threshold`.
    AtMost,
}

/// One gate and its outcome.
///
/// ```
/// let gates = ml_test::gates("g").at_most("log_loss", 0.4, 0.45);
/// let gate = &gates.gates()[0];
/// assert!(gate.passed());
/// assert!((gate.margin() - 0.05).abs() < 1e-12);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Gate {
    /// The metric's name, as given.
    pub metric: String,
    /// The measured value.
    pub value: f64,
    /// The threshold.
    pub threshold: f64,
    /// Which side of the threshold passes.
    pub direction: Direction,
}

impl Gate {
    /// How far the value is on the passing side of the threshold (negative when failing; NaN
    /// when the value is NaN).
    pub fn margin(&self) -> f64 {
        match self.direction {
            Direction::AtLeast => self.value - self.threshold,
            Direction::AtMost => self.threshold - self.value,
        }
    }

    /// Whether the value is on the passing side (a NaN value never is).
    pub fn passed(&self) -> bool {
        self.margin() >= 0.0
    }
}

/// A set of quality gates under construction; see [`gates`].
///
/// ```
/// let gates = ml_test::gates("scorecard").at_least("auc", 0.91, 0.84).at_least("accuracy", 0.8, 0.82);
/// assert!(!gates.passed());
/// println!("{gates}"); // the table
/// ```
#[must_use = "gates are evaluated by `.check()`"]
#[derive(Clone, Debug)]
pub struct Gates {
    name: String,
    gates: Vec<Gate>,
}

impl Gates {
    /// The gate `value >= threshold` ("accuracy at least 0.82").
    pub fn at_least(
        self,
        metric: impl Into<String>,
        value: impl Into<f64>,
        threshold: impl Into<f64>,
    ) -> Gates {
        self.push(
            metric.into(),
            value.into(),
            threshold.into(),
            Direction::AtLeast,
        )
    }

    /// The gate `value <= threshold` ("log loss at most 0.45").
    pub fn at_most(
        self,
        metric: impl Into<String>,
        value: impl Into<f64>,
        threshold: impl Into<f64>,
    ) -> Gates {
        self.push(
            metric.into(),
            value.into(),
            threshold.into(),
            Direction::AtMost,
        )
    }

    #[track_caller]
    fn push(mut self, metric: String, value: f64, threshold: f64, direction: Direction) -> Gates {
        assert!(
            !threshold.is_nan(),
            "gates `{}`: the threshold of `{metric}` is NaN; give a number",
            self.name
        );
        self.gates.push(Gate {
            metric,
            value,
            threshold,
            direction,
        });
        self
    }

    /// The gates added so far.
    pub fn gates(&self) -> &[Gate] {
        &self.gates
    }

    /// Whether there is at least one gate and every gate passes.
    pub fn passed(&self) -> bool {
        !self.gates.is_empty() && self.gates.iter().all(Gate::passed)
    }

    /// Evaluates every gate; prints the table (visible with `--nocapture`) when all pass, and
    /// panics with it when any fails or there are none.
    ///
    /// # Panics
    /// As described.
    #[track_caller]
    pub fn check(self) {
        if crate::report::enabled() {
            crate::report::attach(self.section());
        }
        if self.passed() {
            println!("{self}");
        } else {
            panic!("{self}");
        }
    }
}

impl Gates {
    /// The run report's section: the table, a row per gate with its margin.
    fn section(&self) -> crate::report::Section {
        use crate::report::{html_escape, table};
        let rows = self.gates.iter().map(|gate| {
            let op = match gate.direction {
                Direction::AtLeast => "&ge;",
                Direction::AtMost => "&le;",
            };
            let passed = gate.passed();
            (
                if passed { "passed" } else { "failed" },
                vec![
                    html_escape(&gate.metric),
                    number(gate.value),
                    format!("{op} {}", number(gate.threshold)),
                    match gate.margin() {
                        m if m.is_nan() => "NaN".to_owned(),
                        m if m >= 0.0 => format!("+{}", number(m)),
                        m => number(m),
                    },
                    if passed { "passed" } else { "failed" }.to_owned(),
                ],
            )
        });
        let html = if self.gates.is_empty() {
            "<p>No gates: it checks nothing.</p>".to_owned()
        } else {
            table(&["metric", "value", "threshold", "margin", "verdict"], rows)
        };
        crate::report::Section {
            kind: "gates",
            title: format!("quality gates `{}`", self.name),
            html,
            passed: self.passed(),
            evidence: vec!["infra.4"],
            shared: None,
        }
    }
}

fn number(value: f64) -> String {
    if value.is_finite() && value != 0.0 && (1e-3..1e6).contains(&value.abs()) {
        format!("{value:.4}")
    } else {
        compact(value)
    }
}

/// The table: metric, value, threshold, margin, verdict.
impl fmt::Display for Gates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.gates.is_empty() {
            return write!(
                f,
                "quality gates `{}` has no gates, so it checks nothing: add .at_least(..) or \
                 .at_most(..) before .check()",
                self.name
            );
        }
        let failed = self.gates.iter().filter(|g| !g.passed()).count();
        match failed {
            0 => write!(
                f,
                "quality gates `{}`: all {} passed",
                self.name,
                self.gates.len()
            )?,
            n => write!(
                f,
                "quality gates `{}`: {n} of {} failed",
                self.name,
                self.gates.len()
            )?,
        }
        let rows: Vec<[String; 5]> = self
            .gates
            .iter()
            .map(|gate| {
                let (op, margin) = match gate.direction {
                    Direction::AtLeast => (">=", gate.margin()),
                    Direction::AtMost => ("<=", gate.margin()),
                };
                let margin = if margin.is_nan() {
                    "NaN".to_owned()
                } else if margin >= 0.0 {
                    format!("+{}", number(margin))
                } else {
                    number(margin)
                };
                [
                    gate.metric.clone(),
                    number(gate.value),
                    format!("{op} {}", number(gate.threshold)),
                    margin,
                    if gate.passed() { "ok" } else { "FAILED" }.to_owned(),
                ]
            })
            .collect();
        let header = ["metric", "value", "threshold", "margin", ""];
        let widths: Vec<usize> = (0..5)
            .map(|i| {
                rows.iter()
                    .map(|row| row[i].chars().count())
                    .chain([header[i].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |f: &mut fmt::Formatter<'_>, cells: [&str; 5]| -> fmt::Result {
            let text = format!(
                "  {:<w0$}  {:>w1$}  {:<w2$}  {:>w3$}  {}",
                cells[0],
                cells[1],
                cells[2],
                cells[3],
                cells[4],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2],
                w3 = widths[3],
            );
            write!(f, "\n{}", text.trim_end())
        };
        line(f, header)?;
        for row in &rows {
            line(f, [&row[0], &row[1], &row[2], &row[3], &row[4]])?;
        }
        Ok(())
    }
}
