//! `#[model_loader]`, `#[mock_model]` and `#[random_weights]` end to end: what loaders hand out,
//! what handles record, what the failures say.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ml_test::ndarray::{Array1, Array2, array};
use ml_test::prelude::*;
use ml_test::rand::Rng;
use ml_test::rand::rngs::StdRng;
use ml_test::{ModelErrorKind, close, eq};

/// A linear scorer: one weight per feature, label 1 when the score is positive.
struct Linear {
    weights: Array1<f32>,
}

impl Model for Linear {
    type Input = Array2<f32>;
    type Output = Array1<i64>;

    fn predict(&self, input: &Array2<f32>) -> Result<Array1<i64>, ModelError> {
        if input.ncols() != self.weights.len() {
            return Err(ModelError::invalid_input(format!(
                "expected {} features, got {}",
                self.weights.len(),
                input.ncols()
            )));
        }
        Ok(input
            .dot(&self.weights)
            .mapv(|score| i64::from(score > 0.0)))
    }
}

impl Linear {
    fn random(rng: &mut StdRng) -> Result<SharedModel<Array2<f32>, Array1<i64>>, String> {
        let weights = Array1::from_shape_fn(2, |_| rng.random_range(-1.0..1.0));
        Ok(Arc::new(Linear { weights }))
    }
}

static REAL_LOADS: AtomicUsize = AtomicUsize::new(0);

/// The "2 GB" model: here a fixed weight vector, counted so tests can see real loads.
#[model_loader(random = Linear::random)]
fn load_classifier() -> Result<SharedModel<Array2<f32>, Array1<i64>>, String> {
    REAL_LOADS.fetch_add(1, Ordering::SeqCst);
    Ok(Arc::new(Linear {
        weights: array![1.0, -1.0],
    }))
}

/// A second loader, of another type: a text model.
#[model_loader]
fn load_sentiment() -> Result<SharedModel<String, f64>, String> {
    struct Lexicon;
    impl Model for Lexicon {
        type Input = String;
        type Output = f64;
        fn predict(&self, text: &String) -> Result<f64, ModelError> {
            Ok(if text.contains("great") { 0.9 } else { 0.1 })
        }
    }
    Ok(Arc::new(Lexicon))
}

/// The code under test: it never mentions mocks.
fn classify(features: Array2<f32>) -> Result<Array1<i64>, String> {
    let model = load_classifier()?;
    model.predict(&features).map_err(|error| error.to_string())
}

fn panic_message(result: std::thread::Result<()>) -> String {
    let payload = result.expect_err("the assertion fails");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(ToString::to_string))
        .unwrap_or_default()
}

#[mock_model(returns = [99])]
fn returns_99_and_records_the_call(mock: Mock) {
    assert_eq!(classify(array![[1.0, 2.0]]), Ok(array![99]));
    mock.assert_called_once_with(array![[1.0f32, 2.0]]);
    assert_eq!(mock.call_count(), 1);
    assert_eq!(
        mock.calls()[0].input::<Array2<f32>>(),
        Some(&array![[1.0f32, 2.0]])
    );
}

#[mock_model(returns = [1, 2])]
fn one_literal_converts_to_each_loaders_output_type(mock: Mock) {
    // `Array1<i64>` for the classifier, `Vec<f32>` for the cached loader.
    assert_eq!(classify(array![[1.0, 2.0]]), Ok(array![1, 2]));
    assert_eq!(
        load_cached().unwrap().predict(&vec![]).unwrap(),
        vec![1.0f32, 2.0]
    );
    assert_eq!(mock.call_count(), 2);
    assert_eq!(mock.calls()[1].loader(), "mock_model::load_cached");
}

#[mock_model(loader = load_sentiment, returns = 0.5)]
fn a_scalar_literal_for_a_scalar_output(mock: Mock) {
    let model = load_sentiment().unwrap();
    assert_eq!(model.predict(&"fine".to_owned()).unwrap(), 0.5);
    mock.assert_called_once_with("fine");
}

#[mock_model(returns = [[1, 2], [3, 4]])]
#[should_panic(
    expected = "cannot mock loader `mock_model::load_classifier`: `[[1, 2], [3, 4]]` (shape (2, 2)) cannot become the loader's output type `Array1<i64>`"
)]
fn a_shape_that_does_not_convert_names_loader_type_and_shape() {
    let _ = load_classifier();
}

