//! `ml_test::behaviour`: what a trained model learned. Cases on a small credit scorer whose
//! preprocessing drops the applicant's name, with correct and broken scorers; then the output
//! contracts of batch models.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use ml_test::behaviour::{CaseKind, Verdict, assert_batch_invariant, output_contract};
use ml_test::ndarray::{Array1, Array2, Axis, array};
use ml_test::prelude::*;

/// A typed record, as a service receives it. Deliberately not `PartialEq`: the cases below see
/// perturbations through the features.
#[derive(Clone, Debug)]
struct Applicant {
    name: String,
    income: f64,
    debt: f64,
    zip: u32,
}

const NAMES: [&str; 2] = ["income_k", "debt_ratio"];

/// Preprocessing: the name and the zip code do not reach the model.
fn features(a: &Applicant) -> Vec<f64> {
    vec![a.income / 1000.0, a.debt / a.income]
}

fn approval(a: &Applicant) -> f64 {
    let x = features(a);
    1.0 / (1.0 + (-(0.08 * x[0] - 6.0 * x[1] - 1.0)).exp())
}

/// A scorer with a bug: it reads the name's length and ignores the income.
fn broken_approval(a: &Applicant) -> f64 {
    1.0 / (1.0 + (-(0.1 * a.name.len() as f64 - a.debt / 10_000.0)).exp())
}

fn alice() -> Applicant {
    Applicant {
        name: "Alice".into(),
        income: 52_000.0,
        debt: 9_000.0,
        zip: 10115,
    }
}

fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("the check should panic");
    match payload.downcast::<String>() {
        Ok(text) => *text,
        Err(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .unwrap_or_default(),
    }
}

#[ml_test]
fn a_correct_scorer_passes_every_case() {
    let report = behaviour("approval", approval)
        .features(features)
        .feature_names(NAMES)
        .invariant("a renamed applicant", &alice(), |a| {
            a.name = "Bob".into();
            a.income += 0.0001; // reaches the features, too little to matter
        })
        .increases("a higher income", &alice(), |a| a.income *= 1.5)
        .decreases("more debt", &alice(), |a| a.debt += 20_000.0)
        .expect("a high earner is approved", &alice(), |p| p > 0.5)
        .tolerance(1e-6)
        .run();
    assert!(report.passed(), "{report}");
    assert_eq!(report.cases.len(), 4);
    let text = report.to_string();
    assert!(
        text.starts_with("behaviour check `approval`: 4 cases, 4 passed [tolerance 1.0000e-6"),
        "{text}"
    );
    assert!(
        // sigmoid(0.08 * 52 - 6 * 9 / 52 - 1) and sigmoid(0.08 * 78 - 6 * 9 / 78 - 1)
        text.contains("ok      increases `a higher income`: score 0.892979 -> 0.989519"),
        "{text}"
    );
    // `check()` is `run()` plus the panic: this does not panic.
    behaviour("approval", approval)
        .features(features)
        .increases("a higher income", &alice(), |a| a.income *= 1.5)
        .check();
}

#[ml_test]
fn a_broken_scorer_fails_once_listing_every_failed_case_with_both_scores() {
    let message = panic_message(|| {
        behaviour("approval", broken_approval)
            .features(|a: &Applicant| {
                let mut x = features(a);
                x.push(a.name.len() as f64);
                x
            })
            .feature_names(["income_k", "debt_ratio", "name_len"])
            .invariant("a renamed applicant", &alice(), |a| {
                a.name = "Maximilian".into()
            })
            .increases("a higher income", &alice(), |a| a.income *= 1.5)
            .decreases("more debt", &alice(), |a| a.debt += 20_000.0)
            .expect("0.99 means approved", &alice(), |p| p > 0.99)
            .check()
    });
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(
        lines[0],
        "behaviour check `approval`: 4 cases, 1 passed, 3 failed [tolerance 1.0000e-9, min_delta 1.0000e-9]"
    );
    assert_eq!(
        &lines[1..],
        [
            // sigmoid(0.1 * 5 - 9000 / 10000) = sigmoid(-0.4); renamed: sigmoid(1.0 - 0.9)
            "  FAILED  invariant `a renamed applicant`: score 0.401312 -> 0.524979 (delta +0.123667)",
            "          the score moved; required |delta| <= 1.0000e-9",
            "          features changed: name_len 5 -> 10",
            "  FAILED  increases `a higher income`: score 0.401312 -> 0.401312 (delta 0)",
            "          the score did not move: does the model use what the perturbation changed?; required delta >= 1.0000e-9",
            "          features changed: income_k 52 -> 78, debt_ratio 0.173077 -> 0.115385",
            "  ok      decreases `more debt`: score 0.401312 -> 0.0831727 (delta -0.31814); required delta <= -1.0000e-9",
            "  FAILED  expect `0.99 means approved`: score 0.401312",
            "          the predicate is false for this score; required the predicate holds",
        ]
        .as_slice(),
        "{message}"
    );
}

