//! Latency budgets: time a call many times, read its percentiles, assert a budget.
//!
//! Percentiles use numpy's default (`method="linear"`): for `n` sorted samples, percentile `p`
//! sits at position `h = (n - 1) p / 100`, interpolated between the samples at `floor(h)` and
//! `ceil(h)`. So the median of an even count is the mean of the middle two, and p100 is the max.
//!
//! A timing test is disturbed by whatever runs beside it. Mark it `#[ml_test(exclusive)]` so no
//! other ml-test test of its binary runs meanwhile; a failing budget says so when it is not.
//!
//! ```
//! use std::time::Duration;
//!
//! let report = ml_test::latency(50, || std::thread::sleep(Duration::from_micros(200)));
//! assert!(report.median() >= Duration::from_micros(200));
//! report.assert_below(99.0, "1s");
//! ```

use std::fmt::{self, Write as _};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Warm-up calls before the timed ones: 10% of the samples, at least 1, at most 100 (caches,
/// lazy initialisation and allocator pools settle in the first calls).
///
/// ```
/// use ml_test::latency::warmup_calls;
///
/// assert_eq!((warmup_calls(5), warmup_calls(200), warmup_calls(5_000)), (1, 20, 100));
/// ```
pub fn warmup_calls(samples: usize) -> usize {
    (samples / 10).clamp(1, 100)
}

/// Calls `f` [`warmup_calls`]`(samples)` times untimed, then `samples` times timed, and returns
/// the distribution. The result of each call goes through `black_box`, so the work is not
/// optimised away.
///
/// ```
/// let report = ml_test::latency(100, || (0..1_000u64).sum::<u64>());
/// assert_eq!((report.samples(), report.warmup()), (100, 10));
/// assert!(report.min() <= report.p99());
/// ```
///
/// # Panics
/// If `samples` is 0.
#[track_caller]
pub fn latency<R>(samples: usize, mut f: impl FnMut() -> R) -> LatencyReport {
    assert!(
        samples > 0,
        "latency(0, ..) times nothing; give the number of timed calls, e.g. latency(200, || ..)"
    );
    let warmup = warmup_calls(samples);
    for _ in 0..warmup {
        black_box(f());
    }
    let mut timings = Vec::with_capacity(samples);
    for _ in 0..samples {
        let started = Instant::now();
        black_box(f());
        timings.push(started.elapsed());
    }
    timings.sort_unstable();
    LatencyReport {
        sorted: timings,
        warmup,
    }
}

/// The timings of one [`latency`] run.
///
/// ```
/// use std::time::Duration;
///
/// let report = ml_test::latency(20, || std::thread::sleep(Duration::from_micros(100)));
/// assert!(report.median() >= Duration::from_micros(100));
/// assert!(report.p90() <= report.p95() && report.p95() <= report.max());
/// assert_eq!(report.timings().len(), 20);
/// println!("{report} (mean {:?})", report.mean());
/// ```
#[derive(Clone, Debug)]
pub struct LatencyReport {
    sorted: Vec<Duration>,
    warmup: usize,
}

/// A latency budget: a `Duration`, or a string in humantime's grammar (`"4ms"`, `"1.5s"`,
/// `"250us"`).
///
/// ```
/// use std::time::Duration;
/// use ml_test::latency::Budget;
///
/// assert_eq!(Budget::from("1.5ms"), Budget(Duration::from_micros(1_500)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget(pub Duration);

impl From<Duration> for Budget {
    fn from(duration: Duration) -> Budget {
        Budget(duration)
    }
}

impl From<&str> for Budget {
    #[track_caller]
    fn from(text: &str) -> Budget {
        match humantime::parse_duration(text.trim()) {
            Ok(duration) => Budget(duration),
            Err(error) => panic!(
                "latency budget {text:?} is not a duration ({error}); write a number and a unit, \
                 e.g. \"4ms\", \"250us\", \"1.5s\""
            ),
        }
    }
}

impl LatencyReport {
    /// The number of timed calls.
    pub fn samples(&self) -> usize {
        self.sorted.len()
    }

    /// The number of untimed warm-up calls before them.
    pub fn warmup(&self) -> usize {
        self.warmup
    }

    /// The timings, fastest first.
    pub fn timings(&self) -> &[Duration] {
        &self.sorted
    }

    /// The `p`-th percentile (0 to 100), numpy's linear method (see the [module docs](self)).
    ///
    /// # Panics
    /// If `p` is outside `[0, 100]` or NaN.
    #[track_caller]
    pub fn percentile(&self, p: impl Into<f64>) -> Duration {
        let p: f64 = p.into();
        assert!(
            (0.0..=100.0).contains(&p),
            "percentile({p}): give a percentile from 0 to 100, e.g. 99.0 for p99"
        );
        let nanos = |i: usize| self.sorted[i].as_nanos() as f64;
        let position = (self.sorted.len() - 1) as f64 * p / 100.0;
        let (low, high) = (position.floor() as usize, position.ceil() as usize);
        let value = nanos(low) + (position - low as f64) * (nanos(high) - nanos(low));
        Duration::from_nanos(value.round() as u64)
    }

    /// The fastest call.
    pub fn min(&self) -> Duration {
        self.sorted[0]
    }

    /// The median (p50).
    pub fn median(&self) -> Duration {
        self.percentile(50.0)
    }

    /// p90.
    pub fn p90(&self) -> Duration {
        self.percentile(90.0)
    }

    /// p95.
    pub fn p95(&self) -> Duration {
        self.percentile(95.0)
    }

    /// p99.
    pub fn p99(&self) -> Duration {
        self.percentile(99.0)
    }

    /// The slowest call.
    pub fn max(&self) -> Duration {
        self.sorted[self.sorted.len() - 1]
    }

    /// The mean.
    pub fn mean(&self) -> Duration {
        let total: u128 = self.sorted.iter().map(Duration::as_nanos).sum();
        Duration::from_nanos((total / self.sorted.len() as u128) as u64)
    }

    /// Asserts that percentile `p` is below `budget` (`"4ms"` or a `Duration`); prints the
    /// distribution on success (visible with `--nocapture`), panics with it otherwise.
    ///
    /// # Panics
    /// As described; and if `p` is outside `[0, 100]` or the budget is not a duration.
    #[track_caller]
    pub fn assert_below(&self, p: impl Into<f64>, budget: impl Into<Budget>) {
        let p: f64 = p.into();
        let Budget(budget) = budget.into();
        let measured = self.percentile(p);
        let label = percentile_label(p);
        if crate::report::enabled() {
            crate::report::attach(self.section(&label, measured, budget));
        }
        if measured < budget {
            println!(
                "{label} {} < budget {}: {self}",
                human(measured),
                human(budget)
            );
            return;
        }
        let mut message = format!(
            "latency budget exceeded: {label} is {} but the budget is {} ({}x)\n  {self}\n{}",
            human(measured),
            human(budget),
            ratio(measured, budget),
            self.histogram()
        );
        if !running_exclusive() {
            message.push_str(
                "\n  timings move when other tests run beside this one: mark the test \
                 #[ml_test(exclusive)] so it runs alone in its binary",
            );
        }
        panic!("{message}");
    }

    /// The run report's section: the distribution's histogram with the budget, and its
    /// percentiles.
    fn section(&self, label: &str, measured: Duration, budget: Duration) -> crate::report::Section {
        use crate::report::{Marks, histogram, name_value_table};
        // The unit of the samples' scale; the budget is drawn when it is near them, and named
        // otherwise (a 4 ms budget beside 12 µs calls would squeeze them into one bar).
        let (unit, scale) = if self.max() < Duration::from_millis(1) {
            ("µs", 1e6)
        } else {
            ("ms", 1e3)
        };
        let values: Vec<f64> = self
            .sorted
            .iter()
            .map(|t| t.as_secs_f64() * scale)
            .collect();
        let budget_label = format!("budget {}", human(budget));
        let near = budget <= self.max().mul_f64(1.5);
        let marks = Marks {
            lines: if near {
                vec![(budget.as_secs_f64() * scale, budget_label.as_str())]
            } else {
                vec![]
            },
            spans: vec![],
        };
        let passed = measured < budget;
        let mut html = histogram(
            &format!("{} timed calls ({} warm-up)", self.samples(), self.warmup),
            unit,
            &values,
            20,
            &marks,
        );
        if !near {
            html.push_str(&format!(
                "<p>The budget, {}, is off the chart: {}x the slowest call.</p>",
                human(budget),
                ratio(budget, self.max())
            ));
        }
        let stats = [
            ("min", self.min()),
            ("median", self.median()),
            ("p90", self.p90()),
            ("p95", self.p95()),
            ("p99", self.p99()),
            ("max", self.max()),
            ("mean", self.mean()),
        ];
        html.push_str(&name_value_table(
            ("statistic", "value"),
            stats.into_iter().map(|(name, value)| (name, human(value))),
        ));
        crate::report::Section {
            kind: "latency",
            title: format!(
                "latency: {label} {} {} budget {}",
                human(measured),
                if passed { "<" } else { "≥" },
                human(budget)
            ),
            html,
            passed,
            evidence: vec!["data.3"],
            shared: None,
        }
    }

    /// Ten equal-width bins between min and max, with counts.
    fn histogram(&self) -> String {
        const BINS: usize = 10;
        const WIDTH: usize = 40;
        let (low, high) = (self.min().as_nanos() as f64, self.max().as_nanos() as f64);
        let step = ((high - low) / BINS as f64).max(1.0);
        let mut counts = [0usize; BINS];
        for timing in &self.sorted {
            let bin = ((timing.as_nanos() as f64 - low) / step) as usize;
            counts[bin.min(BINS - 1)] += 1;
        }
        let most = counts.iter().copied().max().unwrap_or(1).max(1);
        let mut out = String::from("  distribution:");
        for (i, count) in counts.iter().enumerate() {
            let from = Duration::from_nanos((low + i as f64 * step) as u64);
            let to = Duration::from_nanos((low + (i + 1) as f64 * step) as u64);
            let bar = "█".repeat((count * WIDTH).div_ceil(most));
            let _ = write!(
                out,
                "\n    {:>9} - {:<9} {count:>5} {bar}",
                human(from),
                human(to)
            );
        }
        out
    }
}

/// `min 1.02ms, median 1.10ms, ... over 200 calls (20 warm-up)`.
impl fmt::Display for LatencyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "min {}, median {}, p90 {}, p95 {}, p99 {}, max {} over {} calls ({} warm-up)",
            human(self.min()),
            human(self.median()),
            human(self.p90()),
            human(self.p95()),
            human(self.p99()),
            human(self.max()),
            self.samples(),
            self.warmup
        )
    }
}