#[mock_model(returns = [99])]
fn call_assertions_explain_their_failures(mock: Mock) {
    let model = load_classifier().unwrap();
    model.predict(&array![[3.0, 4.0]]).unwrap();

    let message = panic_message(catch_unwind(|| {
        mock.assert_called_with(array![[1.0f32, 2.0]])
    }));
    assert!(message.contains("expected call not found."), "{message}");
    assert!(
        message.contains("Expected: predict([[1.0, 2.0]])"),
        "{message}"
    );
    assert!(
        message.contains("Actual: predict([[3.0, 4.0]])"),
        "{message}"
    );
    assert!(
        message.contains("Actual input: [[3.0, 4.0]] (f32, shape (1, 2))"),
        "{message}"
    );

    model.predict(&array![[5.0, 6.0]]).unwrap();
    let message = panic_message(catch_unwind(|| {
        mock.assert_called_once_with(array![[3.0f32, 4.0]])
    }));
    assert!(
        message.contains("expected to be called once. Called 2 times."),
        "{message}"
    );
    assert!(
        message.contains("Calls: [predict([[3.0, 4.0]]), predict([[5.0, 6.0]])]"),
        "{message}"
    );

    mock.assert_any_call(array![[3.0f32, 4.0]]);
    let message = panic_message(catch_unwind(|| mock.assert_any_call(array![[7.0f32, 8.0]])));
    assert!(
        message.contains("predict([[7.0, 8.0]]) call not found."),
        "{message}"
    );

    let message = panic_message(catch_unwind(|| mock.assert_not_called()));
    assert!(message.contains("Called 2 times."), "{message}");
    assert!(
        message.starts_with("the mock of every loader (#[mock_model] #1)"),
        "{message}"
    );
}

#[mock_model(returns = [1])]
fn expected_numbers_take_the_inputs_element_type(mock: Mock) {
    load_classifier()
        .unwrap()
        .predict(&array![[0.1, 0.2]])
        .unwrap();
    // An untyped literal is f64; compared with the f32 input it is rounded to f32 first.
    mock.assert_called_with(array![[0.1, 0.2]]);
    mock.assert_called_with(close(&array![[0.1000001, 0.2]]).rtol(1e-5));
    let message = panic_message(catch_unwind(|| {
        mock.assert_called_with(close(&array![[0.11, 0.2]]).rtol(1e-3))
    }));
    assert!(message.contains("within rtol=0.001, atol=0"), "{message}");
}

#[mock_model(loader = load_sentiment, returns = 0.9)]
fn eq_matches_any_partial_eq_input(mock: Mock) {
    load_sentiment()
        .unwrap()
        .predict(&"great".to_owned())
        .unwrap();
    mock.assert_called_with(eq("great".to_owned()));
    let message = panic_message(catch_unwind(|| mock.assert_called_with("awful")));
    assert!(
        message.contains("Expected: predict(\"awful\")"),
        "{message}"
    );
    assert!(message.contains("Actual: predict(\"great\")"), "{message}");
}

// A failed call assertion never shows the same text for what was expected and what came: when
// the two sides print alike, or could never match, a `Why:` line names both types and the fix.

/// A review model: tokens in, one score per token out.
#[model_loader]
fn load_reviews() -> Result<SharedModel<Vec<String>, Vec<f64>>, String> {
    struct Reviews;
    impl Model for Reviews {
        type Input = Vec<String>;
        type Output = Vec<f64>;
        fn predict(&self, texts: &Vec<String>) -> Result<Vec<f64>, ModelError> {
            Ok(texts
                .iter()
                .map(|t| f64::from(t.contains("great")))
                .collect())
        }
    }
    Ok(Arc::new(Reviews))
}

/// A request type that is not `Clone`: the mock cannot keep a copy of it.
#[derive(Debug, PartialEq)]
struct Request {
    text: String,
}

#[model_loader]
fn load_requests() -> Result<SharedModel<Request, f64>, String> {
    struct Length;
    impl Model for Length {
        type Input = Request;
        type Output = f64;
        fn predict(&self, request: &Request) -> Result<f64, ModelError> {
            Ok(request.text.len() as f64)
        }
    }
    Ok(Arc::new(Length))
}

