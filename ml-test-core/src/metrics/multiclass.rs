//! Precision, recall and F1 over any number of classes: per class, and averaged as
//! scikit-learn's `average=` does (macro, micro, weighted).

use super::{Labels, paired};

/// How a multiclass metric combines its per-class values (scikit-learn's `average=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Average {
    /// The plain mean over the classes: a rare class counts as much as a common one.
    Macro,
    /// From the counts summed over the classes. With one label per row, precision, recall and
    /// F1 all equal the accuracy.
    Micro,
    /// The mean over the classes, each weighted by its support (its rows in the truth).
    Weighted,
}

/// One class's scores; see [`per_class`].
#[derive(Clone, Debug, PartialEq)]
pub struct ClassScores {
    /// The class label.
    pub label: i128,
    /// `tp / (tp + fp)`; `None` when the class is never predicted (0 / 0).
    pub precision: Option<f64>,
    /// `tp / (tp + fn)`; `None` when the class is not in the truth (0 / 0).
    pub recall: Option<f64>,
    /// `2 tp / (2 tp + fp + fn)`: defined for every class in the truth or the prediction (0 when
    /// the class is never predicted right).
    pub f1: f64,
    /// The class's rows in the truth.
    pub support: usize,
}

/// The true positives, false positives and false negatives of each class in the truth or the
/// prediction, in label order.
struct Counts {
    labels: Vec<i128>,
    tp: Vec<usize>,
    fp: Vec<usize>,
    fn_: Vec<usize>,
}

fn counts<T: Labels, P: Labels>(metric: &str, truth: T, predicted: P) -> Counts {
    let (truth, predicted) = (truth.labels(), predicted.labels());
    paired(metric, truth.len(), predicted.len(), "predicted");
    let mut labels: Vec<i128> = truth.iter().chain(&predicted).copied().collect();
    labels.sort_unstable();
    labels.dedup();
    let at = |label: &i128| labels.binary_search(label).expect("collected above");
    let mut counts = Counts {
        tp: vec![0; labels.len()],
        fp: vec![0; labels.len()],
        fn_: vec![0; labels.len()],
        labels: labels.clone(),
    };
    for (t, p) in truth.iter().zip(&predicted) {
        if t == p {
            counts.tp[at(t)] += 1;
        } else {
            counts.fp[at(p)] += 1;
            counts.fn_[at(t)] += 1;
        }
    }
    counts
}

fn ratio(numerator: usize, denominator: usize) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

impl Counts {
    fn scores(&self) -> Vec<ClassScores> {
        (0..self.labels.len())
            .map(|c| {
                let (tp, fp, fn_) = (self.tp[c], self.fp[c], self.fn_[c]);
                ClassScores {
                    label: self.labels[c],
                    precision: ratio(tp, tp + fp),
                    recall: ratio(tp, tp + fn_),
                    f1: 2.0 * tp as f64 / (2 * tp + fp + fn_) as f64,
                    support: tp + fn_,
                }
            })
            .collect()
    }

    fn micro(&self, metric: &str) -> f64 {
        let (tp, fp, fn_): (usize, usize, usize) = (
            self.tp.iter().sum(),
            self.fp.iter().sum(),
            self.fn_.iter().sum(),
        );
        match metric {
            "precision" => tp as f64 / (tp + fp) as f64,
            "recall" => tp as f64 / (tp + fn_) as f64,
            _ => 2.0 * tp as f64 / (2 * tp + fp + fn_) as f64,
        }
    }
}

/// Averages one score over the classes; a class whose score is undefined and would count
/// panics, naming it.
fn average(
    metric: &str,
    counts: &Counts,
    average: Average,
    score: impl Fn(&ClassScores) -> Option<f64>,
    undefined: &str,
) -> f64 {
    if average == Average::Micro {
        return counts.micro(metric);
    }
    let scores = counts.scores();
    let mut total = 0.0;
    let mut weights = 0.0;
    for class in &scores {
        let weight = match average {
            Average::Weighted => class.support as f64,
            _ => 1.0,
        };
        if weight == 0.0 {
            continue;
        }
        let Some(value) = score(class) else {
            panic!(
                "{metric} ({average:?} average) is undefined: class {label} {undefined}, so its \
                 {metric} is 0 / 0; ml-test does not make up a value for it. Use \
                 Average::Micro, `f1_averaged` (defined for every class), or \
                 `per_class` to see each class",
                label = class.label,
            );
        };
        total += weight * value;
        weights += weight;
    }
    total / weights
}