fn percentile_label(p: f64) -> String {
    if p == 50.0 {
        "the median".to_owned()
    } else if p.fract() == 0.0 {
        format!("p{p:.0}")
    } else {
        format!("p{p}")
    }
}

fn ratio(measured: Duration, budget: Duration) -> String {
    if budget.is_zero() {
        return "inf".to_owned();
    }
    format!("{:.2}", measured.as_secs_f64() / budget.as_secs_f64())
}

/// A duration in the unit that reads best: `850ns`, `12.3µs`, `1.234ms`, `2.500s`.
pub(crate) fn human(duration: Duration) -> String {
    let nanos = duration.as_nanos();
    if nanos < 1_000 {
        format!("{nanos}ns")
    } else if nanos < 1_000_000 {
        format!("{:.1}µs", nanos as f64 / 1e3)
    } else if nanos < 1_000_000_000 {
        format!("{:.3}ms", nanos as f64 / 1e6)
    } else {
        format!("{:.3}s", nanos as f64 / 1e9)
    }
}

/// Whether the test running on this thread is `#[ml_test(exclusive)]`.
fn running_exclusive() -> bool {
    crate::context::current().is_some_and(|context| context.entry().exclusive())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(millis: &[u64]) -> LatencyReport {
        let mut sorted: Vec<Duration> = millis.iter().map(|m| Duration::from_millis(*m)).collect();
        sorted.sort();
        LatencyReport { sorted, warmup: 1 }
    }

    #[test]
    fn percentiles_follow_numpys_linear_method() {
        // numpy.percentile([1, 2, 3, 4, 10], [0, 50, 90, 95, 99, 100])
        //   -> [1.0, 3.0, 7.6, 8.8, 9.76, 10.0]
        let r = report(&[4, 1, 10, 3, 2]);
        assert_eq!(r.percentile(0.0), Duration::from_millis(1));
        assert_eq!(r.median(), Duration::from_millis(3));
        assert_eq!(r.p90(), Duration::from_micros(7_600));
        assert_eq!(r.p95(), Duration::from_micros(8_800));
        assert_eq!(r.p99(), Duration::from_micros(9_760));
        assert_eq!(r.percentile(100.0), r.max());
        // numpy.percentile([1, 2, 3, 4], 50) -> 2.5: an even count averages the middle two.
        assert_eq!(report(&[1, 2, 3, 4]).median(), Duration::from_micros(2_500));
        assert_eq!(report(&[7]).p99(), Duration::from_millis(7));
    }

    #[test]
    fn a_broken_budget_shows_the_distribution() {
        let r = report(&[1, 1, 1, 2, 2, 3, 9]);
        let panic = std::panic::catch_unwind(|| r.assert_below(99.0, "4ms")).unwrap_err();
        let message = panic.downcast_ref::<String>().unwrap();
        let lines: Vec<&str> = message.lines().collect();
        assert_eq!(
            lines[..6],
            [
                "latency budget exceeded: p99 is 8.640ms but the budget is 4.000ms (2.16x)",
                "  min 1.000ms, median 2.000ms, p90 5.400ms, p95 7.200ms, p99 8.640ms, max 9.000ms over 7 calls (1 warm-up)",
                "  distribution:",
                "      1.000ms - 1.800ms       3 ████████████████████████████████████████",
                "      1.800ms - 2.600ms       2 ███████████████████████████",
                "      2.600ms - 3.400ms       1 ██████████████",
            ],
            "{message}"
        );
        assert_eq!(lines[12], "      8.200ms - 9.000ms       1 ██████████████");
        assert!(message.contains("#[ml_test(exclusive)]"), "{message}");
        r.assert_below(50.0, Duration::from_millis(3));
    }

    #[test]
    fn durations_read_in_their_unit() {
        assert_eq!(human(Duration::from_nanos(850)), "850ns");
        assert_eq!(human(Duration::from_nanos(12_340)), "12.3µs");
        assert_eq!(human(Duration::from_micros(1_234)), "1.234ms");
        assert_eq!(human(Duration::from_millis(2_500)), "2.500s");
    }
}
