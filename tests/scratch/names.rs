// Every kind of test ml-test generates, in every tier. Each checks that it runs under the libtest
// name its tier gives it: `<fn>__<tier>` (unit names unchanged), cases and checks included.
use std::sync::Arc;

use ml_test::ndarray::{array, Array1, Array2};
use ml_test::prelude::*;
use tier_selection_crate::{predict, Halving, Scorer};

/// The running test's libtest name, as ml-test knows it; libtest names the thread the same.
fn running() -> &'static str {
    let name = ml_test::context::current().expect("inside an ml-test test").name();
    let thread = std::thread::current();
    // A sweep or a timeout runs the body on the test's thread or one named after the test.
    assert_eq!(thread.name(), Some(name), "libtest runs it under that name");
    name
}

#[ml_test]
fn plain_unit() {
    assert_eq!(running(), "plain_unit");
}

#[ml_test(integration)]
fn plain_integration() {
    assert_eq!(running(), "plain_integration__integration");
}

/// Not in the slow tier, whatever its name says: tiers are selected by the suffix.
#[ml_test(integration)]
fn slow_path_of_the_tokenizer() {
    assert_eq!(running(), "slow_path_of_the_tokenizer__integration");
}

#[ml_test(slow)]
fn plain_slow() {
    assert_eq!(ml_test::context::current().unwrap().name(), "plain_slow__slow");
}

/// Calls another test's fn by the name it was written with.
#[ml_test(slow)]
fn calls_another_test() {
    plain_slow();
    assert_eq!(running(), "calls_another_test__slow");
}

#[ml_test(gpu)]
fn plain_gpu() {
    assert_eq!(running(), "plain_gpu__gpu");
}

#[ml_test(e2e)]
fn plain_e2e() {
    assert_eq!(running(), "plain_e2e__e2e");
    assert!(ml_test::e2e::client().live(), "the deployment answers");
}

#[ml_test(e2e)]
#[tokio::test]
async fn async_e2e() {
    tokio::task::yield_now().await;
    assert_eq!(ml_test::context::current().unwrap().name(), "async_e2e__e2e");
    assert!(ml_test::e2e::client().ready(), "the deployment answers");
}

#[ml_test(slow, seeds = 3)]
fn sweep() {
    assert_eq!(running(), "sweep__slow");
}

#[ml_test(slow, timeout = "1m")]
fn timed() {
    assert_eq!(running(), "timed__slow");
}

#[mock_model(returns = [7])]
#[ml_test(slow)]
fn mocked(mock: Mock) {
    assert_eq!(predict(array![[1.0, 2.0]]), Ok(array![7]));
    mock.assert_called_once_with(array![[1.0f32, 2.0]]);
    assert_eq!(running(), "mocked__slow");
}

fn random_scorer(
    _rng: &mut ml_test::rand::rngs::StdRng,
) -> Result<SharedModel<Array2<f32>, Array1<i64>>, String> {
    Ok(Arc::new(Scorer))
}

#[model_loader(random = random_scorer)]
fn load_weights() -> Result<SharedModel<Array2<f32>, Array1<i64>>, String> {
    Err("the weights file is 2 GB; no test reads it".into())
}

#[ml_test(integration)]
#[random_weights(seed = 3)]
fn random() {
    let model = load_weights().expect("random weights, not the file");
    assert_eq!(model.predict(&array![[1.0, 1.0]]).unwrap().len(), 1);
    assert_eq!(running(), "random__integration");
}

#[ml_test(slow)]
#[rstest::rstest]
#[case(1)]
#[case::two(2)]
fn cases(#[case] x: u32) {
    let expected = if x == 1 { "cases::case_1__slow" } else { "cases::case_2_two__slow" };
    assert_eq!(running(), expected);
}

#[ml_test(gpu)]
#[test_case::test_case(1 ; "one")]
fn gpu_cases(x: u32) {
    assert_eq!((running(), x), ("gpu_cases::test_case_1_one__gpu", 1));
}

/// Exclusive: the shipped nextest config keeps it alone, by the word in its name.
#[ml_test(integration, exclusive)]
fn exclusive_warm_cache() {
    assert_eq!(running(), "exclusive_warm_cache__integration");
}

/// A timing test: the shipped nextest config keeps it alone by its name.
#[ml_test(slow, exclusive)]
fn scoring_latency_budget() {
    assert_eq!(running(), "scoring_latency_budget__slow");
}

/// Five checks in the slow tier: `halving::loss_is_finite__slow`, ...
#[overfit_check(steps = 20)]
fn halving() -> Halving {
    Halving::new()
}
