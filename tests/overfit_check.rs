//! `#[overfit_check]` on real trainers: the generated module, its tests and their tiers.

#[path = "../examples/convergence/trainers.rs"]
mod trainers;

use ml_test::prelude::*;
use trainers::{Bug, LogisticRegression, Mlp};

#[overfit_check(steps = 300, target_loss = 0.05, loss_at_init(classes = 2))]
fn logistic_regression() -> LogisticRegression {
    LogisticRegression::new(Bug::None)
}

/// The MLP keeps its output bias `b2` frozen; the `frozen` check proves it.
#[overfit_check(steps = 50, skip = [overfits_batch], frozen = ["b2"])]
#[ml_test(integration, seed = 5)]
fn tier_from_ml_test_below() -> impl Trainer {
    Mlp::new(Bug::None)
}

#[ml_test(unit)]
#[overfit_check(steps = 20, skip = [overfits_batch, loss_decreases])]
fn tier_from_ml_test_above() -> LogisticRegression {
    LogisticRegression::new(Bug::None)
}

/// Every threshold option at once: each reaches the runtime through the setter of its own name
/// (the group compiles only if every one exists), at values a correct model clears.
#[overfit_check(
    steps = 60,
    target_loss = 0.65,
    target_relative = 0.9,
    window = 0.25,
    min_decrease = 0.01,
    min_param_change = 0,
    init_rtol = 0.5,
    init_samples = 3,
    init_sigmas = 2,
    deterministic_steps = 2,
    loss_at_init(classes = 2)
)]
fn every_threshold() -> LogisticRegression {
    LogisticRegression::new(Bug::None)
}

#[ml_test]
fn the_group_registers_one_test_per_check_in_its_tier() {
    let tests = ml_test::registry();
    let group = |prefix: &str| {
        let mut found: Vec<(&str, Tier)> = tests
            .iter()
            .filter(|t| t.name().starts_with(prefix))
            .map(|t| (&t.name()[prefix.len()..], t.tier()))
            .collect();
        found.sort();
        found
    };
    assert_eq!(
        group("logistic_regression::"),
        [
            ("deterministic__slow", Tier::Slow),
            ("loss_at_init__slow", Tier::Slow),
            ("loss_decreases__slow", Tier::Slow),
            ("loss_is_finite__slow", Tier::Slow),
            ("overfits_batch__slow", Tier::Slow),
            ("params_update__slow", Tier::Slow),
        ]
    );
    let below = group("tier_from_ml_test_below::");
    assert_eq!(
        below.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        [
            "deterministic__integration",
            "frozen__integration",
            "loss_decreases__integration",
            "loss_is_finite__integration",
            "params_update__integration"
        ]
    );
    assert!(below.iter().all(|(_, tier)| *tier == Tier::Integration));
    let above = group("tier_from_ml_test_above::");
    assert_eq!(above.len(), 3);
    assert!(above.iter().all(|(_, tier)| *tier == Tier::Unit));
    assert!(
        tests
            .iter()
            .filter(|t| t.name().starts_with("tier_from_ml_test"))
            .all(|t| t.kind() == ml_test::TestKind::ConvergenceCheck)
    );
}

static NO_OP: ml_test::convergence::CheckGroup =
    ml_test::convergence::CheckGroup::standalone("overfit_check::no_op_trainer").steps(100);

fn failure_message(check: ml_test::convergence::Check) -> String {
    let panic =
        std::panic::catch_unwind(|| NO_OP.check(check, || LogisticRegression::new(Bug::NoOpStep)))
            .expect_err("the check must fail on a trainer whose step does nothing");
    panic
        .downcast_ref::<String>()
        .cloned()
        .expect("a formatted message")
}

#[ml_test]
fn a_failed_check_reports_numbers_a_sparkline_and_a_plot() {
    use ml_test::convergence::Check;
    let message = failure_message(Check::LossDecreases);
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(
        lines[0],
        "convergence check `loss_decreases`: the loss did not go down"
    );
    assert!(
        lines[1].starts_with("  first window mean (steps 0..10): 0.69"),
        "{message}"
    );
    assert!(
        lines[2].starts_with("  last window mean (steps 90..100): 0.69"),
        "{message}"
    );
    let curve = lines
        .iter()
        .find(|l| l.starts_with("  loss "))
        .expect("a loss-curve line");
    assert!(
        curve.contains("▄▄▄▄") && curve.ends_with("(100 steps)"),
        "{curve}"
    );
    let plot = lines
        .iter()
        .find_map(|l| l.strip_prefix("  plot: "))
        .expect("a plot line");
    let svg = std::fs::read_to_string(plot).unwrap_or_else(|e| panic!("{plot}: {e}"));
    assert!(
        svg.contains("<polyline") && svg.contains("no_op_trainer: loss_decreases failed (seed")
    );
    let seed = ml_test::context::seed_from_name("no_op_trainer");
    assert!(
        message.ends_with(&format!("replay with ML_TEST_SEED={seed})"))
            || std::env::var_os("ML_TEST_SEED").is_some(),
        "{message}"
    );

    let update = failure_message(Check::ParamsUpdate);
    assert!(
        update.contains("`params_update`: 2 of 2 trainable tensor(s) did not move"),
        "{update}"
    );
    assert!(
        update.contains("\n  w [2]: max change 0 after 100 steps (after step 1: 0)"),
        "{update}"
    );
    let overfit = failure_message(Check::OverfitsBatch);
    assert!(
        overfit.contains("`overfits_batch`: the loss did not reach 0.0347"),
        "{overfit}"
    );
}