/// A labeller: a score in, a label name out.
#[model_loader]
fn load_labeller() -> Result<SharedModel<f64, String>, String> {
    struct Labeller;
    impl Model for Labeller {
        type Input = f64;
        type Output = String;
        fn predict(&self, score: &f64) -> Result<String, ModelError> {
            Ok(if *score > 0.5 { "spam" } else { "ham" }.to_owned())
        }
    }
    Ok(Arc::new(Labeller))
}

#[mock_model(loader = load_reviews, returns = [1.0])]
fn eq_of_another_type_names_both_types(mock: Mock) {
    load_reviews()
        .unwrap()
        .predict(&vec!["what a film".to_owned()])
        .unwrap();
    // `Vec<&str>` and `Vec<String>` print alike: the message must tell them apart.
    let message = panic_message(catch_unwind(|| {
        mock.assert_called_once_with(eq(vec!["what a film"]))
    }));
    assert!(
        message
            .contains("Expected: predict([\"what a film\"])\n  Actual: predict([\"what a film\"])"),
        "{message}"
    );
    assert!(
        message.contains(
            "Why: `eq(..)` matches only an input of its own type: it holds a `Vec<&str>`, the \
             input is a `Vec<String>`; build the expected value as a `Vec<String>`"
        ),
        "{message}"
    );
    mock.assert_called_once_with(eq(vec!["what a film".to_owned()]));
    let message = panic_message(catch_unwind(|| {
        mock.assert_any_call(eq(vec!["what a film"]))
    }));
    assert!(message.contains("Why: `eq(..)` matches only"), "{message}");
}

#[mock_model(loader = load_sentiment, returns = 0.5)]
fn numbers_against_an_input_that_is_not_numbers_say_so(mock: Mock) {
    load_sentiment().unwrap().predict(&"42".to_owned()).unwrap();
    let message = panic_message(catch_unwind(|| mock.assert_called_with(42)));
    assert!(
        message.contains(
            "Why: the input is a `String`, which is not numbers: compare it with `eq(value)` \
             holding a `String`"
        ),
        "{message}"
    );
}

#[mock_model(returns = [1])]
fn a_string_against_numbers_says_so(mock: Mock) {
    load_classifier()
        .unwrap()
        .predict(&array![[1.0, 2.0]])
        .unwrap();
    let message = panic_message(catch_unwind(|| mock.assert_called_with("[[1.0, 2.0]]")));
    assert!(
        message.contains(
            "Why: the input is a `ArrayBase<OwnedRepr<f32>, Dim<[usize; 2]>, f32>`, not a `String` \
             or `&str`"
        ),
        "{message}"
    );
}

#[mock_model(loader = load_requests, returns = 1.0)]
fn eq_on_an_input_the_mock_cannot_copy_says_why(mock: Mock) {
    let request = Request {
        text: "hello".to_owned(),
    };
    load_requests().unwrap().predict(&request).unwrap();
    let message = panic_message(catch_unwind(|| mock.assert_called_with(eq(request))));
    assert!(
        message.contains(
            "Why: the input type `Request` is not `Clone`, so the mock keeps no copy of its \
             inputs and `eq(..)` has nothing to compare with"
        ),
        "{message}"
    );
}

#[mock_model(returns = [1])]
fn values_that_print_alike_show_where_they_differ(mock: Mock) {
    // Nine values print as their first and last three: a difference in the middle is hidden.
    let input = Array2::from_shape_fn((1, 9), |(_, j)| j as f32);
    mock_model_input(&input);
    let mut expected = input.clone();
    expected[[0, 4]] = 0.5;
    let message = panic_message(catch_unwind(|| mock.assert_called_with(expected)));
    assert!(
        message.contains(
            "Expected: predict([[0.0, 1.0, 2.0, ..., 6.0, 7.0, 8.0]])\n  Actual: predict([[0.0, \
             1.0, 2.0, ..., 6.0, 7.0, 8.0]])"
        ),
        "{message}"
    );
    assert!(
        message.contains(
            "Why: they first differ at index [0, 4]: expected 0.5, the input has 4.0 (f32)"
        ),
        "{message}"
    );
    // Values that print differently need no `Why:`.
    let message = panic_message(catch_unwind(|| mock.assert_called_with(array![[1.0f32]])));
    assert!(!message.contains("Why:"), "{message}");
}

fn mock_model_input(input: &Array2<f32>) {
    load_classifier().unwrap().predict(input).unwrap();
}

