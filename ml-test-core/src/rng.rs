//! The seeded generators of the running test: `ml_test::rng()`. Here rather than in
//! ml-test-runner, so a test binary whose tests draw no random numbers links no generator.

use rand::SeedableRng;
use rand::rngs::StdRng;

/// A random generator seeded from the running test's seed, so the test repeats run after run.
///
/// Each call returns a new generator with its own stream: the first is
/// `StdRng::seed_from_u64(seed)`, the n-th is derived from the seed and n. Calls on threads that
/// carried the context over ([`TestContext::enter`](crate::context::TestContext::enter)) count in the
/// same sequence.
///
/// # Panics
/// Outside a test run by ml-test (a plain `#[test]`, or a thread that did not carry the context
/// over); the message says how to fix it.
pub fn rng() -> StdRng {
    match crate::context::current() {
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
