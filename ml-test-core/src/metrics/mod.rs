//! Evaluation metrics: `fn(truth, predicted) -> f64`, as scikit-learn computes them.
//!
//! Class labels are any sequence of primitive integers (or `bool`), borrowed: `&` a slice,
//! array, `Vec` or 1-D ndarray, or an ndarray view (ndarray 0.17; 0.16 and 0.15, linfa's, with
//! the `ndarray-0_16` / `ndarray-0_15` features); the two sides may differ in type
//! (`&[1, 0, 1]` against the `usize`s an argmax gives). Binary metrics read 1 as the positive
//! class. Scores, probabilities and regression values are sequences of any primitive number.
//!
//! Inputs a metric cannot score panic with what is wrong and what to do: empty or unequal
//! lengths, NaN, labels other than 0 and 1 for a binary metric, and values that are undefined
//! (precision when nothing is predicted positive, ROC AUC with one class, R² of a constant
//! truth). A metric never returns a made-up value for an undefined case.
//!
//! ```
//! use ml_test::metrics;
//!
//! let truth = [1, 0, 1, 1, 0];
//! let predicted: Vec<usize> = vec![1, 0, 0, 1, 0]; // from an argmax
//! assert_eq!(metrics::accuracy(&truth, &predicted), 0.8);
//! assert_eq!(metrics::precision(&truth, &predicted), 1.0);
//! assert!((metrics::recall(&truth, &predicted) - 2.0 / 3.0).abs() < 1e-12);
//! let scores = [0.9, 0.2, 0.25, 0.8, 0.3]; // one positive ranks below one negative
//! assert!((metrics::roc_auc(&truth, &scores) - 5.0 / 6.0).abs() < 1e-12);
//! ```

mod multiclass;

use std::fmt;

use ndarray::Array2;

use crate::numeric::Element;

pub use multiclass::{
    Average, ClassScores, f1_averaged, per_class, precision_averaged, recall_averaged,
};

/// A class label: a primitive integer or `bool` (`true` is 1).
///
/// ```
/// use ml_test::metrics::Label;
///
/// assert_eq!((true.index(), 3u8.index(), (-1i64).index()), (1, 3, -1));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a class label",
    label = "expected integer class labels",
    note = "labels are primitive integers (i8..i64, u8..u64, isize, usize) or bool; scores and probabilities go to roc_auc / log_loss, regression values to mae / rmse / r2"
)]
pub trait Label: Copy {
    /// The label as a number.
    fn index(self) -> i128;
}

macro_rules! integer_labels {
    ($($ty:ty),*) => {$(
        impl Label for $ty {
            fn index(self) -> i128 {
                self as i128
            }
        }
    )*};
}

integer_labels!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl Label for bool {
    fn index(self) -> i128 {
        i128::from(self)
    }
}

/// A sequence of class labels; see the [module docs](self).
///
/// ```
/// use ml_test::metrics::Labels;
///
/// assert_eq!((&[1u8, 0]).labels(), [1, 0]);
/// assert_eq!((&vec![true, false]).labels(), [1, 0]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a sequence of class labels",
    note = "pass a reference to a slice, array, Vec or 1-D ndarray of integers or bools (`&[1, 0, 1]`, `&predicted`), or an ndarray view",
    note = "an ndarray 0.16 or 0.15 array (linfa 0.8 is on 0.16) needs ml-test's `ndarray-0_16` or `ndarray-0_15` feature"
)]
pub trait Labels {
    /// The labels, in order.
    fn labels(&self) -> Vec<i128>;
}

/// A sequence of numbers (scores, probabilities, regression values); see the [module docs](self).
///
/// ```
/// use ml_test::metrics::Values;
///
/// assert_eq!((&[0.5f32, 1.0]).values(), [0.5, 1.0]);
/// assert_eq!(ndarray::array![2, 3].view().values(), [2.0, 3.0]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a sequence of numbers",
    note = "pass a reference to a slice, array, Vec or 1-D ndarray of f64, f32 or integers (`&[0.9, 0.1]`, `&scores`), or an ndarray view",
    note = "an ndarray 0.16 or 0.15 array (linfa 0.8 is on 0.16) needs ml-test's `ndarray-0_16` or `ndarray-0_15` feature"
)]
pub trait Values {
    /// The values as f64, in order.
    fn values(&self) -> Vec<f64>;
}

