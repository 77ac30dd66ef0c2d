//! Checks on data splits.

use std::collections::HashMap;
use std::fmt::{Debug, Write as _};
use std::hash::Hash;

/// At most this many overlapping keys are listed.
const MAX_LISTED: usize = 10;

/// Asserts that no record of `test` shares its key with a record of `train`: the test split
/// does not leak into training. `key` identifies a record by what makes it the same example,
/// so an id column can be left out: two rows with different ids and the same content are the
/// same example to the model. Floats go into keys as bits (`f64::to_bits`).
///
/// ```
/// use ml_test::data::assert_disjoint;
///
/// struct Row { id: u32, text: &'static str, label: u8 }
/// let train = [Row { id: 1, text: "great film", label: 1 }, Row { id: 2, text: "dull", label: 0 }];
/// let test = [Row { id: 3, text: "a fine cast", label: 1 }];
/// assert_disjoint(&train, &test, |row| (row.text, row.label)); // ids differ anyway: left out
/// ```
///
/// # Panics
/// When some keys are in both splits: how many test records leak, and the first keys with
/// their row positions in each split.
#[track_caller]
pub fn assert_disjoint<T, K, A, B>(train: A, test: B, key: impl Fn(&T) -> K)
where
    A: IntoIterator<Item = T>,
    B: IntoIterator<Item = T>,
    K: Eq + Hash + Debug,
{
    let mut train_rows: HashMap<K, Vec<usize>> = HashMap::new();
    let mut train_len = 0;
    for (row, record) in train.into_iter().enumerate() {
        train_rows.entry(key(&record)).or_default().push(row);
        train_len += 1;
    }
    let mut leaks: Vec<(usize, K)> = Vec::new();
    let mut test_len = 0;
    for (row, record) in test.into_iter().enumerate() {
        let key = key(&record);
        if train_rows.contains_key(&key) {
            leaks.push((row, key));
        }
        test_len += 1;
    }
    if leaks.is_empty() {
        println!(
            "splits are disjoint: none of {test_len} test records shares a key with the {train_len} training records"
        );
        return;
    }
    let mut message = format!(
        "split leak: {} of {test_len} test records ({:.1}%) share a key with the training split ({train_len} records)",
        leaks.len(),
        100.0 * leaks.len() as f64 / test_len as f64
    );
    for (row, key) in leaks.iter().take(MAX_LISTED) {
        let in_train = &train_rows[key];
        let _ = write!(
            message,
            "\n  key {key:?}: test row {row}, training row{} {}",
            if in_train.len() == 1 { "" } else { "s" },
            in_train
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if leaks.len() > MAX_LISTED {
        let _ = write!(message, "\n  and {} more", leaks.len() - MAX_LISTED);
    }
    message.push_str(
        "\n  a model evaluated on rows it trained on looks better than it is: split by a key \
         (group), deduplicate before splitting, or drop the rows from one side",
    );
    panic!("{message}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_keys_are_counted_and_listed_with_their_rows() {
        let train = vec![(1, "a"), (2, "b"), (3, "c"), (4, "b")];
        let test = vec![(10, "b"), (11, "x"), (12, "c")];
        let panic = std::panic::catch_unwind(|| assert_disjoint(&train, &test, |r| r.1))
            .expect_err("`b` and `c` are in both");
        let message = panic.downcast_ref::<String>().unwrap();
        assert!(
            message.starts_with(
                "split leak: 2 of 3 test records (66.7%) share a key with the training split (4 records)\n  \
                 key \"b\": test row 0, training rows 1, 3\n  \
                 key \"c\": test row 2, training row 2\n"
            ),
            "{message}"
        );
        // Keyed by id, the same splits are disjoint: the key decides what "the same" means.
        assert_disjoint(&train, &test, |r| r.0);
    }
}