#[mock_model(returns = "spam")]
#[should_panic(
    expected = "`\"spam\"` is a `&str`, but the loader outputs `String`; give a value of the output type: naming the loader (`loader = path`) types the expression as its output"
)]
fn a_value_of_another_type_suggests_naming_the_loader() {
    let _ = load_labeller();
}

#[mock_model(loader = load_labeller, returns = "spam".into())]
fn naming_the_loader_types_the_expression(mock: Mock) {
    assert_eq!(load_labeller().unwrap().predict(&0.9).unwrap(), "spam");
    mock.assert_called_once_with(0.9);
}

#[mock_model]
fn assert_not_called_passes_when_nothing_called(mock: Mock) {
    mock.assert_not_called();
    assert_eq!(mock.call_count(), 0);
}

#[mock_model(returns_seq = [[1], [0]])]
fn returns_seq_answers_in_order(mock: Mock) {
    let model = load_classifier().unwrap();
    let x = array![[1.0f32, 1.0]];
    assert_eq!(model.predict(&x).unwrap(), array![1]);
    assert_eq!(model.predict(&x).unwrap(), array![0]);
    let message = panic_message(catch_unwind(AssertUnwindSafe(|| {
        let _ = model.predict(&x);
    })));
    assert!(
        message.contains("`returns_seq` has 2 values, and predict was called a 3rd time"),
        "{message}"
    );
    assert_eq!(mock.call_count(), 3);
}

#[mock_model(loader = load_classifier, returns_fn = |input| input.map_axis(ml_test::ndarray::Axis(1), |row| row.len() as i64))]
fn returns_fn_with_a_loader_infers_the_closures_types(mock: Mock) {
    let answer = classify(array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).unwrap();
    assert_eq!(answer, array![3, 3]);
    assert_eq!(mock.call_count(), 1);
}

#[mock_model(returns_fn = |input: &Array2<f32>| Array1::from_elem(input.nrows(), 7i64))]
fn returns_fn_without_a_loader_takes_a_typed_closure(_mock: Mock) {
    assert_eq!(
        classify(array![[1.0, 2.0], [3.0, 4.0]]).unwrap(),
        array![7, 7]
    );
}

#[mock_model(fails = ModelError::unavailable("model server down"))]
fn fails_makes_every_prediction_fail(mock: Mock) {
    let error = load_classifier()
        .unwrap()
        .predict(&array![[1.0, 2.0]])
        .unwrap_err();
    assert_eq!(error.kind(), ModelErrorKind::Unavailable);
    assert_eq!(error.to_string(), "model server down");
    assert_eq!(
        classify(array![[1.0, 2.0]]),
        Err("model server down".into())
    );
    assert_eq!(mock.call_count(), 2, "failed calls are recorded too");
}

#[mock_model(returns = [1], latency = "40ms")]
fn latency_delays_each_prediction(_mock: Mock) {
    let model = load_classifier().unwrap();
    let started = Instant::now();
    model.predict(&array![[1.0, 2.0]]).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(40));
}

#[mock_model(returns = [1], expect_calls = 2)]
#[should_panic(
    expected = "expected 2 calls (expect_calls = 2) but was called 1 time.\nCalls: [predict([[1.0, 2.0]])]"
)]
fn expect_calls_is_checked_when_the_test_ends() {
    classify(array![[1.0, 2.0]]).unwrap();
}

#[mock_model(returns = [1], expect_calls = 1)]
fn expect_calls_passes_when_met() {
    classify(array![[1.0, 2.0]]).unwrap();
}

#[mock_model(loader = load_classifier, returns = array![5])]
#[mock_model(loader = load_sentiment, returns = 0.75)]
fn mocks_stack_one_per_loader(classifier: Mock, sentiment: Mock) {
    assert_eq!(classify(array![[1.0, 2.0]]), Ok(array![5]));
    let score = load_sentiment().unwrap().predict(&"ok".into()).unwrap();
    assert_eq!(score, 0.75);
    classifier.assert_called_once_with(array![[1.0f32, 2.0]]);
    sentiment.assert_called_once_with("ok");
}