// Borrowed forms only: a metric reads its inputs, and `&y` is then the one way to pass them
// (an owned impl would make clippy ask to drop the `&`, moving the caller's data).
macro_rules! sequences {
    ($trait:ident, $method:ident, $bound:ident, $out:ty, $convert:expr) => {
        impl<T: $bound> $trait for &[T] {
            fn $method(&self) -> Vec<$out> {
                self.iter().map(|x| $convert(*x)).collect()
            }
        }

        impl<T: $bound, const N: usize> $trait for &[T; N] {
            fn $method(&self) -> Vec<$out> {
                self.iter().map(|x| $convert(*x)).collect()
            }
        }

        impl<T: $bound> $trait for &Vec<T> {
            fn $method(&self) -> Vec<$out> {
                self.iter().map(|x| $convert(*x)).collect()
            }
        }
    };
}

// ndarray arrays and views, of each supported version: `crate::arrays`.
sequences!(Labels, labels, Label, i128, Label::index);
sequences!(Values, values, Element, f64, Element::to_f64);

/// Checks lengths and emptiness, naming the metric.
fn paired(metric: &str, truth: usize, predicted: usize, second: &str) {
    assert!(
        truth != 0 || predicted != 0,
        "{metric}: the input is empty; there is nothing to score (did the split or the filter leave no rows?)"
    );
    assert!(
        truth == predicted,
        "{metric}: truth has {truth} values but {second} has {predicted}; pass one {second} value per truth value"
    );
}

fn no_nan(metric: &str, what: &str, values: &[f64]) {
    if let Some(at) = values.iter().position(|v| v.is_nan()) {
        panic!(
            "{metric}: {what} has NaN at index {at}; a NaN score means the model or the pipeline \
             produced no number there: fix it (or drop the row) before scoring"
        );
    }
}

fn binary(metric: &str, what: &str, labels: &[i128]) {
    if let Some(at) = labels.iter().position(|l| *l != 0 && *l != 1) {
        let several = match metric {
            "precision" | "recall" | "f1" => format!(
                "{metric}_averaged (macro, micro or weighted), per_class, accuracy or \
                 confusion_matrix"
            ),
            _ => "accuracy or confusion_matrix".to_owned(),
        };
        panic!(
            "{metric}: {what} has the label {} at index {at}, but {metric} is a binary metric over \
             the labels 0 and 1 (1 = positive); map the labels to 0/1, or for several classes use \
             {several}",
            labels[at]
        );
    }
}

fn binary_pair<T: Labels, P: Labels>(metric: &str, truth: T, predicted: P) -> Vec<(bool, bool)> {
    let (truth, predicted) = (truth.labels(), predicted.labels());
    paired(metric, truth.len(), predicted.len(), "predicted");
    binary(metric, "truth", &truth);
    binary(metric, "predicted", &predicted);
    truth
        .iter()
        .zip(&predicted)
        .map(|(t, p)| (*t == 1, *p == 1))
        .collect()
}

/// The fraction of predicted labels equal to the truth (any number of classes).
///
/// ```
/// assert_eq!(ml_test::metrics::accuracy(&[0, 2, 1, 2], &[0, 1, 1, 2]), 0.75);
/// ```
///
/// # Panics
/// On empty input or unequal lengths.
pub fn accuracy<T: Labels, P: Labels>(truth: T, predicted: P) -> f64 {
    let (truth, predicted) = (truth.labels(), predicted.labels());
    paired("accuracy", truth.len(), predicted.len(), "predicted");
    let correct = truth.iter().zip(&predicted).filter(|(t, p)| t == p).count();
    correct as f64 / truth.len() as f64
}