#[ml_test]
fn a_directional_case_on_a_feature_the_model_ignores_fails_with_the_reason() {
    // The model never reads the income; the features do carry it, so the case is not vacuous.
    let ignores_income = |a: &Applicant| 1.0 / (1.0 + (a.debt / a.income * 0.0 + a.debt / 1e4));
    let report = behaviour("approval", ignores_income)
        .features(|a: &Applicant| vec![a.income, a.debt])
        .increases("a higher income", &alice(), |a| a.income *= 2.0)
        .run();
    let case = &report.cases[0];
    assert_eq!(
        case.verdict,
        Verdict::Failed(
            "the score did not move: does the model use what the perturbation changed?".into()
        )
    );
    assert_eq!(case.changed_features, ["[0] 52000 -> 104000"]);
    // `.min_delta(0.0)` reads as "must not decrease": the same case passes.
    let relaxed = behaviour("approval", ignores_income)
        .features(|a: &Applicant| vec![a.income, a.debt])
        .min_delta(0.0)
        .increases("a higher income", &alice(), |a| a.income *= 2.0)
        .run();
    assert!(relaxed.passed(), "{relaxed}");
}

#[ml_test]
fn a_perturbation_of_a_field_the_features_drop_is_vacuous_and_fails() {
    let report = behaviour("approval", approval)
        .features(features)
        .feature_names(NAMES)
        .invariant("the zip code does not matter", &alice(), |a| a.zip = 99999)
        .invariant("the name does not matter", &alice(), |a| {
            a.name = "Zoe".into()
        })
        .increases("a higher income", &alice(), |a| a.income *= 1.5)
        .run();
    assert!(!report.passed());
    let vacuous: Vec<&str> = report
        .cases
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Vacuous(_)))
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        vacuous,
        ["the zip code does not matter", "the name does not matter"]
    );
    let text = report.to_string();
    assert!(
        text.contains(
            "  VACUOUS invariant `the zip code does not matter`: score 0.892979 -> 0.892979 (delta 0)\n          \
             this case can never fail: the perturbation leaves the model's features unchanged (all 2 equal)"
        ),
        "{text}"
    );
    assert!(
        text.starts_with(
            "behaviour check `approval`: 3 cases, 1 passed, 2 vacuous (can never fail)"
        ),
        "{text}"
    );
    let message = panic_message(|| {
        behaviour("approval", approval)
            .features(features)
            .invariant("the zip code does not matter", &alice(), |a| a.zip = 99999)
            .check()
    });
    assert!(message.contains("this case can never fail"), "{message}");
}

#[ml_test]
fn without_features_a_comparable_input_that_did_not_change_is_vacuous() {
    // `|x| x.clamp(..)` on a value already inside the range changes nothing.
    let report = behaviour("doubling", |x: &f64| 2.0 * x)
        .invariant("clamping an in-range value", &0.5, |x| {
            *x = x.clamp(0.0, 1.0)
        })
        .increases("a larger input", &0.5, |x| *x += 1.0)
        .run();
    assert_eq!(
        report.cases[0].verdict,
        Verdict::Vacuous(
            "this case can never fail: the perturbation leaves the input unchanged (compared with \
             PartialEq); make it change a field the model uses"
                .into()
        )
    );
    assert!(report.cases[1].passed());
    assert_eq!(report.cases[1].kind, CaseKind::Increases);
}

#[ml_test]
fn integer_and_f32_scores_and_label_mappings() {
    const LABELS: [&str; 2] = ["safe", "unsafe"];
    // A toxicity model: probability of `unsafe`, and the label index the service reports.
    let probability = |text: &String| if text.contains("kill") { 0.99f32 } else { 0.02 };
    let label = |text: &String| usize::from(probability(text) > 0.5);
    behaviour("toxicity", label)
        .expect("0.99 means unsafe", &"I will kill it".to_string(), |i| {
            LABELS[i] == "unsafe"
        })
        .expect("a greeting is safe", &"hello".to_string(), |i| {
            LABELS[i] == "safe"
        })
        .invariant("trailing punctuation", &"hello".to_string(), |t| {
            t.push('!')
        })
        .check();
    // The swapped mapping fails the known answer.
    const SWAPPED: [&str; 2] = ["unsafe", "safe"];
    let report = behaviour("toxicity", label)
        .expect("0.99 means unsafe", &"I will kill it".to_string(), |i| {
            SWAPPED[i] == "unsafe"
        })
        .run();
    assert_eq!(
        report.cases[0].verdict,
        Verdict::Failed("the predicate is false for this score".into())
    );
    assert_eq!(report.cases[0].before, Some(1.0));
    behaviour("toxicity", probability)
        .decreases("removing the threat", &"I will kill it".to_string(), |t| {
            *t = t.replace("kill", "fix")
        })
        .check();
}

