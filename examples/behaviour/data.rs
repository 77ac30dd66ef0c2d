//! Loan applications: a typed record as the service receives it, and a synthetic data set of a
//! few hundred rows drawn from a known rule, so tests know what the model should learn.

use ml_test::rand::rngs::StdRng;
use ml_test::rand::{Rng, SeedableRng};

/// What an applicant wants the loan for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    Car,
    Home,
    Education,
    Business,
}

pub const PURPOSES: [Purpose; 4] = [
    Purpose::Car,
    Purpose::Home,
    Purpose::Education,
    Purpose::Business,
];

/// One loan application.
#[derive(Clone, Debug, PartialEq)]
pub struct Applicant {
    /// The application's id in the database: unique per row, says nothing about the person.
    pub id: u32,
    pub name: String,
    pub age: u32,
    /// Yearly income in dollars.
    pub income: f64,
    /// Outstanding debt in dollars.
    pub debt: f64,
    pub years_employed: u32,
    pub zip_code: String,
    pub purpose: Purpose,
}

/// An application with the decision it got.
#[derive(Clone, Debug, PartialEq)]
pub struct Labelled {
    pub applicant: Applicant,
    /// 1: the loan was repaid (approve), 0: it was not.
    pub repaid: u8,
}

const NAMES: [&str; 12] = [
    "Ada", "Bilal", "Chen", "Dana", "Emeka", "Farah", "Goran", "Hana", "Ines", "Jonas", "Keiko",
    "Luis",
];
const ZIPS: [&str; 5] = ["10115", "20095", "50667", "80331", "70173"];

/// The rule behind the labels: more income, less debt and a longer employment make repayment
/// likelier; age, name, zip code and purpose play no part.
pub fn true_logit(a: &Applicant) -> f64 {
    0.06 * (a.income / 1000.0 - 70.0) - 0.09 * (a.debt / 1000.0 - 25.0)
        + 0.12 * (f64::from(a.years_employed) - 8.0)
}

/// `n` labelled applications drawn with `seed`: the same seed, the same data.
pub fn applications(seed: u64, n: usize) -> Vec<Labelled> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let income = rng.random_range(18_000.0..160_000.0f64).round();
            let applicant = Applicant {
                id: 10_000 + i as u32,
                name: NAMES[rng.random_range(0..NAMES.len())].to_owned(),
                age: rng.random_range(21..70),
                income,
                debt: (income * rng.random_range(0.0..0.8f64)).round(),
                years_employed: rng.random_range(0..30),
                zip_code: ZIPS[rng.random_range(0..ZIPS.len())].to_owned(),
                purpose: PURPOSES[rng.random_range(0..PURPOSES.len())],
            };
            // Logistic noise: the label is a draw, not a deterministic function of the inputs.
            let u: f64 = rng.random_range(1e-9..1.0 - 1e-9);
            let noise = (u / (1.0 - u)).ln();
            let repaid = u8::from(true_logit(&applicant) + noise > 0.0);
            Labelled { applicant, repaid }
        })
        .collect()
}

/// Splits `rows` into train and test by shuffling with `seed`: `test_fraction` of them go to test.
pub fn split(rows: &[Labelled], test_fraction: f64, seed: u64) -> (Vec<Labelled>, Vec<Labelled>) {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let mut rng = StdRng::seed_from_u64(seed);
    for i in (1..order.len()).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    let test_len = (rows.len() as f64 * test_fraction).round() as usize;
    let test = order[..test_len].iter().map(|&i| rows[i].clone()).collect();
    let train = order[test_len..].iter().map(|&i| rows[i].clone()).collect();
    (train, test)
}