#[mock_model(loader = load_sentiment, returns = 0.2)]
#[ml_test(integration)]
fn a_mock_of_one_loader_leaves_the_others_real(sentiment: Mock) {
    let before = REAL_LOADS.load(Ordering::SeqCst);
    assert_eq!(
        classify(array![[2.0, 1.0]]),
        Ok(array![1]),
        "the real classifier"
    );
    assert!(REAL_LOADS.load(Ordering::SeqCst) > before);
    sentiment.assert_not_called();
}

#[ml_test(slow)]
#[mock_model(returns = [3])]
fn ml_test_above_mock_model_makes_one_test(mock: Mock) {
    assert_eq!(classify(array![[1.0, 2.0]]), Ok(array![3]));
    mock.assert_called_once_with(array![[1.0f32, 2.0]]);
}

#[mock_model(returns = [4])]
#[ml_test(slow)]
fn mock_model_above_ml_test_makes_one_test(mock: Mock) {
    assert_eq!(classify(array![[1.0, 2.0]]), Ok(array![4]));
    mock.assert_called_once();
}

trait CalledOnce {
    fn assert_called_once(&self);
}

impl CalledOnce for Mock {
    fn assert_called_once(&self) {
        assert_eq!(self.call_count(), 1, "{self:?}");
    }
}

#[ml_test]
fn either_order_registers_exactly_one_test_in_its_tier() {
    for name in [
        "ml_test_above_mock_model_makes_one_test",
        "mock_model_above_ml_test_makes_one_test",
    ] {
        let entries: Vec<_> = ml_test::registry()
            .into_iter()
            .filter(|entry| entry.name().contains(name))
            .collect();
        assert_eq!(entries.len(), 1, "{name}");
        assert_eq!(entries[0].tier(), Tier::Slow, "{name}");
        assert_eq!(entries[0].name(), format!("{name}__slow"));
    }
    let mock_only = ml_test::registry()
        .into_iter()
        .find(|entry| entry.name().ends_with("returns_99_and_records_the_call"))
        .expect("registered");
    assert_eq!(mock_only.tier(), Tier::Unit);
}

#[mock_model(returns = [8])]
#[tokio::test]
async fn async_tests_get_their_mocks(mock: Mock) {
    tokio::task::yield_now().await;
    assert_eq!(classify(array![[1.0, 2.0]]), Ok(array![8]));
    mock.assert_called_once_with(array![[1.0f32, 2.0]]);
}

#[mock_model(loader = load_classifier, returns = [6], global)]
fn a_global_mock_is_seen_from_any_thread(mock: Mock) {
    let from_thread = std::thread::spawn(|| classify(array![[1.0, 2.0]]))
        .join()
        .unwrap();
    assert_eq!(from_thread, Ok(array![6]));
    mock.assert_called_once_with(array![[1.0f32, 2.0]]);
}

/// A loader that no global mock in this file touches, so a thread outside every test is sure to
/// reach its real body whatever runs in parallel.
#[model_loader]
fn load_tokenizer() -> Result<SharedModel<String, Vec<i64>>, String> {
    struct Bytes;
    impl Model for Bytes {
        type Input = String;
        type Output = Vec<i64>;
        fn predict(&self, text: &String) -> Result<Vec<i64>, ModelError> {
            Ok(text.bytes().map(i64::from).collect())
        }
    }
    Ok(Arc::new(Bytes))
}

fn tokenize(text: &str) -> Vec<i64> {
    load_tokenizer().unwrap().predict(&text.to_owned()).unwrap()
}

#[mock_model(loader = load_tokenizer, returns = [2])]
#[ml_test(integration)]
fn a_spawned_thread_sees_the_mock_only_when_it_carries_the_context(mock: Mock) {
    let context = ml_test::context::current().expect("inside the test");
    let carried = std::thread::spawn(move || {
        let _entered = context.enter();
        tokenize("a")
    })
    .join()
    .unwrap();
    assert_eq!(carried, vec![2]);
    let not_carried = std::thread::spawn(|| tokenize("a")).join().unwrap();
    assert_eq!(not_carried, vec![97], "the real tokenizer");
    mock.assert_called_once_with("a");
}

#[ml_test]
#[should_panic(expected = "reached the real body of model loader `mock_model::load_classifier`")]
fn a_unit_test_that_reaches_the_real_loader_fails() {
    let _ = classify(array![[1.0, 2.0]]);
}

