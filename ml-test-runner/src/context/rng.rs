//! The running test's seed, and the seeded generators it hands out: the one place that needs
//! `rand`.

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::current;

/// The running test's seed: the one [`rng()`] starts from, and the one a failure's replay
/// command sets (`ML_TEST_SEED=..`). In a seed sweep (`seeds = N`), the seed of the current run.
///
/// Seed any generator with it, whatever its `rand` version: linfa 0.8 and ndarray-rand take
/// rand 0.8 generators, so `rand_08::rngs::StdRng::seed_from_u64(ml_test::seed())` (with
/// `rand_08 = { package = "rand", version = "0.8" }`) repeats with the test as
/// [`rng()`]'s streams do.
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

/// A random generator seeded from the running test's seed, so the test repeats run after run.
///
/// Each call returns a new generator with its own stream: the first is
/// `StdRng::seed_from_u64(seed)`, the n-th is derived from the seed and n. Calls on threads that
/// carried the context over ([`TestContext::enter`](super::TestContext::enter)) count in the
/// same sequence.
///
/// # Panics
/// Outside a test run by ml-test (a plain `#[test]`, or a thread that did not carry the context
/// over); the message says how to fix it.
pub fn rng() -> StdRng {
    match current() {
        Some(context) => StdRng::seed_from_u64(context.next_stream_seed()),
        None => panic!(
            "ml_test::rng() was called outside an ml-test test, so there is no test seed to use. \
             Annotate the test with #[ml_test]; in a thread the test spawned, carry the context \
             over with `let ctx = ml_test::context::current()` before spawning and \
             `let _entered = ctx.enter();` inside the thread; elsewhere seed a generator \
             yourself with StdRng::seed_from_u64(..)."
        ),
    }
}
