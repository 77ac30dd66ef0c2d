//! Output contracts of a batch model: N rows in, N rows out; row i of a batch prediction equals
//! the prediction of row i alone; finite values; values in a range; rows that sum to one.

use std::fmt::Write as _;

use crate::close::Tolerance;
use crate::model::Model;
use crate::numeric::{Numbers, Numeric};
use crate::text::compact;

/// A batch a model predicts on, split into rows along its first axis: an ndarray (0.17, and
/// 0.16 / 0.15 with the `ndarray-0_16` / `ndarray-0_15` features) or a `Vec` of rows.
///
/// ```
/// use ml_test::behaviour::Batch;
///
/// let texts = vec!["great film".to_owned(), "dull".to_owned()];
/// assert_eq!((texts.row_count(), texts.single_row(1)), (2, vec!["dull".to_owned()]));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a batch ml-test can split into rows",
    label = "the model's input must be a batch of rows",
    note = "output contracts take a model whose input is an ndarray `Array` (rows along the first axis) or a `Vec` of rows",
    note = "an ndarray 0.16 or 0.15 array (linfa 0.8 is on 0.16) needs ml-test's `ndarray-0_16` or `ndarray-0_15` feature"
)]
pub trait Batch: Sized {
    /// The number of rows (the length of the first axis).
    fn row_count(&self) -> usize;
    /// Row `i` as a batch of one.
    fn single_row(&self, i: usize) -> Self;
    /// Whether rows `i` and `j` are equal.
    fn rows_equal(&self, i: usize, j: usize) -> bool;
}

impl<T: Clone + PartialEq> Batch for Vec<T> {
    fn row_count(&self) -> usize {
        self.len()
    }

    fn single_row(&self, i: usize) -> Self {
        vec![self[i].clone()]
    }

    fn rows_equal(&self, i: usize, j: usize) -> bool {
        self[i] == self[j]
    }
}

/// At most this many offending rows are listed per contract.
const MAX_LISTED: usize = 10;

/// Asserts that a batch model treats each row on its own: for every row i of `batch`, row i of
/// `predict(batch)` equals `predict(row i)` (a batch of one) within `rtol = 1e-5, atol = 1e-8`
/// (numpy's `allclose` defaults), and the output has one row per input row. This catches batch
/// normalisation left in training mode, normalising by the batch's statistics, and padding or
/// masking that leaks between rows.
///
/// The batch needs at least two rows that differ: a batch of one, or of identical rows, cannot
/// show a dependence between rows, so the check fails and says so.
///
/// ```
/// use ml_test::{Model, ModelError, behaviour::assert_batch_invariant};
/// use ndarray::{Array1, Array2, Axis, array};
///
/// struct RowSum;
/// impl Model for RowSum {
///     type Input = Array2<f64>;
///     type Output = Array1<f64>;
///     fn predict(&self, x: &Array2<f64>) -> Result<Array1<f64>, ModelError> {
///         Ok(x.sum_axis(Axis(1)))
///     }
/// }
/// assert_batch_invariant(&RowSum, &array![[1.0, 2.0], [3.0, 4.0], [0.5, 0.0]]);
/// ```
///
/// # Panics
/// When a contract does not hold, naming the rows and their values.
#[track_caller]
pub fn assert_batch_invariant<M>(model: &M, batch: &M::Input)
where
    M: Model + ?Sized,
    M::Input: Batch,
    M::Output: Numeric,
{
    output_contract(model, batch).batch_invariant().check();
}

