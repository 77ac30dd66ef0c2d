//! ml-test on a candle model: a stock `candle_nn` MLP trained with candle's AdamW under every
//! convergence check, the classic training bugs caught on several seeds, and a service's
//! prediction function tested with a mocked loader (tensor literals, call assertions on
//! tensors) and with seeded random weights.
//!
//! ```text
//! cargo test -- --include-ignored  # every tier (in examples/candle)
//! cargo run                      # how `loss_at_init` judges 50 seeds of each model
//! cargo run --release -- checks  # every default check on 50 seeds of the correct MLP
//! cargo run -- train             # train the classifier again and rewrite its weights file
//! cargo run --release -- cost   # what loss_at_init costs next to the training run
//! ```

#![cfg_attr(not(test), allow(dead_code))]

mod model;

use ml_test::convergence::{Check, CheckGroup, Thresholds};
use model::{Bug, Training};

/// The check group `loss_at_init` is calibrated with.
static CALIBRATION: CheckGroup = CheckGroup::standalone("candle::calibration")
    .steps(1)
    .classes(3);

/// The rule before calibration: one initialisation within 25% of ln C.
static FORMER_RULE: CheckGroup = CheckGroup::standalone("candle::calibration")
    .steps(1)
    .thresholds(Thresholds {
        init_rtol: 0.25,
        init_samples: 1,
        ..Thresholds::DEFAULT
    })
    .classes(3);

fn correct() -> Training {
    Training::new(Bug::None).expect("the MLP builds")
}
fn summed_loss() -> Training {
    Training::new(Bug::SummedLoss).expect("the MLP builds")
}
fn wrong_classes() -> Training {
    Training::new(Bug::WrongClasses).expect("the MLP builds")
}

/// One model's calibration: how many seeds `loss_at_init` fails, by the rule and by the
/// former rule, and the range of one initialisation's loss over the seeds, in multiples of ln 3.
pub struct Calibration {
    pub model: &'static str,
    pub failed: usize,
    pub failed_former: usize,
    pub low: f64,
    pub high: f64,
}

/// Each model's calibration over `seeds` seeds.
fn calibration(seeds: u64) -> Vec<Calibration> {
    type Build = fn() -> Training;
    let models: [(&str, Build); 3] = [
        ("correct", correct),
        ("summed loss", summed_loss),
        ("wrong classes (10 outputs)", wrong_classes),
    ];
    models
        .into_iter()
        .map(|(model, build)| {
            let fails = |group: &'static CheckGroup| {
                (0..seeds)
                    .filter(|&seed| group.sweep(build, seed, &[Check::LossAtInit])[0].1.is_err())
                    .count()
            };
            let ratios: Vec<f64> = (0..seeds)
                .map(|seed| {
                    CALIBRATION.initial_loss(build, seed).expect("a first step") / 3f64.ln()
                })
                .collect();
            Calibration {
                model,
                failed: fails(&CALIBRATION),
                failed_former: fails(&FORMER_RULE),
                low: ratios.iter().copied().fold(f64::INFINITY, f64::min),
                high: ratios.iter().copied().fold(0.0, f64::max),
            }
        })
        .collect()
}

/// What `loss_at_init` (15 fresh initialisations and one step each) costs next to the shared
/// training run of 300 steps, over `seeds` seeds, in one process: `cargo run --release -- cost`.
fn cost(seeds: u64) {
    use std::time::Instant;
    static RUN: CheckGroup = CheckGroup::standalone("candle::cost").steps(300).classes(3);
    let (mut init, mut run) = (0.0, 0.0);
    for seed in 0..seeds {
        let started = Instant::now();
        let _ = RUN.sweep(correct, seed, &[Check::LossAtInit]);
        init += started.elapsed().as_secs_f64();
        let started = Instant::now();
        let _ = RUN.sweep(correct, seed, &[Check::LossIsFinite]);
        run += started.elapsed().as_secs_f64();
    }
    println!(
        "loss_at_init: {:.2} ms, the 300-step run: {:.2} ms, ratio {:.3} (mean of {seeds} seeds)",
        1e3 * init / seeds as f64,
        1e3 * run / seeds as f64,
        init / run
    );
}