// Models trained in one call: `#[overfit_check(capacity = ..)]` on a `Fitter`.

/// Polynomial least squares in closed form on six points: capacity is the degree, and degree 5
/// interpolates the six points. Planted bugs map the capacity the wrong way round, or jitter
/// the targets with an unseeded generator.
struct Poly {
    x: Vec<f64>,
    y: Vec<f64>,
    reversed: bool,
    unseeded_jitter: bool,
}

impl Poly {
    fn new(reversed: bool, unseeded_jitter: bool) -> Poly {
        Poly {
            x: (0..6).map(|i| f64::from(i) / 5.0).collect(),
            y: vec![0.0, 0.9, 0.2, 0.7, 1.0, 0.1],
            reversed,
            unseeded_jitter,
        }
    }

    /// Six targets drawn from the running test's seed: another seed, another batch. Each draw
    /// is kept in `DRAWN`, so a test can see that the seeds gave different batches.
    fn drawn(reversed: bool, unseeded_jitter: bool) -> Poly {
        use ml_test::rand::Rng;
        let mut rng = ml_test::rng();
        let y: Vec<f64> = (0..6).map(|_| rng.random_range(0.0..1.0)).collect();
        DRAWN.lock().unwrap().push(y.clone());
        Poly {
            y,
            ..Poly::new(reversed, unseeded_jitter)
        }
    }
}

static DRAWN: std::sync::Mutex<Vec<Vec<f64>>> = std::sync::Mutex::new(Vec::new());

/// Solves `a w = b` by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .expect("rows");
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (pivot_row, pivot_b) = (a[col].clone(), b[col]);
        for (row, b_row) in a.iter_mut().zip(b.iter_mut()).skip(col + 1) {
            let factor = row[col] / pivot_row[col];
            for (value, pivot) in row.iter_mut().zip(&pivot_row).skip(col) {
                *value -= factor * pivot;
            }
            *b_row -= factor * pivot_b;
        }
    }
    let mut w = vec![0.0; n];
    for row in (0..n).rev() {
        let tail: f64 = (row + 1..n).map(|k| a[row][k] * w[k]).sum();
        w[row] = (b[row] - tail) / a[row][row];
    }
    w
}

impl Fitter for Poly {
    type Predictions = Vec<f64>;

    fn fit(&mut self, capacity: usize) -> Vec<f64> {
        use ml_test::rand::Rng;
        let degree = if self.reversed {
            5 - capacity
        } else {
            capacity
        };
        let mut y = self.y.clone();
        if self.unseeded_jitter {
            let mut rng = ml_test::rand::rng();
            y.iter_mut()
                .for_each(|v| *v += rng.random_range(-1e-3..1e-3));
        }
        // Normal equations of the Vandermonde system.
        let powers = |x: f64| (0..=degree).map(move |p| x.powi(p as i32));
        let terms = degree + 1;
        let mut a = vec![vec![0.0; terms]; terms];
        let mut b = vec![0.0; terms];
        for (x, y) in self.x.iter().zip(&y) {
            let row: Vec<f64> = powers(*x).collect();
            for ((a_row, b_i), r_i) in a.iter_mut().zip(b.iter_mut()).zip(&row) {
                *b_i += r_i * y;
                for (a_ij, r_j) in a_row.iter_mut().zip(&row) {
                    *a_ij += r_i * r_j;
                }
            }
        }
        let w = solve(a, b);
        self.x
            .iter()
            .map(|x| powers(*x).zip(&w).map(|(p, w)| p * w).sum())
            .collect()
    }

    /// Mean squared error against the targets.
    fn error(&self, predictions: &Vec<f64>) -> f64 {
        let n = self.y.len() as f64;
        predictions
            .iter()
            .zip(&self.y)
            .map(|(p, y)| (p - y).powi(2))
            .sum::<f64>()
            / n
    }
}

/// Degree 5 interpolates the six points; a higher degree never fits them worse.
#[overfit_check(capacity = 0..=5)]
fn polynomial() -> Poly {
    Poly::new(false, false)
}