/// Starts a set of output contracts for `model` on `batch`; add contracts and call
/// [`check`](OutputContract::check). The shape contract (one output row per input row) is always
/// part of it.
///
/// ```
/// use ml_test::{Model, ModelError, behaviour::output_contract};
/// use ndarray::{Array2, Axis, array};
///
/// /// Softmax over two logits per row.
/// struct Softmax;
/// impl Model for Softmax {
///     type Input = Array2<f64>;
///     type Output = Array2<f64>;
///     fn predict(&self, x: &Array2<f64>) -> Result<Array2<f64>, ModelError> {
///         let e = x.mapv(f64::exp);
///         let sums = e.sum_axis(Axis(1)).insert_axis(Axis(1));
///         Ok(&e / &sums)
///     }
/// }
/// output_contract(&Softmax, &array![[1.0, 2.0], [0.0, -3.0], [5.0, 5.0]])
///     .batch_invariant()
///     .probabilities()
///     .check();
/// ```
pub fn output_contract<'m, M>(model: &'m M, batch: &'m M::Input) -> OutputContract<'m, M>
where
    M: Model + ?Sized,
{
    OutputContract {
        model,
        batch,
        batch_invariant: false,
        finite: false,
        range: None,
        row_sum: None,
        probability_rows: false,
        tolerance: Tolerance {
            rtol: 1e-5,
            atol: 1e-8,
        },
    }
}

/// Output contracts of one model on one batch; see [`output_contract`].
///
/// ```
/// # use ml_test::{Model, ModelError};
/// # use ndarray::{Array2, array};
/// # struct Identity;
/// # impl Model for Identity {
/// #     type Input = Array2<f64>;
/// #     type Output = Array2<f64>;
/// #     fn predict(&self, x: &Array2<f64>) -> Result<Array2<f64>, ModelError> { Ok(x.clone()) }
/// # }
/// use ml_test::behaviour::output_contract;
///
/// output_contract(&Identity, &array![[0.2, 0.8], [0.5, 0.5]])
///     .finite()
///     .in_range(0, 1)
///     .rows_sum_to(1)
///     .batch_invariant()
///     .tolerance(1e-9, 0.0)
///     .check();
/// ```
#[must_use = "the contracts are checked by `.check()`"]
pub struct OutputContract<'m, M: Model + ?Sized> {
    model: &'m M,
    batch: &'m M::Input,
    batch_invariant: bool,
    finite: bool,
    range: Option<(f64, f64)>,
    row_sum: Option<f64>,
    /// `probabilities()`: rows sum to 1 when a row has more than one value.
    probability_rows: bool,
    tolerance: Tolerance,
}

