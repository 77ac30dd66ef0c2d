//! Preprocessing: from an application to the numbers the models see. The name, the zip code
//! and the purpose are dropped (the lender may not use them); the id never was a feature.

use ml_test::ndarray::Array2;

use crate::data::Applicant;

/// The features, in order.
pub const FEATURE_NAMES: [&str; 4] = ["income_k", "debt_k", "years_employed", "age"];

/// One application's features.
pub fn featurize(a: &Applicant) -> [f64; 4] {
    [
        a.income / 1000.0,
        a.debt / 1000.0,
        f64::from(a.years_employed),
        f64::from(a.age),
    ]
}

/// A batch of applications as rows of features.
pub fn matrix<'a>(applicants: impl IntoIterator<Item = &'a Applicant>) -> Array2<f64> {
    let rows: Vec<[f64; 4]> = applicants.into_iter().map(featurize).collect();
    Array2::from_shape_fn((rows.len(), 4), |(i, j)| rows[i][j])
}
