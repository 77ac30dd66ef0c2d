//! `#[overfit_check]` on real trainers: the generated module, its tests and their tiers.

use ml_test::ndarray::{Array1, Array2, ArrayD, array};
use ml_test::prelude::*;
use ml_test::rand::Rng;

/// Logistic regression with full-batch gradient descent on a tiny separable batch.
pub struct LogReg {
    x: Array2<f64>,
    y: Array1<f64>,
    w: Array1<f64>,
    b: Array1<f64>,
    lr: f64,
}

impl LogReg {
    fn new(lr: f64) -> LogReg {
        let mut rng = ml_test::rng();
        LogReg {
            x: array![
                [0.0, 1.0],
                [1.0, 0.0],
                [2.0, 1.0],
                [-1.0, -2.0],
                [-2.0, 0.5],
                [0.5, -1.5]
            ],
            y: array![1.0, 1.0, 1.0, 0.0, 0.0, 0.0],
            // Small random init: the first loss sits near ln 2.
            w: Array1::from_shape_fn(2, |_| rng.random_range(-0.01..0.01)),
            b: Array1::zeros(1),
            lr,
        }
    }
}

impl Trainer for LogReg {
    fn step(&mut self) -> f64 {
        let z = self.x.dot(&self.w) + self.b[0];
        let p = z.mapv(|z| 1.0 / (1.0 + (-z).exp()));
        let n = self.y.len() as f64;
        let loss = -self
            .y
            .iter()
            .zip(&p)
            .map(|(y, p)| y * p.max(1e-12).ln() + (1.0 - y) * (1.0 - p).max(1e-12).ln())
            .sum::<f64>()
            / n;
        let err = &p - &self.y;
        let grad_w = self.x.t().dot(&err) / n;
        let grad_b = err.sum() / n;
        self.w = &self.w - &(grad_w * self.lr);
        self.b[0] -= self.lr * grad_b;
        loss
    }

    fn parameters(&self) -> Vec<(String, ArrayD<f64>)> {
        vec![param("w", &self.w), param("b", &self.b)]
    }
}

#[overfit_check(steps = 300, target_loss = 0.05, loss_at_init(classes = 2))]
fn logistic_regression() -> LogReg {
    LogReg::new(1.0)
}

#[overfit_check(steps = 50, skip = [overfits_batch], frozen = ["b"])]
#[ml_test(integration, seed = 5)]
fn tier_from_ml_test_below() -> impl Trainer {
    struct FrozenBias(LogReg);
    impl Trainer for FrozenBias {
        fn step(&mut self) -> f64 {
            let bias = self.0.b.clone();
            let loss = self.0.step();
            self.0.b = bias; // the bias is frozen: restored after every step
            loss
        }
        fn parameters(&self) -> Vec<(String, ArrayD<f64>)> {
            self.0.parameters()
        }
    }
    FrozenBias(LogReg::new(0.5))
}

#[ml_test(unit)]
#[overfit_check(steps = 20, skip = [overfits_batch, loss_decreases])]
fn tier_from_ml_test_above() -> LogReg {
    LogReg::new(0.5)
}

#[ml_test]
fn the_group_registers_one_test_per_check_in_its_tier() {
    let tests = ml_test::registry();
    let group = |prefix: &str| {
        let mut found: Vec<(&str, Tier)> = tests
            .iter()
            .filter(|t| t.name().starts_with(prefix))
            .map(|t| (&t.name()[prefix.len()..], t.tier))
            .collect();
        found.sort();
        found
    };
    assert_eq!(
        group("logistic_regression::"),
        [
            ("deterministic", Tier::Slow),
            ("loss_at_init", Tier::Slow),
            ("loss_decreases", Tier::Slow),
            ("loss_is_finite", Tier::Slow),
            ("overfits_batch", Tier::Slow),
            ("params_update", Tier::Slow),
        ]
    );
    let below = group("tier_from_ml_test_below::");
    assert_eq!(
        below.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        [
            "deterministic",
            "frozen",
            "loss_decreases",
            "loss_is_finite",
            "params_update"
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
            .all(|t| t.kind == ml_test::TestKind::ConvergenceCheck)
    );
}

/// The step does nothing: the loss is flat and no tensor moves.
struct NoOpStep(LogReg);

impl Trainer for NoOpStep {
    fn step(&mut self) -> f64 {
        let w = self.0.w.clone();
        let b = self.0.b.clone();
        let loss = self.0.step();
        (self.0.w, self.0.b) = (w, b);
        loss
    }
    fn parameters(&self) -> Vec<(String, ArrayD<f64>)> {
        self.0.parameters()
    }
}

static NO_OP: ml_test::convergence::CheckGroup = ml_test::convergence::CheckGroup::standalone(
    "overfit_check::no_op_trainer",
    100,
    ml_test::convergence::Thresholds::DEFAULT,
    None,
    &[],
);

fn failure_message(check: ml_test::convergence::Check) -> String {
    let panic = std::panic::catch_unwind(|| NO_OP.check(check, || NoOpStep(LogReg::new(1.0))))
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