#[ml_test]
fn the_guard_names_the_three_fixes() {
    let message = panic_message(catch_unwind(|| {
        std::thread::scope(|scope| {
            let context = ml_test::context::current().unwrap();
            scope
                .spawn(move || {
                    let _entered = context.enter();
                    let _ = load_sentiment();
                })
                .join()
                .map_err(std::panic::resume_unwind)
                .unwrap();
        })
    }));
    assert!(
        message.contains("1. mock it: #[mock_model(loader = load_sentiment"),
        "{message}"
    );
    assert!(
        message.contains("2. declare a random constructor"),
        "{message}"
    );
    assert!(
        message.contains("3. move the test to a slower tier"),
        "{message}"
    );
}

/// 64 unit vectors around the circle: which get label 1 depends on the weights' direction.
fn directions() -> Array2<f32> {
    Array2::from_shape_fn((64, 2), |(i, j)| {
        let angle = i as f32 * std::f32::consts::TAU / 64.0;
        if j == 0 { angle.cos() } else { angle.sin() }
    })
}

#[random_weights(seed = 7)]
fn random_weights_build_the_architecture_from_the_seed() {
    let first = load_classifier().unwrap();
    let again = load_classifier().unwrap();
    let batch = directions();
    let output = first.predict(&batch).unwrap();
    assert_eq!(output.shape(), &[64], "one label per row");
    assert_eq!(
        output,
        again.predict(&batch).unwrap(),
        "same seed, same weights"
    );
    let mut rng = <StdRng as ml_test::rand::SeedableRng>::seed_from_u64(7);
    let expected = Linear::random(&mut rng).unwrap().predict(&batch).unwrap();
    assert_eq!(output, expected, "seed 7 is StdRng::seed_from_u64(7)");
}

#[random_weights(seed = 8, loader = load_classifier)]
fn another_seed_gives_other_weights() {
    let batch = directions();
    let output = load_classifier().unwrap().predict(&batch).unwrap();
    let mut rng = <StdRng as ml_test::rand::SeedableRng>::seed_from_u64(7);
    let seven = Linear::random(&mut rng).unwrap().predict(&batch).unwrap();
    assert_ne!(output, seven);
}

#[random_weights(seed = 1)]
#[should_panic(expected = "reached the real body of model loader `mock_model::load_sentiment`")]
fn random_weights_do_not_cover_a_loader_without_a_random_constructor() {
    let _ = load_sentiment();
}

static CACHED_LOADS: AtomicUsize = AtomicUsize::new(0);

#[model_loader(cache)]
fn load_cached() -> Result<SharedModel<Vec<f32>, Vec<f32>>, String> {
    CACHED_LOADS.fetch_add(1, Ordering::SeqCst);
    struct Identity;
    impl Model for Identity {
        type Input = Vec<f32>;
        type Output = Vec<f32>;
        fn predict(&self, input: &Vec<f32>) -> Result<Vec<f32>, ModelError> {
            Ok(input.clone())
        }
    }
    Ok(Arc::new(Identity))
}

#[ml_test(integration)]
fn a_cache_loader_loads_once_per_process() {
    let context = ml_test::context::current().unwrap();
    let models: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let context = context.clone();
                scope.spawn(move || {
                    let _entered = context.enter();
                    load_cached()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap().unwrap())
            .collect()
    });
    let again = load_cached().unwrap();
    assert_eq!(CACHED_LOADS.load(Ordering::SeqCst), 1);
    assert!(models.iter().all(|model| Arc::ptr_eq(model, &again)));
}

#[mock_model(loader = load_cached, returns = [1.5])]
fn a_mock_is_never_cached(mock: Mock) {
    assert_eq!(
        load_cached().unwrap().predict(&vec![0.0]).unwrap(),
        vec![1.5]
    );
    mock.assert_called_once_with(vec![0.0f32]);
}

#[mock_model(loader = load_classifier, returns = [9], global)]
#[should_panic(expected = "the test body failed")]
fn panics_with_a_global_mock(_mock: Mock) {
    assert_eq!(classify(array![[1.0, 2.0]]), Ok(array![9]));
    panic!("the test body failed");
}

