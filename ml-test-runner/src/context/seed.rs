//! The running test's seed. The seeded generators `ml_test::rng()` hands out are ml-test-core's:
//! this crate has no dependency on `rand`, so a test binary links no generator it does not use.

use super::current;

/// The running test's seed: the one `ml_test::rng()` starts from, and the one a failure's replay
/// command sets (`ML_TEST_SEED=..`). In a seed sweep (`seeds = N`), the seed of the current run.
///
/// Seed any generator with it, whatever its `rand` version: linfa 0.8 and ndarray-rand take
/// rand 0.8 generators, so `rand_08::rngs::StdRng::seed_from_u64(ml_test::seed())` (with
/// `rand_08 = { package = "rand", version = "0.8" }`) repeats with the test as
/// `ml_test::rng()`'s streams do.
///
/// ```
/// use ml_test::prelude::*;
///
/// #[ml_test(seed = 42)]
/// fn splits_repeat() {
///     assert_eq!(ml_test::seed(), 42);
/// }
/// # fn main() {}
/// ```
///
/// # Panics
/// Outside a test run by ml-test; the message says how to fix it.
pub fn seed() -> u64 {
    match current() {
        Some(context) => context.seed(),
        None => panic!(
            "ml_test::seed() was called outside an ml-test test, so there is no test seed. \
             Annotate the test with #[ml_test]; in a thread the test spawned, carry the context \
             over with `let ctx = ml_test::context::current()` before spawning and \
             `let _entered = ctx.enter();` inside the thread; elsewhere pick a seed yourself."
        ),
    }
}