/// One capacity is allowed once the check that compares capacities is left out.
#[overfit_check(capacity = [5], skip = [monotone_in_capacity], tier = unit)]
fn polynomial_unit_tier() -> Poly {
    Poly::new(false, false)
}

#[ml_test]
fn a_one_shot_group_registers_its_fitting_checks_in_its_tier() {
    let names = |prefix: &str| {
        let mut found: Vec<(String, Tier)> = ml_test::registry()
            .into_iter()
            .filter(|t| t.name().starts_with(prefix))
            .map(|t| (t.name()[prefix.len()..].to_owned(), t.tier()))
            .collect();
        found.sort();
        found
    };
    assert_eq!(
        names("polynomial::"),
        [
            ("deterministic__slow".to_owned(), Tier::Slow),
            ("fits_batch__slow".to_owned(), Tier::Slow),
            ("monotone_in_capacity__slow".to_owned(), Tier::Slow),
        ]
    );
    assert_eq!(
        names("polynomial_unit_tier::"),
        [
            ("deterministic".to_owned(), Tier::Unit),
            ("fits_batch".to_owned(), Tier::Unit),
        ]
    );
}

static SWEEP: ml_test::convergence::FitGroup = ml_test::convergence::FitGroup::standalone(
    "overfit_check::polynomial_sweep",
    &[0, 1, 2, 3, 4, 5],
);

/// The checks that fail on some of 10 seeds.
fn failing_checks(build: fn() -> Poly) -> Vec<ml_test::convergence::FitCheck> {
    use ml_test::convergence::FitCheck;
    let mut failing = Vec::new();
    for seed in 0..10 {
        for (check, verdict) in SWEEP.sweep(build, seed, &FitCheck::ALL) {
            if verdict.is_err() && !failing.contains(&check) {
                failing.push(check);
            }
        }
    }
    failing
}

#[ml_test]
fn each_fitting_bug_fails_its_check_on_every_seed() {
    use ml_test::convergence::FitCheck;
    assert_eq!(failing_checks(|| Poly::new(false, false)), []);
    // Each seed draws its own batch (the sweep runs the builder in a context of that seed).
    DRAWN.lock().unwrap().clear();
    for seed in 0..10 {
        let verdicts = SWEEP.sweep(|| Poly::drawn(false, false), seed, &FitCheck::ALL);
        assert!(
            verdicts.iter().all(|(_, v)| v.is_ok()),
            "seed {seed}: {verdicts:?}"
        );
    }
    let batches = DRAWN.lock().unwrap().clone();
    let distinct: std::collections::HashSet<String> =
        batches.iter().map(|y| format!("{y:?}")).collect();
    assert_eq!(distinct.len(), 10, "{batches:?}");
    // Degree = 5 - capacity: the top of the sweep is a constant.
    for seed in 0..10 {
        let verdicts = SWEEP.sweep(|| Poly::drawn(true, false), seed, &FitCheck::ALL);
        let failing: Vec<FitCheck> = verdicts
            .iter()
            .filter(|(_, v)| v.is_err())
            .map(|(c, _)| *c)
            .collect();
        assert_eq!(failing, [FitCheck::FitsBatch, FitCheck::MonotoneInCapacity]);
    }
    // Targets jittered by an unseeded generator: two fits with one seed differ, every time.
    let unseeded = (0..10)
        .filter(|&seed| {
            SWEEP.sweep(
                || Poly::drawn(false, true),
                seed,
                &[FitCheck::Deterministic],
            )[0]
            .1
            .is_err()
        })
        .count();
    assert_eq!(unseeded, 10);
}

#[ml_test]
fn a_failed_fitting_check_speaks_of_capacity_and_shows_the_sweep() {
    use ml_test::convergence::FitCheck;
    let panic = std::panic::catch_unwind(|| {
        SWEEP.check(FitCheck::MonotoneInCapacity, || Poly::new(true, false))
    })
    .expect_err("degree = 5 - capacity makes the error rise");
    let message = panic.downcast_ref::<String>().expect("a message");
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(
        lines[0],
        "fitting check `monotone_in_capacity`: the training error rose as capacity grew, 5 time(s)",
        "{message}"
    );
    assert!(
        lines[1].starts_with("  capacity 0 -> 1: error ") && lines[1].ends_with(" -> 0.0139947"),
        "degree 5 interpolates (error ~0), degree 4 does not: {message}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("  error ") && l.ends_with("(capacity 0 to 5)")),
        "{message}"
    );
    assert!(
        !message.contains("learning rate") && !message.contains("loss"),
        "{message}"
    );
    let seed = ml_test::context::seed_from_name("polynomial_sweep");
    assert!(
        message.ends_with(&format!(
            "model: `polynomial_sweep` (seed {seed}; replay with ML_TEST_SEED={seed})"
        )) || std::env::var_os("ML_TEST_SEED").is_some(),
        "{message}"
    );
}