/// Of the rows predicted positive (1), the fraction that are positive: `tp / (tp + fp)`.
///
/// ```
/// assert_eq!(ml_test::metrics::precision(&[1, 0, 1, 0], &[1, 1, 0, 0]), 0.5);
/// ```
///
/// # Panics
/// On empty input, unequal lengths, labels other than 0/1, and when nothing is predicted
/// positive (precision is then undefined).
pub fn precision<T: Labels, P: Labels>(truth: T, predicted: P) -> f64 {
    let pairs = binary_pair("precision", truth, predicted);
    let predicted_positive = pairs.iter().filter(|(_, p)| *p).count();
    assert!(
        predicted_positive > 0,
        "precision is undefined: no row of {} is predicted positive (1), so there is no prediction \
         to be precise about; the model may never predict the positive class: check recall or \
         the confusion matrix",
        pairs.len()
    );
    let true_positive = pairs.iter().filter(|(t, p)| *t && *p).count();
    true_positive as f64 / predicted_positive as f64
}

/// Of the positive rows (1), the fraction predicted positive: `tp / (tp + fn)`.
///
/// ```
/// assert_eq!(ml_test::metrics::recall(&[1, 0, 1, 0], &[1, 1, 0, 0]), 0.5);
/// ```
///
/// # Panics
/// On empty input, unequal lengths, labels other than 0/1, and when the truth has no positive
/// row (recall is then undefined).
pub fn recall<T: Labels, P: Labels>(truth: T, predicted: P) -> f64 {
    let pairs = binary_pair("recall", truth, predicted);
    let positive = pairs.iter().filter(|(t, _)| *t).count();
    assert!(
        positive > 0,
        "recall is undefined: no row of the truth ({} rows) is positive (1); evaluate on a split \
         that holds positives",
        pairs.len()
    );
    let true_positive = pairs.iter().filter(|(t, p)| *t && *p).count();
    true_positive as f64 / positive as f64
}

/// The harmonic mean of precision and recall: `2 tp / (2 tp + fp + fn)`. Defined whenever some
/// row is positive in the truth or the prediction (0 when none of them agree).
///
/// ```
/// assert_eq!(ml_test::metrics::f1(&[1, 0, 1, 0], &[1, 1, 0, 0]), 0.5);
/// ```
///
/// # Panics
/// On empty input, unequal lengths, labels other than 0/1, and when no row is positive in
/// either (F1 is then undefined).
pub fn f1<T: Labels, P: Labels>(truth: T, predicted: P) -> f64 {
    let pairs = binary_pair("f1", truth, predicted);
    let count = |want: (bool, bool)| pairs.iter().filter(|pair| **pair == want).count();
    let (tp, fp, fn_) = (
        count((true, true)),
        count((false, true)),
        count((true, false)),
    );
    assert!(
        tp + fp + fn_ > 0,
        "f1 is undefined: no row is positive (1) in the truth or the prediction ({} rows)",
        pairs.len()
    );
    2.0 * tp as f64 / (2 * tp + fp + fn_) as f64
}

/// The area under the ROC curve of `scores` (higher = more likely positive) against binary
/// labels: the probability that a random positive scores above a random negative, ties counted
/// half (the Mann-Whitney U statistic; equal to scikit-learn's `roc_auc_score`).
///
/// ```
/// let auc = ml_test::metrics::roc_auc(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]);
/// assert_eq!(auc, 0.75);
/// ```
///
/// # Panics
/// On empty input, unequal lengths, NaN scores, labels other than 0/1, and when the truth holds
/// one class only (the AUC is then undefined).
pub fn roc_auc<T: Labels, S: Values>(truth: T, scores: S) -> f64 {
    let (truth, scores) = (truth.labels(), scores.values());
    paired("roc_auc", truth.len(), scores.len(), "scores");
    binary("roc_auc", "truth", &truth);
    no_nan("roc_auc", "scores", &scores);
    let positives = truth.iter().filter(|l| **l == 1).count();
    let negatives = truth.len() - positives;
    assert!(
        positives > 0 && negatives > 0,
        "roc_auc is undefined: the truth holds only {} ({} rows); ranking needs both classes, so \
         evaluate on a split with positives and negatives",
        if positives == 0 {
            "negatives (0)"
        } else {
            "positives (1)"
        },
        truth.len()
    );
    // Average ranks (1-based) of the scores, ties sharing their mean rank.
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut ranks = vec![0.0; scores.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        let mean_rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = mean_rank;
        }
        start = end;
    }
    let positive_rank_sum: f64 = truth
        .iter()
        .zip(&ranks)
        .filter(|(l, _)| **l == 1)
        .map(|(_, r)| r)
        .sum();
    let (p, n) = (positives as f64, negatives as f64);
    (positive_rank_sum - p * (p + 1.0) / 2.0) / (p * n)
}