#[mock_model(loader = load_sentiment, returns = 0.0, global)]
#[ml_test(integration)]
fn an_override_is_gone_after_its_test_panics() {
    // Global mocks serialize, and the lock is reentrant on this thread, so the panicking test
    // runs inside this one with nothing else able to install a global mock meanwhile.
    let outcome = catch_unwind(panics_with_a_global_mock);
    assert!(outcome.is_err());
    let context = ml_test::context::current().expect("this test's context is restored");
    assert_eq!(
        context.name(),
        "an_override_is_gone_after_its_test_panics__integration"
    );
    assert_eq!(
        std::thread::spawn(|| classify(array![[1.0, 2.0]]))
            .join()
            .unwrap(),
        Ok(array![0]),
        "the real model again, from any thread"
    );
    assert_eq!(classify(array![[1.0, 2.0]]), Ok(array![0]));
}

#[test]
fn assert_close_follows_numpy() {
    assert_close!(array![1.0, 2.0], array![1.0, 2.0 + 1e-8]);
    assert_close!(vec![1.0f32], [1.001f32], rtol = 1e-2);
    assert_close!(0.0, 1e-9, atol = 1e-8);
    let message = panic_message(catch_unwind(|| {
        assert_close!(
            array![[1.0, 2.0], [3.0, 5.0]],
            array![[1.0, 2.0], [3.0, 4.0]],
            rtol = 1e-3
        )
    }));
    assert!(
        message.contains("Not equal to tolerance rtol=0.001, atol=0"),
        "{message}"
    );
    assert!(
        message.contains("Mismatched elements: 1 / 4 (25.000%)"),
        "{message}"
    );
    assert!(message.contains("at index [1, 1]"), "{message}");
    let message = panic_message(catch_unwind(|| {
        assert_close!(vec![1.0, 2.0], array![[1.0, 2.0]])
    }));
    assert!(
        message.contains("(shapes (2,), (1, 2) mismatch)"),
        "{message}"
    );
}

static GLOBAL_HOLDERS: AtomicUsize = AtomicUsize::new(0);

/// Holds a global mock for a while and checks no other global mock's test is running meanwhile.
#[mock_model(loader = load_sentiment, returns = 0.5, global)]
#[ml_test(integration)]
fn holds_a_global_mock() {
    let others = GLOBAL_HOLDERS.fetch_add(1, Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(20));
    // A thread outside every test sees the global mock.
    let score = std::thread::spawn(|| load_sentiment().unwrap().predict(&"x".into()))
        .join()
        .unwrap();
    GLOBAL_HOLDERS.fetch_sub(1, Ordering::SeqCst);
    assert_eq!(
        others, 0,
        "another test with a global mock ran at the same time"
    );
    assert_eq!(score, Ok(0.5));
}

#[test]
fn global_mocks_serialize_with_each_other() {
    // Four threads run the test above at once; its scope takes the global-mock lock, so they
    // run one after another, each seeing only its own mock.
    let threads: Vec<_> = (0..4)
        .map(|_| std::thread::spawn(holds_a_global_mock))
        .collect();
    for thread in threads {
        thread.join().expect("each run sees no other global mock");
    }
}

/// Never ends: its timeout abandons it while it holds a global mock. Run on its own it passes
/// (it times out, as it must); the test below also calls it, then takes the lock after it.
#[mock_model(loader = load_sentiment, returns = 0.25, global)]
#[ml_test(integration, timeout = "200ms")]
#[should_panic(expected = "timed out")]
fn hangs_with_a_global_mock() {
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[test]
fn a_timed_out_tests_global_mock_is_released_at_the_timeout() {
    let message = panic_message(catch_unwind(hangs_with_a_global_mock));
    assert!(message.contains("timed out"), "{message}");
    // Its worker still runs, but a thread outside every test no longer sees its mock (other
    // tests' global mocks answer 0.5 or 0.0; the real model 0.1)...
    assert_ne!(
        std::thread::spawn(|| load_sentiment().unwrap().predict(&"x".into()))
            .join()
            .unwrap(),
        Ok(0.25),
        "the abandoned test's global mock is still installed"
    );
    // ...and the next test with a global mock takes the lock instead of waiting forever.
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        holds_a_global_mock();
        let _ = done.send(());
    });
    finished
        .recv_timeout(Duration::from_secs(60))
        .expect("a global-mock test after the timed-out one finishes (it hung on the lock before)");
}

static SWEPT_RUNS: AtomicUsize = AtomicUsize::new(0);