/// Precision over several classes, averaged as `average` says (scikit-learn's
/// `precision_score(.., average=..)`).
///
/// ```
/// use ml_test::metrics::{Average, precision_averaged};
///
/// let truth = [0, 1, 2, 2, 1, 0];
/// let predicted = [0, 2, 2, 1, 1, 0];
/// assert_eq!(precision_averaged(&truth, &predicted, Average::Micro), 4.0 / 6.0);
/// assert_eq!(precision_averaged(&truth, &predicted, Average::Macro), (1.0 + 0.5 + 0.5) / 3.0);
/// ```
///
/// # Panics
/// On empty input or unequal lengths; with `Macro` or `Weighted`, when a class of the truth is
/// never predicted (its precision is 0 / 0).
pub fn precision_averaged<T: Labels, P: Labels>(truth: T, predicted: P, how: Average) -> f64 {
    let counts = counts("precision_averaged", truth, predicted);
    average(
        "precision",
        &counts,
        how,
        |class| class.precision,
        "is never predicted",
    )
}

/// Recall over several classes, averaged as `average` says (scikit-learn's
/// `recall_score(.., average=..)`). `Weighted` recall equals the accuracy.
///
/// ```
/// use ml_test::metrics::{Average, recall_averaged};
///
/// let truth = [0, 1, 2, 2, 1, 0];
/// let predicted = [0, 2, 2, 1, 1, 0];
/// assert_eq!(recall_averaged(&truth, &predicted, Average::Macro), (1.0 + 0.5 + 0.5) / 3.0);
/// ```
///
/// # Panics
/// On empty input or unequal lengths; with `Macro`, when a predicted class is not in the truth
/// (its recall is 0 / 0).
pub fn recall_averaged<T: Labels, P: Labels>(truth: T, predicted: P, how: Average) -> f64 {
    let counts = counts("recall_averaged", truth, predicted);
    average(
        "recall",
        &counts,
        how,
        |class| class.recall,
        "is not in the truth",
    )
}

/// F1 over several classes, averaged as `average` says (scikit-learn's
/// `f1_score(.., average=..)`). Each class's F1 is `2 tp / (2 tp + fp + fn)`, defined for every
/// class in the truth or the prediction.
///
/// ```
/// use ml_test::metrics::{Average, f1_averaged};
///
/// let truth = [0, 0, 1, 1];
/// let predicted = [0, 1, 1, 1];
/// assert_eq!(f1_averaged(&truth, &predicted, Average::Macro), (2.0 / 3.0 + 0.8) / 2.0);
/// ```
///
/// # Panics
/// On empty input or unequal lengths.
pub fn f1_averaged<T: Labels, P: Labels>(truth: T, predicted: P, how: Average) -> f64 {
    let counts = counts("f1_averaged", truth, predicted);
    average("f1", &counts, how, |class| Some(class.f1), "")
}

/// Precision, recall, F1 and support of each class in the truth or the prediction, in label
/// order (scikit-learn's `precision_recall_fscore_support(.., average=None)`, with an
/// undefined value as `None` instead of a warning and a 0).
///
/// ```
/// use ml_test::metrics::per_class;
///
/// let classes = per_class(&[0, 0, 1, 2], &[0, 1, 1, 1]);
/// assert_eq!((classes[1].label, classes[1].precision, classes[1].support), (1, Some(1.0 / 3.0), 1));
/// assert_eq!((classes[2].precision, classes[2].recall, classes[2].f1), (None, Some(0.0), 0.0));
/// ```
///
/// # Panics
/// On empty input or unequal lengths.
pub fn per_class<T: Labels, P: Labels>(truth: T, predicted: P) -> Vec<ClassScores> {
    counts("per_class", truth, predicted).scores()
}