/// Every default check on the correct MLP over `seeds` seeds, 300 steps each as in the tests:
/// how many seeds each check fails, each a false positive, and the first failures' reports.
fn every_check(seeds: u64) -> (Vec<(Check, usize)>, Vec<String>) {
    static EVERY_CHECK: CheckGroup = CheckGroup::standalone("candle::every_check")
        .steps(300)
        .classes(3);
    let checks = EVERY_CHECK.checks(&[]);
    let mut failed: Vec<(Check, usize)> = checks.iter().map(|&check| (check, 0)).collect();
    let mut reports = Vec::new();
    for seed in 0..seeds {
        let verdicts = EVERY_CHECK.sweep(correct, seed, &checks);
        for (count, (check, verdict)) in failed.iter_mut().zip(verdicts) {
            if let Err(failure) = verdict {
                count.1 += 1;
                reports.push(format!("seed {seed}: {check:?}: {failure}"));
            }
        }
    }
    (failed, reports)
}

fn main() {
    use ml_test::rand::SeedableRng;
    if std::env::args().nth(1).as_deref() == Some("checks") {
        let seeds = std::env::args()
            .nth(2)
            .map_or(50, |n| n.parse().expect("a number of seeds"));
        let (failed, reports) = every_check(seeds);
        for report in reports {
            println!("{report}");
        }
        println!("every check on the correct MLP, {seeds} seeds (failures are false positives):");
        for (check, failed) in failed {
            println!("  {:<20} fails {failed:>3}/{seeds}", format!("{check:?}"));
        }
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("cost") {
        cost(20);
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("train") {
        let mut rng = ml_test::rand::rngs::StdRng::seed_from_u64(1);
        let losses = model::train_and_save(&mut rng, 300).expect("training runs");
        println!(
            "trained: loss {:.4} -> {:.4}; wrote {}",
            losses[0],
            losses[losses.len() - 1],
            model::weights_path().display()
        );
        return;
    }
    let seeds = std::env::args()
        .nth(1)
        .map_or(50, |n| n.parse().expect("a number of seeds"));
    println!(
        "loss_at_init on {seeds} seeds: median of 15 initialisations within 25% of ln 3, \
         or 3 sd of the log losses when they spread widely \
         (former rule: one initialisation within 25%)"
    );
    for c in calibration(seeds) {
        println!(
            "  {:<28} fails {:>3}/{seeds} (former rule {:>3}/{seeds}); one initialisation's L0 / ln 3: {:.2} ..= {:.2}",
            c.model, c.failed, c.failed_former, c.low, c.high
        );
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{DType, Device, Tensor};
    use ml_test::ModelErrorKind;
    use ml_test::convergence::{Check, CheckGroup};
    use ml_test::numeric::{Dtype, Numeric};
    use ml_test::prelude::*;
    use ml_test::rand::SeedableRng;
    use ml_test::rand::rngs::StdRng;

    use super::*;
    use crate::model::{Classifier, load_classifier, predict_species};

    /// Every convergence check, `loss_at_init` and `deterministic` included, on the stock
    /// layers seeded through `ml_test::candle::var_builder` (tier `slow`, as checks are).
    #[overfit_check(steps = 300, loss_at_init(classes = 3))]
    fn iris_mlp() -> Training {
        Training::new(Bug::None).expect("the MLP builds")
    }

    /// Every default check on 50 seeds of the correct MLP: no false positive, so the defaults
    /// hold on this framework's own initialisation, not on one lucky draw.
    #[ml_test(slow)]
    fn every_default_check_passes_the_correct_mlp_on_50_seeds() {
        let (failed, reports) = every_check(50);
        assert!(
            failed.iter().all(|&(_, count)| count == 0),
            "false positives (check, seeds failed): {failed:?}\n{}",
            reports.join("\n")
        );
        assert_eq!(failed.len(), 6, "every check ran: {failed:?}");
    }

    const ZOO_SEEDS: std::ops::Range<u64> = 0..3;
    static ZOO: CheckGroup = CheckGroup::standalone("candle::bug_zoo")
        .steps(300)
        .classes(3);

    fn no_optimiser_step() -> Training {
        Training::new(Bug::NoOptimiserStep).expect("the MLP builds")
    }
    fn detached_layer() -> Training {
        Training::new(Bug::DetachedLayer).expect("the MLP builds")
    }
    fn diverging_lr() -> Training {
        Training::new(Bug::DivergingLr).expect("the MLP builds")
    }

    /// On every zoo seed, each of `catching` fails on the bug; returns the first seed's
    /// failures, to check what they say.
    fn assert_caught(build: fn() -> Training, catching: &[Check]) -> Vec<String> {
        let mut first = Vec::new();
        for seed in ZOO_SEEDS {
            for (check, verdict) in ZOO.sweep(build, seed, &ZOO.checks(&[])) {
                match verdict {
                    Ok(()) if catching.contains(&check) => {
                        panic!("seed {seed}: {check:?} passed, but it should catch the bug")
                    }
                    Err(failure) if seed == 0 => first.push(failure.to_string()),
                    _ => {}
                }
            }
        }
        first
    }

    #[ml_test(slow)]
    fn a_forgotten_optimiser_step_is_caught() {
        let failures = assert_caught(
            no_optimiser_step,
            &[
                Check::LossDecreases,
                Check::ParamsUpdate,
                Check::OverfitsBatch,
            ],
        );
        let params = failures
            .iter()
            .find(|f| f.starts_with("`params_update`"))
            .unwrap();
        assert!(
            params.contains("hidden.weight") && params.contains("output.bias"),
            "{params}"
        );
    }

    #[ml_test(slow)]
    fn a_detached_layer_is_caught_and_named() {
        let failures = assert_caught(detached_layer, &[Check::ParamsUpdate]);
        let params = failures
            .iter()
            .find(|f| f.starts_with("`params_update`"))
            .unwrap();
        assert!(
            params.contains("hidden.weight") && params.contains("hidden.bias"),
            "{params}"
        );
        assert!(
            !params.contains("output.weight"),
            "the output layer does learn: {params}"
        );
    }

    #[ml_test(slow)]
    fn a_diverging_learning_rate_is_caught() {
        assert_caught(diverging_lr, &[Check::LossDecreases, Check::OverfitsBatch]);
    }

    #[ml_test(slow)]
    fn a_summed_loss_is_caught_at_init() {
        let failures = assert_caught(summed_loss, &[Check::LossAtInit]);
        assert_eq!(failures.len(), 1, "only loss_at_init sees it: {failures:?}");
    }

    /// The calibration of `loss_at_init` on candle's default init (see BENCHMARKS.md): no false
    /// positive on 50 seeds, every summed loss caught, most wrong class counts caught.
    #[ml_test(slow)]
    fn loss_at_init_is_calibrated_on_50_seeds() {
        let results = calibration(50);
        for c in &results {
            println!(
                "{}: fails {}/50 (former rule {}/50)",
                c.model, c.failed, c.failed_former
            );
        }
        // BENCHMARKS.md's 50-seed column, exactly: the seeds and candle's CPU arithmetic are
        // fixed, so a change here is a change of the check. Candle's wide init hides the
        // wrong class count on 2 seeds of 50 (95% over 2,000 seeds).
        let figures: Vec<(usize, usize)> = results
            .iter()
            .map(|c| (c.failed, c.failed_former))
            .collect();
        assert_eq!(
            figures,
            [(0, 32), (50, 50), (48, 50)],
            "(caught, caught by the former rule) for the correct MLP, a summed loss, ten outputs"
        );
    }

    /// A failed step is the failure of the run, with its number and candle's error.
    #[ml_test]
    fn a_failing_step_is_reported_with_its_number() {
        fn broken() -> Training {
            Training::new(Bug::BrokenBatch).expect("the MLP builds")
        }
        let verdicts = ZOO.sweep(broken, 0, &[Check::LossIsFinite, Check::Deterministic]);
        for (check, verdict) in verdicts {
            let failure = verdict
                .expect_err("a step that errs cannot pass")
                .to_string();
            println!("{failure}");
            assert!(
                failure.contains("training step 0 of"),
                "{check:?}: {failure}"
            );
            assert!(failure.contains("shape mismatch"), "{check:?}: {failure}");
        }
    }

    fn flower() -> Tensor {
        Tensor::new(&[[5.9f32, 3.0, 4.2, 1.5]], &Device::Cpu).unwrap()
    }

    /// The service's code runs; the model never loads.
    #[mock_model(returns = [[0.1, 0.9, 0.0]])]
    fn predict_species_takes_the_most_likely_class(mock: Mock) {
        assert_eq!(predict_species(&[[5.9, 3.0, 4.2, 1.5]]).unwrap(), vec![1]);
        mock.assert_called_once_with(flower());
        // The same input, written as nested Vecs or an array.
        mock.assert_called_once_with(vec![vec![5.9f32, 3.0, 4.2, 1.5]]);
        mock.assert_called_once_with([[5.9, 3.0, 4.2, 1.5]]);
    }

    #[mock_model(returns_seq = [[[0.7, 0.2, 0.1]], [[0.1, 0.1, 0.8]]])]
    fn each_request_gets_the_next_answer(mock: Mock) {
        assert_eq!(predict_species(&[[5.0, 3.6, 1.4, 0.2]]).unwrap(), vec![0]);
        assert_eq!(predict_species(&[[6.3, 3.3, 6.0, 2.5]]).unwrap(), vec![2]);
        assert_eq!(mock.call_count(), 2);
        mock.assert_called_with(close(&[[6.3f32, 3.3, 6.0, 2.5]]).rtol(1e-6));
    }

    #[mock_model(fails = ModelError::unavailable("the model server is down"))]
    fn a_model_failure_reaches_the_caller() {
        let error = predict_species(&[[5.9, 3.0, 4.2, 1.5]]).unwrap_err();
        assert_eq!(error.message(), "the model server is down");
    }

    /// A shape test on the real architecture with random weights: same seed, same outputs.
    #[random_weights(seed = 7)]
    fn random_weights_repeat_for_the_same_seed() {
        let batch = Tensor::new(
            &[[5.1f32, 3.5, 1.4, 0.2], [6.3, 2.9, 5.6, 1.8]],
            &Device::Cpu,
        )
        .unwrap();
        let probabilities = load_classifier().unwrap().predict(&batch).unwrap();
        assert_eq!(probabilities.dims(), &[2, 3]);
        assert_close!(probabilities.sum(1).unwrap(), [1.0f32, 1.0], rtol = 1e-6);
        let same = Classifier::random(&mut StdRng::seed_from_u64(7)).unwrap();
        assert_close!(probabilities, same.predict(&batch).unwrap());
        let other = Classifier::random(&mut StdRng::seed_from_u64(8)).unwrap();
        let other = other.predict(&batch).unwrap();
        assert_ne!(
            probabilities.numbers().values,
            other.numbers().values,
            "seed 8 gave seed 7's weights"
        );
    }

    /// The trained weights, from the safetensors file, classify the training flowers.
    #[ml_test(slow)]
    fn the_shipped_weights_classify_the_flowers() {
        let species = predict_species(&[
            [5.1, 3.5, 1.4, 0.2],
            [6.4, 3.2, 4.5, 1.5],
            [7.1, 3.0, 5.9, 2.1],
        ])
        .unwrap();
        assert_eq!(species, vec![0, 1, 2]);
    }

    /// candle errors become `ModelError`s of the right kind, with `?`.
    #[ml_test]
    fn candle_errors_are_model_errors() {
        let model = Classifier::random(&mut StdRng::seed_from_u64(1)).unwrap();
        let wrong = Tensor::zeros((1, 7), DType::F32, &Device::Cpu).unwrap();
        let error = model.predict(&wrong).unwrap_err();
        assert_eq!(error.kind(), ModelErrorKind::InvalidInput, "{error:?}");
    }

    /// Tensors are numbers to `param` and `assert_close!`, with their dtype.
    #[ml_test]
    fn tensors_are_numbers() {
        let t = Tensor::new(&[[1.0f32, 2.0], [3.0, 4.0]], &Device::Cpu).unwrap();
        let (name, array) = param("w", &t);
        assert_eq!((name.as_str(), array.shape()), ("w", &[2, 2][..]));
        assert_close!(t, vec![vec![1.0, 2.0], vec![3.0, 4.0]]);
        assert_eq!(t.numbers().dtype, Dtype::F32);
        let half = t.to_dtype(DType::F16).unwrap();
        assert_eq!(half.numbers().dtype, Dtype::F16);
    }
}