#[ml_test]
fn every_case_runs_even_when_one_panics() {
    let fragile = |x: &i64| {
        assert!(*x >= 0, "negative input {x}");
        x * 2
    };
    let report = behaviour("fragile", fragile)
        .increases("a negative step", &1, |x| *x -= 5)
        .expect("positive doubles", &3, |y| y == 6)
        .decreases("predicate-free", &4, |_| panic!("the perturbation broke"))
        .run();
    let verdicts: Vec<&Verdict> = report.cases.iter().map(|c| &c.verdict).collect();
    assert_eq!(
        verdicts,
        [
            &Verdict::Failed("the score panicked on the perturbed input: negative input -4".into()),
            &Verdict::Passed,
            &Verdict::Failed("the perturbation panicked: the perturbation broke".into()),
        ]
    );
}

#[ml_test]
fn nan_scores_fail_and_an_empty_check_fails() {
    let report = behaviour("nan", |x: &f64| x.sqrt())
        .increases("below zero", &-1.0, |x| *x -= 1.0)
        .run();
    assert_eq!(
        report.cases[0].verdict,
        Verdict::Failed("the score is NaN".into())
    );
    let message = panic_message(|| behaviour("empty", |x: &f64| *x).check());
    assert_eq!(
        message,
        "behaviour check `empty` has no cases, so it tests nothing: add .invariant(..), \
         .increases(..), .decreases(..) or .expect(..) before .check()"
    );
}

#[ml_test]
fn misuse_says_how_to_fix_it() {
    let message = panic_message(|| {
        behaviour("approval", approval)
            .features(features)
            .feature_names(["income_k"])
            .increases("a higher income", &alice(), |a| a.income *= 1.5)
            .check()
    });
    assert_eq!(
        message,
        "behaviour `approval`: .feature_names(..) gives 1 names but .features(..) gives 2 values; \
         give one name per feature, in order"
    );
    let message = panic_message(|| {
        let _ = behaviour("approval", approval).min_delta(-0.1);
    });
    assert!(message.contains("to test that a score goes down, use .decreases(..)"));
}

#[ml_test]
fn ndarray_features_are_labelled_by_index() {
    let report = behaviour("sum", |x: &Array2<f64>| x.sum())
        .features(|x: &Array2<f64>| x.clone())
        .invariant(
            "moving mass between cells",
            &array![[1.0, 2.0], [3.0, 4.0]],
            |x| {
                x[[0, 0]] += 1.0;
                x[[1, 1]] -= 1.0;
            },
        )
        .run();
    assert!(report.passed(), "{report}");
    let report = behaviour("sum", |x: &Array2<f64>| x.sum())
        .features(|x: &Array2<f64>| x.clone())
        .invariant("adding mass", &array![[1.0, 2.0], [3.0, 4.0]], |x| {
            x[[1, 0]] += 1.0
        })
        .run();
    assert_eq!(report.cases[0].changed_features, ["[1, 0] 3 -> 4"]);
}

// Output contracts of batch models.

/// Logistic regression over two classes, each row on its own.
struct PerRow;

impl Model for PerRow {
    type Input = Array2<f64>;
    type Output = Array2<f64>;
    fn predict(&self, x: &Array2<f64>) -> Result<Array2<f64>, ModelError> {
        let p = x.map_axis(Axis(1), |row| {
            1.0 / (1.0 + (-(row[0] - 2.0 * row[1])).exp())
        });
        Ok(ndarray_stack(&p))
    }
}

fn ndarray_stack(p: &Array1<f64>) -> Array2<f64> {
    Array2::from_shape_fn(
        (p.len(), 2),
        |(i, j)| if j == 1 { p[i] } else { 1.0 - p[i] },
    )
}

/// The same model, but it standardises each feature by the *batch's* mean: a row's prediction
/// depends on the other rows.
struct BatchNormalised;

