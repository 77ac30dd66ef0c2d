//! A decision tree (CART, Gini impurity), trained in one call: the lender's explainable
//! challenger model, and the subject of the one-shot fitting checks.

use ml_test::ndarray::{Array2, ArrayView1};
use ml_test::prelude::*;

use crate::data::Labelled;
use crate::features::matrix;

/// A bug to plant in the tree, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TreeBug {
    None,
    /// `max_depth` is clamped to 2 by a leftover debugging line: the tree cannot fit.
    DepthCapped,
}

enum Node {
    Leaf(u8),
    Split {
        feature: usize,
        threshold: f64,
        left: Box<Node>,
        right: Box<Node>,
    },
}

pub struct DecisionTree {
    root: Node,
}

impl DecisionTree {
    /// Grows a tree on rows `x` with labels `y` (0 or 1), at most `max_depth` splits deep.
    pub fn fit(x: &Array2<f64>, y: &[u8], max_depth: usize, bug: TreeBug) -> DecisionTree {
        let max_depth = match bug {
            TreeBug::DepthCapped => max_depth.min(2),
            TreeBug::None => max_depth,
        };
        let rows: Vec<usize> = (0..y.len()).collect();
        DecisionTree {
            root: grow(x, y, &rows, max_depth),
        }
    }

    pub fn predict_row(&self, row: ArrayView1<f64>) -> u8 {
        let mut node = &self.root;
        loop {
            match node {
                Node::Leaf(label) => return *label,
                Node::Split {
                    feature,
                    threshold,
                    left,
                    right,
                } => {
                    node = if row[*feature] <= *threshold {
                        left
                    } else {
                        right
                    }
                }
            }
        }
    }

    pub fn predict(&self, x: &Array2<f64>) -> Vec<u8> {
        x.rows()
            .into_iter()
            .map(|row| self.predict_row(row))
            .collect()
    }
}

/// The majority label; ties go to 0 (reject), so the rule is deterministic.
fn majority(y: &[u8], rows: &[usize]) -> u8 {
    let ones = rows.iter().filter(|&&i| y[i] == 1).count();
    u8::from(2 * ones > rows.len())
}

fn gini(y: &[u8], rows: &[usize]) -> f64 {
    if rows.is_empty() {
        return 0.0;
    }
    let p = rows.iter().filter(|&&i| y[i] == 1).count() as f64 / rows.len() as f64;
    2.0 * p * (1.0 - p)
}

fn grow(x: &Array2<f64>, y: &[u8], rows: &[usize], depth_left: usize) -> Node {
    let impurity = gini(y, rows);
    if depth_left == 0 || impurity == 0.0 {
        return Node::Leaf(majority(y, rows));
    }
    // The split (feature, threshold) with the lowest weighted impurity; thresholds halfway
    // between consecutive distinct values.
    let mut best: Option<(f64, usize, f64)> = None;
    for feature in 0..x.ncols() {
        let mut values: Vec<f64> = rows.iter().map(|&i| x[[i, feature]]).collect();
        values.sort_by(f64::total_cmp);
        values.dedup();
        for pair in values.windows(2) {
            let threshold = (pair[0] + pair[1]) / 2.0;
            let (left, right): (Vec<usize>, Vec<usize>) =
                rows.iter().partition(|&&i| x[[i, feature]] <= threshold);
            let weighted = (left.len() as f64 * gini(y, &left)
                + right.len() as f64 * gini(y, &right))
                / rows.len() as f64;
            if best.is_none_or(|(score, _, _)| weighted < score) {
                best = Some((weighted, feature, threshold));
            }
        }
    }
    match best {
        Some((score, feature, threshold)) if score < impurity => {
            let (left, right): (Vec<usize>, Vec<usize>) =
                rows.iter().partition(|&&i| x[[i, feature]] <= threshold);
            Node::Split {
                feature,
                threshold,
                left: Box::new(grow(x, y, &left, depth_left - 1)),
                right: Box::new(grow(x, y, &right, depth_left - 1)),
            }
        }
        _ => Node::Leaf(majority(y, rows)),
    }
}

/// The tiny fixed batch the fitting checks use, and the bug to plant.
pub struct TreeOnBatch {
    x: Array2<f64>,
    y: Vec<u8>,
    bug: TreeBug,
}

impl TreeOnBatch {
    pub fn new(batch: &[Labelled], bug: TreeBug) -> TreeOnBatch {
        TreeOnBatch {
            x: matrix(batch.iter().map(|r| &r.applicant)),
            y: batch.iter().map(|r| r.repaid).collect(),
            bug,
        }
    }
}

/// Capacity is the tree's maximum depth.
impl Fitter for TreeOnBatch {
    type Predictions = Vec<u8>;

    fn fit(&mut self, capacity: usize) -> Vec<u8> {
        DecisionTree::fit(&self.x, &self.y, capacity, self.bug).predict(&self.x)
    }

    /// The misclassification rate on the batch.
    fn error(&self, predictions: &Vec<u8>) -> f64 {
        let wrong = predictions
            .iter()
            .zip(&self.y)
            .filter(|(p, y)| p != y)
            .count();
        wrong as f64 / self.y.len() as f64
    }
}