/// The mean binary cross-entropy of `probabilities` (of the positive class) against binary
/// labels, in nats. Probabilities are clipped to `[eps, 1 - eps]` with `eps = f64::EPSILON`, as
/// scikit-learn does for float64, so a confident mistake costs about 36 instead of infinity.
///
/// ```
/// let loss = ml_test::metrics::log_loss(&[1, 0], &[0.8, 0.2]);
/// assert!((loss - -(0.8f64.ln())).abs() < 1e-12);
/// ```
///
/// # Panics
/// On empty input, unequal lengths, labels other than 0/1, and probabilities that are NaN or
/// outside `[0, 1]` (logits need a sigmoid first).
pub fn log_loss<T: Labels, P: Values>(truth: T, probabilities: P) -> f64 {
    let (truth, probabilities) = (truth.labels(), probabilities.values());
    paired(
        "log_loss",
        truth.len(),
        probabilities.len(),
        "probabilities",
    );
    binary("log_loss", "truth", &truth);
    no_nan("log_loss", "probabilities", &probabilities);
    if let Some(at) = probabilities.iter().position(|p| !(0.0..=1.0).contains(p)) {
        panic!(
            "log_loss: probabilities has {} at index {at}, outside [0, 1]; log_loss takes the \
             probability of the positive class (logits need a sigmoid first)",
            probabilities[at]
        );
    }
    let eps = f64::EPSILON;
    let total: f64 = truth
        .iter()
        .zip(&probabilities)
        .map(|(y, p)| {
            let p = p.clamp(eps, 1.0 - eps);
            if *y == 1 { -p.ln() } else { -(1.0 - p).ln() }
        })
        .sum();
    total / truth.len() as f64
}

/// Counts of (true label, predicted label) pairs; rows are the truth, columns the prediction,
/// both over the sorted labels seen in either (scikit-learn's layout).
///
/// ```
/// use ml_test::metrics::confusion_matrix;
///
/// let matrix = confusion_matrix(&[0, 1, 2, 2], &[0, 2, 2, 1]);
/// assert_eq!(matrix.labels, [0, 1, 2]);
/// assert_eq!(matrix.count(2, 1), 1);
/// assert_eq!((matrix.true_negatives(), matrix.true_positives()), (1, 0));
/// println!("{matrix}");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfusionMatrix {
    /// The labels, sorted; row and column `i` are `labels[i]`.
    pub labels: Vec<i128>,
    /// `counts[[i, j]]`: rows with true label `labels[i]` predicted as `labels[j]`.
    pub counts: Array2<usize>,
}

impl ConfusionMatrix {
    /// Rows with true label `truth` predicted as `predicted` (0 for labels never seen).
    pub fn count(&self, truth: i128, predicted: i128) -> usize {
        let at = |label| self.labels.iter().position(|l| *l == label);
        match (at(truth), at(predicted)) {
            (Some(i), Some(j)) => self.counts[[i, j]],
            _ => 0,
        }
    }

    /// Positive rows predicted positive (binary labels 0/1).
    pub fn true_positives(&self) -> usize {
        self.count(1, 1)
    }

    /// Negative rows predicted positive.
    pub fn false_positives(&self) -> usize {
        self.count(0, 1)
    }

    /// Negative rows predicted negative.
    pub fn true_negatives(&self) -> usize {
        self.count(0, 0)
    }

    /// Positive rows predicted negative.
    pub fn false_negatives(&self) -> usize {
        self.count(1, 0)
    }
}

/// A table: one row per true label, one column per predicted label.
impl fmt::Display for ConfusionMatrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .counts
            .iter()
            .map(|c| c.to_string().len())
            .chain(self.labels.iter().map(|l| l.to_string().len()))
            .max()
            .unwrap_or(1)
            .max(4);
        write!(f, "{:>10}", "true\\pred")?;
        for label in &self.labels {
            write!(f, " {label:>width$}")?;
        }
        for (i, label) in self.labels.iter().enumerate() {
            write!(f, "\n{label:>10}")?;
            for j in 0..self.labels.len() {
                write!(f, " {:>width$}", self.counts[[i, j]])?;
            }
        }
        Ok(())
    }
}

