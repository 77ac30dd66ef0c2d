//! Checks on data splits.

use std::collections::HashMap;
use std::fmt::{Debug, Write as _};
use std::hash::Hash;

/// The records of one split, as [`assert_disjoint`] reads them: each goes to the key closure as
/// `&Record`, so the closure is written for the record type as it is (`|p: &Passenger| p.id`
/// for a `&Vec<Passenger>`), annotated or not.
///
/// Splits are `&` a `Vec`, slice, array or `VecDeque` of records, a `Vec` or array by value,
/// `.iter()` or `.into_iter()` of a `Vec` or slice, or an ndarray's `.rows()` /
/// `.outer_iter()` (each record an `ArrayView`). Any other iterator goes through [`owned`]
/// (records are its items) or [`borrowed`] (its items are `&Record`).
///
/// ```
/// use ml_test::data::{assert_disjoint, borrowed};
///
/// struct Passenger { id: u32, adult: bool }
/// let train = vec![Passenger { id: 1, adult: true }, Passenger { id: 2, adult: false }];
/// let test = vec![Passenger { id: 3, adult: true }];
/// assert_disjoint(&train, &test, |p: &Passenger| p.id);
/// assert_disjoint(train.iter(), test.iter(), |p| p.id);
/// let (train_adults, test_adults) = (train.iter().filter(|p| p.adult), test.iter().filter(|p| p.adult));
/// assert_disjoint(borrowed(train_adults), borrowed(test_adults), |p: &Passenger| p.id);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a split `assert_disjoint` can read records from",
    label = "expected a split of records here",
    note = "pass `&` a Vec, slice or array of records (`&train`), `.iter()` of one, or an ndarray's `.rows()`; wrap any other iterator in `ml_test::data::owned(..)` (its items are the records) or `ml_test::data::borrowed(..)` (its items are `&record`)"
)]
pub trait Records {
    /// One record of the split.
    type Record;
    /// Calls `f` on each record, in order.
    fn for_each_record(self, f: impl FnMut(&Self::Record));
}

macro_rules! borrowed_records {
    ($($ty:ty $(, const $n:ident)?);* $(;)?) => {$(
        impl<'a, T $(, const $n: usize)?> Records for $ty {
            type Record = T;
            fn for_each_record(self, f: impl FnMut(&T)) {
                self.into_iter().for_each(f);
            }
        }
    )*};
}

borrowed_records!(
    &'a [T];
    &'a Vec<T>;
    &'a [T; N], const N;
    &'a std::collections::VecDeque<T>;
    std::slice::Iter<'a, T>;
);

macro_rules! owned_records {
    ($($ty:ty $(, const $n:ident)?);* $(;)?) => {$(
        impl<T $(, const $n: usize)?> Records for $ty {
            type Record = T;
            fn for_each_record(self, mut f: impl FnMut(&T)) {
                self.into_iter().for_each(|record| f(&record));
            }
        }
    )*};
}

owned_records!(
    Vec<T>;
    [T; N], const N;
    std::vec::IntoIter<T>;
    std::array::IntoIter<T, N>, const N;
);

/// Any iterator whose items are the records; see [`Records`].
#[derive(Debug)]
pub struct Owned<I>(I);

/// The records of `iter`, its items: `owned(lines.map(parse))`.
pub fn owned<I: IntoIterator>(iter: I) -> Owned<I::IntoIter> {
    Owned(iter.into_iter())
}

impl<I: Iterator> Records for Owned<I> {
    type Record = I::Item;
    fn for_each_record(self, mut f: impl FnMut(&I::Item)) {
        self.0.for_each(|record| f(&record));
    }
}

/// Any iterator whose items are references to the records; see [`Records`].
#[derive(Debug)]
pub struct Borrowed<I>(I);

/// The records `iter` refers to: `borrowed(train.iter().filter(|p| p.adult))`.
pub fn borrowed<'a, T: 'a, I: IntoIterator<Item = &'a T>>(iter: I) -> Borrowed<I::IntoIter> {
    Borrowed(iter.into_iter())
}

impl<'a, T: 'a, I: Iterator<Item = &'a T>> Records for Borrowed<I> {
    type Record = T;
    fn for_each_record(self, f: impl FnMut(&T)) {
        self.0.for_each(f);
    }
}

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
pub fn assert_disjoint<R, A, B, K>(train: A, test: B, key: impl Fn(&R) -> K)
where
    A: Records<Record = R>,
    B: Records<Record = R>,
    K: Eq + Hash + Debug,
{
    let mut train_rows: HashMap<K, Vec<usize>> = HashMap::new();
    let mut train_len = 0;
    train.for_each_record(|record| {
        train_rows.entry(key(record)).or_default().push(train_len);
        train_len += 1;
    });
    let mut leaks: Vec<(usize, K)> = Vec::new();
    let mut test_len = 0;
    test.for_each_record(|record| {
        let key = key(record);
        if train_rows.contains_key(&key) {
            leaks.push((test_len, key));
        }
        test_len += 1;
    });
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