impl Model for BatchNormalised {
    type Input = Array2<f64>;
    type Output = Array2<f64>;
    fn predict(&self, x: &Array2<f64>) -> Result<Array2<f64>, ModelError> {
        let mean = x.mean_axis(Axis(0)).expect("a non-empty batch");
        PerRow.predict(&(x - &mean))
    }
}

fn batch() -> Array2<f64> {
    array![[1.0, 0.0], [0.0, 1.0], [2.0, 2.0], [-1.0, 0.5]]
}

#[ml_test]
fn batch_invariance_holds_for_a_row_wise_model_and_a_shared_handle() {
    assert_batch_invariant(&PerRow, &batch());
    let shared: SharedModel<Array2<f64>, Array2<f64>> = Arc::new(PerRow);
    assert_batch_invariant(&shared, &batch());
    output_contract(&shared, &batch())
        .batch_invariant()
        .probabilities()
        .check();
}

#[ml_test]
fn batch_mean_normalisation_breaks_batch_invariance_naming_the_rows() {
    let message = panic_message(|| assert_batch_invariant(&BatchNormalised, &batch()));
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(lines[0], "1 output contract broken");
    assert!(
        lines[1].starts_with(
            "  batch invariant: row i of predict(batch) == predict(row i), within rtol 1.0000e-5, \
             atol 1.0000e-8: 4 of 4 rows differ (usual causes: normalising by the batch's statistics"
        ),
        "{message}"
    );
    assert!(
        // The batch mean is [0.5, 0.875]: row 0 becomes [0.5, -0.875], sigmoid(2.25) = 0.904651;
        // alone, every row is its own mean and scores sigmoid(0) = 0.5.
        lines[2]
            == "      row 0: in the batch [0.0953495, 0.904651] but alone [0.5, 0.5] (max difference 0.404651)",
        "{message}"
    );
    assert_eq!(lines[6], "  held: 4 rows in, 4 rows out", "{message}");
}

#[ml_test]
fn a_batch_that_cannot_show_batch_dependence_fails() {
    let one = panic_message(|| assert_batch_invariant(&BatchNormalised, &array![[1.0, 2.0]]));
    assert!(
        one.contains("a batch of one row cannot show a dependence between rows"),
        "{one}"
    );
    let same =
        panic_message(|| assert_batch_invariant(&BatchNormalised, &array![[1.0, 2.0], [1.0, 2.0]]));
    assert!(
        same.contains("all 2 rows of the batch are identical"),
        "{same}"
    );
    let empty = panic_message(|| assert_batch_invariant(&PerRow, &Array2::<f64>::zeros((0, 2))));
    assert!(empty.contains("the batch is empty"), "{empty}");
}

/// Returns one value fewer than it was given rows, and raw logits instead of probabilities.
struct Sloppy;

impl Model for Sloppy {
    type Input = Array2<f64>;
    type Output = Array1<f64>;
    fn predict(&self, x: &Array2<f64>) -> Result<Array1<f64>, ModelError> {
        let logits = x.column(0).to_owned() * 3.0;
        Ok(if x.nrows() > 2 {
            logits.slice_move(ml_test::ndarray::s![..-1])
        } else {
            logits
        })
    }
}

/// Logits where probabilities are due, one NaN, and rows that do not sum to one.
struct NotProbabilities;

impl Model for NotProbabilities {
    type Input = Array2<f64>;
    type Output = Array2<f64>;
    fn predict(&self, x: &Array2<f64>) -> Result<Array2<f64>, ModelError> {
        let mut out = x.clone();
        if out.nrows() > 3 {
            out[[3, 1]] = f64::NAN;
        }
        Ok(out)
    }
}

#[ml_test]
fn shape_range_finiteness_and_row_sums_name_rows_and_values() {
    let shape = panic_message(|| output_contract(&Sloppy, &batch()).finite().check());
    assert_eq!(
        shape,
        "1 output contract broken\n  shape: 4 rows in, but the output has shape (3,) (expected 4 rows along the first axis)"
    );
    let probabilities = panic_message(|| {
        output_contract(&NotProbabilities, &batch())
            .probabilities()
            .check()
    });
    assert_eq!(
        probabilities,
        "3 output contracts broken\n  \
         finite: 1 of 4 rows have non-finite values\n      row 3: [-1, NaN]\n  \
         in [0, 1]: 2 of 4 rows have values outside it\n      row 2: [2, 2]\n      row 3: [-1, NaN]\n  \
         rows sum to 1: 2 of 4 rows do not\n      row 2 sums to 4: [2, 2]\n      row 3 sums to NaN: [-1, NaN]\n  \
         held: 4 rows in, 4 rows out",
    );
}