/// A seed sweep installs a fresh mock for each run: every run's handle sees its own call only,
/// and the random weights follow each run's seed.
#[mock_model(loader = load_sentiment, returns = 0.5, expect_calls = 1)]
#[random_weights(loader = load_classifier)]
#[ml_test(seeds = 4)]
fn each_run_of_a_sweep_gets_its_own_mock(mock: Mock) {
    let run = SWEPT_RUNS.fetch_add(1, Ordering::SeqCst);
    let score = load_sentiment()
        .unwrap()
        .predict(&format!("run {run}"))
        .unwrap();
    assert_eq!(score, 0.5);
    assert_eq!(mock.call_count(), 1, "run {run} sees only its own call");
    let weights_model = load_classifier().unwrap();
    let seed = ml_test::context::current().unwrap().seed();
    let expected = {
        use ml_test::rand::SeedableRng;
        Linear::random(&mut StdRng::seed_from_u64(seed)).unwrap()
    };
    // 64 directions around the circle: the labels pin the weight vector's direction to within
    // 1/64 of a turn, so weights of another seed do not match by luck.
    let input = directions();
    assert_eq!(weights_model.predict(&input), expected.predict(&input));
    SWEPT_LABELS
        .lock()
        .unwrap()
        .push(weights_model.predict(&input).unwrap().to_vec());
    // The last run: the four seeds gave four different models.
    if run == 3 {
        let labels = SWEPT_LABELS.lock().unwrap();
        let distinct: std::collections::HashSet<&Vec<i64>> = labels.iter().collect();
        assert_eq!(distinct.len(), 4, "each seed gives other weights");
    }
}

static SWEPT_LABELS: std::sync::Mutex<Vec<Vec<i64>>> = std::sync::Mutex::new(Vec::new());

// Mocks that are plain data (numeric literals, any loader, no handle, no expected count) ride in
// the test's registry entry and are installed at the first loader call; the tests below check
// that they behave as the mocks a scope installs when the test starts.

/// The registry entry of the test `name` of this binary.
fn entry(name: &str) -> &'static ml_test::TestEntry {
    ml_test::registry()
        .into_iter()
        .find(|entry| entry.name() == name)
        .unwrap_or_else(|| panic!("`{name}` is not registered"))
}

#[mock_model(returns = [99])]
fn a_literal_mock_without_a_handle_is_data_and_answers_every_thread_of_the_test() {
    assert_eq!(
        entry("a_literal_mock_without_a_handle_is_data_and_answers_every_thread_of_the_test")
            .declared_mocks()
            .len(),
        1,
        "declared as data"
    );
    let context = ml_test::context::current().unwrap();
    let loads_before = REAL_LOADS.load(Ordering::SeqCst);
    // Two threads ask at once: one mock state is installed for both.
    let answers: Vec<_> = (0..2)
        .map(|_| {
            let context = context.clone();
            std::thread::spawn(move || {
                let _entered = context.enter();
                classify(array![[1.0, 2.0]])
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|thread| thread.join().unwrap())
        .collect();
    assert_eq!(answers, [Ok(array![99]), Ok(array![99])]);
    assert_eq!(classify(array![[3.0, 4.0]]), Ok(array![99]));
    assert_eq!(
        REAL_LOADS.load(Ordering::SeqCst),
        loads_before,
        "no real load"
    );
}

#[mock_model(returns = [5], latency = "30ms")]
fn a_literal_mock_as_data_keeps_its_latency() {
    assert_eq!(
        entry("a_literal_mock_as_data_keeps_its_latency")
            .declared_mocks()
            .len(),
        1
    );
    let started = Instant::now();
    assert_eq!(classify(array![[1.0, 2.0]]), Ok(array![5]));
    assert!(started.elapsed() >= Duration::from_millis(30));
}

#[mock_model(returns = [3])]
#[ml_test(seeds = 3, timeout = "60s")]
fn literal_mocks_as_data_answer_each_run_of_a_sweep_on_its_worker() {
    assert_eq!(classify(array![[1.0, 2.0]]), Ok(array![3]));
}

#[mock_model(returns = [1], expect_calls = 1)]
fn a_mock_with_an_expected_count_is_installed_when_the_test_starts() {
    assert!(
        entry("a_mock_with_an_expected_count_is_installed_when_the_test_starts")
            .declared_mocks()
            .is_empty()
    );
    classify(array![[1.0, 2.0]]).unwrap();
}