/// The confusion matrix of `predicted` against `truth`.
///
/// ```
/// let matrix = ml_test::metrics::confusion_matrix(&[1, 0, 1, 1], &[1, 1, 0, 1]);
/// assert_eq!((matrix.true_positives(), matrix.false_positives()), (2, 1));
/// assert_eq!(matrix.false_negatives(), 1);
/// ```
///
/// # Panics
/// On empty input or unequal lengths.
pub fn confusion_matrix<T: Labels, P: Labels>(truth: T, predicted: P) -> ConfusionMatrix {
    let (truth, predicted) = (truth.labels(), predicted.labels());
    paired(
        "confusion_matrix",
        truth.len(),
        predicted.len(),
        "predicted",
    );
    let mut labels: Vec<i128> = truth.iter().chain(&predicted).copied().collect();
    labels.sort_unstable();
    labels.dedup();
    let mut counts = Array2::zeros((labels.len(), labels.len()));
    let at = |label: &i128| labels.binary_search(label).expect("collected above");
    for (t, p) in truth.iter().zip(&predicted) {
        counts[[at(t), at(p)]] += 1;
    }
    ConfusionMatrix { labels, counts }
}

fn regression_pair<T: Values, P: Values>(
    metric: &str,
    truth: T,
    predicted: P,
) -> (Vec<f64>, Vec<f64>) {
    let (truth, predicted) = (truth.values(), predicted.values());
    paired(metric, truth.len(), predicted.len(), "predicted");
    no_nan(metric, "truth", &truth);
    no_nan(metric, "predicted", &predicted);
    (truth, predicted)
}

/// Mean absolute error.
///
/// ```
/// assert_eq!(ml_test::metrics::mae(&[1.0, 2.0], &[1.5, 1.0]), 0.75);
/// ```
///
/// # Panics
/// On empty input, unequal lengths or NaN.
pub fn mae<T: Values, P: Values>(truth: T, predicted: P) -> f64 {
    let (truth, predicted) = regression_pair("mae", truth, predicted);
    truth
        .iter()
        .zip(&predicted)
        .map(|(t, p)| (t - p).abs())
        .sum::<f64>()
        / truth.len() as f64
}

/// Root mean squared error.
///
/// ```
/// assert_eq!(ml_test::metrics::rmse(&[0.0, 0.0], &[3.0, 4.0]), 12.5f64.sqrt());
/// ```
///
/// # Panics
/// On empty input, unequal lengths or NaN.
pub fn rmse<T: Values, P: Values>(truth: T, predicted: P) -> f64 {
    let (truth, predicted) = regression_pair("rmse", truth, predicted);
    let mse = truth
        .iter()
        .zip(&predicted)
        .map(|(t, p)| (t - p).powi(2))
        .sum::<f64>()
        / truth.len() as f64;
    mse.sqrt()
}

/// The coefficient of determination R² = 1 - SS_res / SS_tot: 1 is a perfect fit, 0 is as good
/// as predicting the mean, negative is worse.
///
/// ```
/// assert_eq!(ml_test::metrics::r2(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]), 1.0);
/// ```
///
/// # Panics
/// On empty input, unequal lengths, NaN, and a constant truth (R² is then undefined).
pub fn r2<T: Values, P: Values>(truth: T, predicted: P) -> f64 {
    let (truth, predicted) = regression_pair("r2", truth, predicted);
    let mean = truth.iter().sum::<f64>() / truth.len() as f64;
    let total: f64 = truth.iter().map(|t| (t - mean).powi(2)).sum();
    assert!(
        total > 0.0,
        "r2 is undefined: every truth value is {mean}, so there is no variance to explain; \
         use mae or rmse"
    );
    let residual: f64 = truth
        .iter()
        .zip(&predicted)
        .map(|(t, p)| (t - p).powi(2))
        .sum();
    1.0 - residual / total
}