impl<'m, M> OutputContract<'m, M>
where
    M: Model + ?Sized,
    M::Input: Batch,
    M::Output: Numeric,
{
    /// Row i of `predict(batch)` equals `predict(row i)` within the [tolerance](Self::tolerance).
    pub fn batch_invariant(mut self) -> Self {
        self.batch_invariant = true;
        self
    }

    /// Every output value is finite (no NaN, no infinity).
    pub fn finite(mut self) -> Self {
        self.finite = true;
        self
    }

    /// Every output value lies in `[low, high]` (and is finite).
    ///
    /// # Panics
    /// If `low > high` or either is NaN.
    pub fn in_range(mut self, low: impl Into<f64>, high: impl Into<f64>) -> Self {
        let (low, high): (f64, f64) = (low.into(), high.into());
        assert!(
            low <= high,
            "output_contract: in_range({low}, {high}) needs low <= high"
        );
        self.range = Some((low, high));
        self
    }

    /// Each output row (the values along every axis but the first) sums to `total` within the
    /// tolerance.
    pub fn rows_sum_to(mut self, total: impl Into<f64>) -> Self {
        self.row_sum = Some(total.into());
        self
    }

    /// Probabilities: finite, in `[0, 1]`, and, for an output with more than one value per row,
    /// rows that sum to 1.
    pub fn probabilities(mut self) -> Self {
        self.probability_rows = true;
        self.finite().in_range(0.0, 1.0)
    }

    /// The tolerance of `batch_invariant` and `rows_sum_to`: `|a - e| <= atol + rtol * |e|`.
    /// Default `rtol = 1e-5, atol = 1e-8` (numpy's `allclose`): a batched matrix product may
    /// sum in another order than a single row's, which moves the last bits.
    pub fn tolerance(mut self, rtol: impl Into<f64>, atol: impl Into<f64>) -> Self {
        self.tolerance = Tolerance {
            rtol: rtol.into(),
            atol: atol.into(),
        };
        self
    }

    /// Runs the contracts; prints what held (visible with `--nocapture`), or panics once listing
    /// every contract that did not, with the rows and values.
    ///
    /// # Panics
    /// As described.
    #[track_caller]
    pub fn check(self) {
        let (held, broken) = self.evaluate();
        if crate::report::enabled() {
            use crate::report::{Section, attach, html_escape, table};
            let rows = broken
                .iter()
                .map(|text| ("failed", vec![html_escape(text), "broken".to_owned()]))
                .chain(
                    held.iter()
                        .map(|text| ("passed", vec![html_escape(text), "held".to_owned()])),
                );
            attach(Section {
                kind: "contract",
                title: "output contracts".to_owned(),
                html: table(&["contract", "verdict"], rows),
                passed: broken.is_empty(),
                evidence: vec!["infra.2"],
                shared: None,
            });
        }
        if broken.is_empty() {
            println!("output contracts held: {}", held.join("; "));
            return;
        }
        let mut message = format!(
            "{} output contract{} broken",
            broken.len(),
            if broken.len() == 1 { "" } else { "s" }
        );
        for failure in &broken {
            let _ = write!(message, "\n  {failure}");
        }
        if !held.is_empty() {
            let _ = write!(message, "\n  held: {}", held.join("; "));
        }
        panic!("{message}");
    }

    /// The contracts that held and those that did not (with their rows and values).
    fn evaluate(&self) -> (Vec<String>, Vec<String>) {
        let rows = self.batch.row_count();
        let mut held = Vec::new();
        let mut broken = Vec::new();
        if rows == 0 {
            broken.push("the batch is empty: give the contracts at least two rows".to_owned());
            return (held, broken);
        }
        let output = match self.model.predict(self.batch) {
            Ok(output) => output.numbers(),
            Err(error) => {
                broken.push(format!("predict(batch of {rows}) failed: {error}"));
                return (held, broken);
            }
        };
        // Shape: N rows in, N rows out.
        if output.shape.first() != Some(&rows) {
            broken.push(format!(
                "shape: {rows} rows in, but the output has shape {} (expected {rows} rows along the first axis)",
                output.shape_text()
            ));
            return (held, broken);
        }
        held.push(format!("{rows} rows in, {rows} rows out"));
        let row_len: usize = output.shape[1..].iter().product();
        let row = |i: usize| &output.values[i * row_len..(i + 1) * row_len];

        if self.finite || self.range.is_some() {
            let bad: Vec<String> = (0..rows)
                .filter(|&i| row(i).iter().any(|v| !v.is_finite()))
                .map(|i| format!("row {i}: {}", values_text(row(i))))
                .collect();
            record(
                &mut held,
                &mut broken,
                "finite",
                "have non-finite values",
                rows,
                bad,
            );
        }
        if let Some((low, high)) = self.range {
            let bad: Vec<String> = (0..rows)
                .filter(|&i| row(i).iter().any(|v| !(low..=high).contains(v)))
                .map(|i| format!("row {i}: {}", values_text(row(i))))
                .collect();
            let what = format!("in [{}, {}]", compact(low), compact(high));
            record(
                &mut held,
                &mut broken,
                &what,
                "have values outside it",
                rows,
                bad,
            );
        }
        let row_sum = self
            .row_sum
            .or((self.probability_rows && row_len > 1).then_some(1.0));
        if let Some(total) = row_sum {
            let bad: Vec<String> = (0..rows)
                .filter_map(|i| {
                    let sum: f64 = row(i).iter().sum();
                    (!self.close(sum, total)).then(|| {
                        format!("row {i} sums to {}: {}", compact(sum), values_text(row(i)))
                    })
                })
                .collect();
            let what = format!("rows sum to {}", compact(total));
            record(&mut held, &mut broken, &what, "do not", rows, bad);
        }
        if self.batch_invariant {
            self.check_batch_invariance(&output, rows, row_len, &mut held, &mut broken);
        }
        (held, broken)
    }

    fn close(&self, actual: f64, expected: f64) -> bool {
        (actual - expected).abs() <= self.tolerance.atol + self.tolerance.rtol * expected.abs()
    }

    fn check_batch_invariance(
        &self,
        output: &Numbers,
        rows: usize,
        row_len: usize,
        held: &mut Vec<String>,
        broken: &mut Vec<String>,
    ) {
        if rows < 2 {
            broken.push(
                "batch invariance: a batch of one row cannot show a dependence between rows, so \
                 this could never fail; give at least two different rows"
                    .to_owned(),
            );
            return;
        }
        if (1..rows).all(|i| self.batch.rows_equal(i, 0)) {
            broken.push(format!(
                "batch invariance: all {rows} rows of the batch are identical, so batch statistics \
                 equal each row's and this could never fail; give rows that differ"
            ));
            return;
        }
        let mut bad = Vec::new();
        for i in 0..rows {
            let batched = &output.values[i * row_len..(i + 1) * row_len];
            let alone = match self.model.predict(&self.batch.single_row(i)) {
                Ok(alone) => alone.numbers(),
                Err(error) => {
                    bad.push(format!("row {i}: predict(row {i} alone) failed: {error}"));
                    continue;
                }
            };
            if alone.shape.first() != Some(&1) || alone.values.len() != row_len {
                bad.push(format!(
                    "row {i}: predict(row {i} alone) has shape {}, expected one row of {row_len} value(s)",
                    alone.shape_text()
                ));
                continue;
            }
            let worst = batched
                .iter()
                .zip(&alone.values)
                .filter(|(b, a)| !(self.close(**b, **a) || (b.is_nan() && a.is_nan())))
                .map(|(b, a)| (b - a).abs())
                .fold(None, |max: Option<f64>, d| {
                    Some(max.map_or(d, |m| m.max(d)))
                });
            if let Some(worst) = worst {
                bad.push(format!(
                    "row {i}: in the batch {} but alone {} (max difference {})",
                    values_text(batched),
                    values_text(&alone.values),
                    compact(worst)
                ));
            }
        }
        let what = "batch invariant: row i of predict(batch) == predict(row i)";
        if bad.is_empty() {
            held.push(format!("batch invariant over {rows} rows"));
        } else {
            let mut failure = format!(
                "{what}, within rtol {}, atol {}: {} of {rows} rows differ (usual causes: \
                 normalising by the batch's statistics, batch norm in training mode, padding or \
                 masking that leaks between rows)",
                compact(self.tolerance.rtol),
                compact(self.tolerance.atol),
                bad.len()
            );
            list(&mut failure, &bad);
            broken.push(failure);
        }
    }
}

fn record(
    held: &mut Vec<String>,
    broken: &mut Vec<String>,
    what: &str,
    offenders: &str,
    rows: usize,
    bad: Vec<String>,
) {
    if bad.is_empty() {
        held.push(what.to_owned());
    } else {
        let mut failure = format!("{what}: {} of {rows} rows {offenders}", bad.len());
        list(&mut failure, &bad);
        broken.push(failure);
    }
}

fn list(failure: &mut String, rows: &[String]) {
    for line in rows.iter().take(MAX_LISTED) {
        let _ = write!(failure, "\n      {line}");
    }
    if rows.len() > MAX_LISTED {
        let _ = write!(failure, "\n      and {} more", rows.len() - MAX_LISTED);
    }
}

fn values_text(values: &[f64]) -> String {
    let shown: Vec<String> = values.iter().map(|v| compact(*v)).collect();
    if values.len() == 1 {
        shown[0].clone()
    } else {
        format!("[{}]", shown.join(", "))
    }
}
