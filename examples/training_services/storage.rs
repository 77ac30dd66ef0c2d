//! The storage client and the training-data loader built on it.

use ml_test::ndarray::{Array1, Array2};

use crate::ServiceError;

/// Object storage (a bucket), injected by the caller.
#[cfg_attr(test, mockall::automock)]
pub trait Storage {
    /// The object at `key`.
    fn get(&self, key: &str) -> Result<Vec<u8>, ServiceError>;
}

/// Reads a CSV of `feature,..,feature,label` rows into features and labels.
pub fn load_training_data(
    storage: &dyn Storage,
    key: &str,
) -> Result<(Array2<f32>, Array1<i64>), ServiceError> {
    let bytes = storage.get(key)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| ServiceError::Invalid(format!("{key} is not UTF-8 text")))?;
    let mut features = Vec::new();
    let mut labels = Vec::new();
    let mut width = None;
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let bad = |why: &str| ServiceError::Invalid(format!("{key} line {}: {why}", n + 1));
        let (label, row) = fields.split_last().ok_or_else(|| bad("empty"))?;
        if *width.get_or_insert(row.len()) != row.len() {
            return Err(bad("a different number of columns than the first line"));
        }
        for field in row {
            features.push(
                field
                    .parse::<f32>()
                    .map_err(|_| bad(&format!("`{field}` is not a number")))?,
            );
        }
        labels.push(
            label
                .parse::<i64>()
                .map_err(|_| bad(&format!("label `{label}` is not an integer")))?,
        );
    }
    let rows = labels.len();
    let features = Array2::from_shape_vec((rows, width.unwrap_or(0)), features)
        .map_err(|error| ServiceError::Invalid(error.to_string()))?;
    Ok((features, Array1::from(labels)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ml_test::ndarray::array;
    use ml_test::prelude::*;
    use mockall::predicate::eq;

    #[ml_test]
    fn rows_become_features_and_labels() {
        let mut storage = MockStorage::new();
        storage
            .expect_get()
            .with(eq("train.csv"))
            .times(1)
            .returning(|_| Ok(b"0.5,1.5,1\n2,3,0\n".to_vec()));
        let (features, labels) = load_training_data(&storage, "train.csv").unwrap();
        assert_close!(features, array![[0.5, 1.5], [2.0, 3.0]]);
        assert_eq!(labels, array![1, 0]);
    }

    #[ml_test]
    fn a_missing_key_is_reported_as_such() {
        let mut storage = MockStorage::new();
        storage
            .expect_get()
            .returning(|key| Err(ServiceError::NotFound(key.to_owned())));
        assert_eq!(
            load_training_data(&storage, "train/2026-11-21.csv"),
            Err(ServiceError::NotFound("train/2026-11-21.csv".into()))
        );
    }

    #[ml_test]
    fn a_bad_row_names_its_line() {
        let mut storage = MockStorage::new();
        storage
            .expect_get()
            .returning(|_| Ok(b"1,2,0\n1,x,1\n".to_vec()));
        assert_eq!(
            load_training_data(&storage, "t.csv"),
            Err(ServiceError::Invalid(
                "t.csv line 2: `x` is not a number".into()
            ))
        );
    }
}
