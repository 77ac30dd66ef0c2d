//! Behaviour of `#[ml_test]` in a test binary, as users write it.

use std::panic::{AssertUnwindSafe, catch_unwind};

use ml_test::prelude::*;
use ml_test::rand::rngs::StdRng;
use ml_test::rand::{Rng, SeedableRng};
use ml_test::{TestEntry, context};

/// The seed a test gets when nothing overrides it: `ML_TEST_SEED` wins when set.
fn expected_seed(own: u64) -> u64 {
    match std::env::var("ML_TEST_SEED") {
        Ok(value) if !value.trim().is_empty() => {
            value.trim().parse().expect("a decimal ML_TEST_SEED")
        }
        _ => own,
    }
}

#[ml_test]
fn unit_test_runs_inside_its_context() {
    let ctx = context::current().expect("the generated code enters a context");
    assert_eq!(ctx.name(), "unit_test_runs_inside_its_context");
    assert_eq!(ctx.tier(), Tier::Unit);
    let derived = context::seed_from_name("unit_test_runs_inside_its_context");
    assert_eq!(ctx.seed(), expected_seed(derived));
}

mod nested {
    use super::*;

    #[ml_test(integration)]
    fn libtest_name_includes_the_module_path_and_the_tier() {
        let ctx = context::current().unwrap();
        assert_eq!(
            ctx.name(),
            "nested::libtest_name_includes_the_module_path_and_the_tier__integration"
        );
        assert_eq!(ctx.tier(), Tier::Integration);
        assert_eq!(
            std::thread::current().name(),
            Some(ctx.name()),
            "libtest runs it under that name"
        );
    }
}

#[ml_test(slow)]
fn slow_tier_is_recorded() {
    assert_eq!(context::current().unwrap().tier(), Tier::Slow);
}

/// A test written by a macro gets its tier's name the same way.
macro_rules! slow_test {
    ($name:ident) => {
        #[ml_test(slow)]
        fn $name() {
            let ctx = context::current().unwrap();
            assert_eq!(ctx.name(), concat!(stringify!($name), "__slow"));
        }
    };
}
slow_test!(written_by_a_macro);

/// Compiled out: neither the test nor the name it was written with may be left behind.
#[ml_test(slow)]
#[cfg(any())]
fn compiled_out() {}

/// A test of another tier is the libtest test `<fn>__<tier>`, and the fn keeps the name it was
/// written with: other code calls it by that name, and it runs in its own context.
#[ml_test]
fn a_tiered_test_is_called_by_the_name_it_was_written_with() {
    let caller = context::current().unwrap();
    written_by_a_macro();
    slow_tier_is_recorded(); // asserts that it runs in the slow tier's context
    let written: fn() = slow_tier_is_recorded;
    let test: fn() = slow_tier_is_recorded__slow;
    assert!(std::ptr::fn_addr_eq(written, test));
    assert_eq!(context::current().unwrap().name(), caller.name());
}

// A gpu test here could pass only on a machine with an accelerator: tests/cargo_tiers.rs runs
// the gpu tier in a scratch crate, with `ML_TEST_GPU` saying what the machine has.

/// Runs against the deployment CI gives it (`ML_TEST_ENDPOINT`); without one it fails naming the
/// variable.
#[ml_test(e2e)]
fn e2e_tier_is_recorded() {
    assert_eq!(context::current().unwrap().tier(), Tier::E2e);
    assert!(ml_test::e2e::client().live(), "the deployment is live");
}

#[ml_test(seed = 7)]
fn seed_option_seeds_the_rng() {
    let seed = expected_seed(7);
    assert_eq!(context::current().unwrap().seed(), seed);
    let first: [u64; 4] = rng().random();
    let replay: [u64; 4] = StdRng::seed_from_u64(seed).random();
    assert_eq!(
        first, replay,
        "the first generator is StdRng::seed_from_u64(seed)"
    );
    let second: [u64; 4] = rng().random();
    assert_ne!(first, second, "each call gets its own stream");
}

static REPLAYED: TestEntry = TestEntry::new("ml_test::replayed", Tier::Unit, file!(), line!());
static REPLAYED_DRAWS: std::sync::Mutex<Vec<Vec<u64>>> = std::sync::Mutex::new(Vec::new());

#[ml_test]
fn rng_streams_repeat_across_runs_of_the_same_test() {
    // Two full runs of one test, each drawing from three rng() streams: the same seed and call
    // order give the same numbers; the streams are a function of (seed, call index) only.
    fn body() {
        let draws: Vec<u64> = (0..3).flat_map(|_| rng().random::<[u64; 2]>()).collect();
        REPLAYED_DRAWS.lock().unwrap().push(draws);
    }
    ml_test::__private::run(&REPLAYED, body);
    ml_test::__private::run(&REPLAYED, body);
    let runs = std::mem::take(&mut *REPLAYED_DRAWS.lock().unwrap());
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0], runs[1], "a second run draws what the first did");
    let seed = expected_seed(context::seed_from_name("replayed"));
    assert_eq!(
        runs[0][..2],
        StdRng::seed_from_u64(seed).random::<[u64; 2]>(),
        "the first stream is StdRng::seed_from_u64(seed)"
    );
    assert!(runs[0][0..2] != runs[0][2..4] && runs[0][2..4] != runs[0][4..6]);
}

#[ml_test]
fn spawned_threads_carry_the_context_over() {
    let ctx = context::current().unwrap();
    let (name, draw) = std::thread::spawn(move || {
        assert!(
            context::current().is_none(),
            "a new thread starts without the context"
        );
        let _entered = ctx.enter();
        let draw: u64 = rng().random();
        (context::current().unwrap().name(), draw)
    })
    .join()
    .unwrap();
    assert_eq!(name, "spawned_threads_carry_the_context_over");
    // The thread's generator was the test's first: replaying it here gives the same number.
    let replay: u64 = StdRng::seed_from_u64(context::current().unwrap().seed()).random();
    assert_eq!(draw, replay);
}

#[test]
#[should_panic(expected = "ml_test::rng() was called outside an ml-test test")]
fn rng_outside_a_test_context_explains_the_fix() {
    let _ = rng();
}

#[ml_test]
fn result_returning_tests_keep_their_return_type() -> Result<(), std::num::ParseIntError> {
    let n: u32 = "42".parse()?;
    assert_eq!(n, 42);
    Ok(())
}

#[ml_test]
#[should_panic(expected = "model missing")]
fn should_panic_composes() {
    panic!("model missing");
}

#[ml_test]
#[test]
fn a_test_attribute_below_is_kept_not_doubled() {
    // Kept: libtest runs it, in ml-test's context, under its own name. Not doubled: ml-test
    // registered it once (a second registration would also fail the run).
    let context = context::current().expect("run in ml-test's context");
    assert_eq!(
        std::thread::current().name(),
        Some("a_test_attribute_below_is_kept_not_doubled")
    );
    assert_eq!(context.name(), "a_test_attribute_below_is_kept_not_doubled");
    let registered = ml_test::registry()
        .into_iter()
        .filter(|test| test.name() == "a_test_attribute_below_is_kept_not_doubled")
        .count();
    assert_eq!(registered, 1);
}

#[ml_test(timeout = "10s")]
fn timeout_runs_the_body_with_its_context() -> Result<(), String> {
    let ctx = context::current().ok_or("no context in the timed worker")?;
    assert_eq!(ctx.name(), "timeout_runs_the_body_with_its_context");
    assert_eq!(
        std::thread::current().name(),
        Some("timeout_runs_the_body_with_its_context")
    );
    let _: u8 = rng().random();
    Ok(())
}

#[ml_test(timeout = "50ms")]
#[should_panic(
    expected = "`timeout_fails_a_test_that_runs_longer` timed out: it ran longer than its timeout of 50ms"
)]
fn timeout_fails_a_test_that_runs_longer() {
    std::thread::sleep(std::time::Duration::from_secs(30));
}

/// The timeout names the seed the test ran with (a sweep: the seed its runs derive from).
#[ml_test(timeout = "50ms")]
#[should_panic(expected = "(#[ml_test(timeout = \"50ms\")]). It ran with seed ")]
fn a_timeout_names_the_seed() {
    std::thread::sleep(std::time::Duration::from_secs(30));
}

#[ml_test(timeout = "50ms", seeds = 3)]
#[should_panic(expected = "(#[ml_test(timeout = \"50ms\")]). It ran with base seed ")]
fn a_timed_out_sweep_names_its_base_seed() {
    std::thread::sleep(std::time::Duration::from_secs(30));
}

#[ml_test(timeout = "10s")]
#[should_panic(expected = "boom in the worker")]
fn timeout_reraises_the_bodys_panic() {
    panic!("boom in the worker");
}

#[ml_test(timeout = "10s")]
#[should_panic(expected = "the test returned an error: \"no weights\"")]
fn timeout_reports_a_returned_error() -> Result<(), String> {
    Err("no weights".to_owned())
}

#[ml_test]
#[tokio::test]
async fn async_tests_run_on_their_runtime_with_the_context() {
    tokio::task::yield_now().await;
    assert_eq!(
        context::current().unwrap().name(),
        "async_tests_run_on_their_runtime_with_the_context"
    );
}

#[tokio::test]
#[ml_test(integration)]
async fn runtime_attribute_above_works_too() {
    tokio::task::yield_now().await;
    assert_eq!(context::current().unwrap().tier(), Tier::Integration);
}

/// `#[ml_test]` above a case generator makes every case an ml-test test of its own: its own
/// context, the test's tier, and the tier at the end of the case's name.
#[ml_test(integration)]
#[rstest::rstest]
#[case(1, 2)]
#[case(2, 4)]
fn each_rstest_case_runs_in_the_context(#[case] x: u32, #[case] doubled: u32) {
    assert_eq!(x * 2, doubled);
    let context = context::current().expect("the case runs in ml-test's context");
    assert_eq!(context.tier(), Tier::Integration);
    let case = format!("each_rstest_case_runs_in_the_context::case_{x}__integration");
    assert_eq!(context.name(), case);
    assert_eq!(std::thread::current().name(), Some(case.as_str()));
}

#[ml_test]
#[test_case::test_case(3, 9 ; "three")]
#[test_case::test_case(4, 16 ; "four")]
fn each_test_case_runs_in_the_context(x: u64, squared: u64) {
    assert_eq!(x * x, squared);
    let context = context::current().expect("the case runs in ml-test's context");
    let case = match x {
        3 => "each_test_case_runs_in_the_context::test_case_1_three",
        _ => "each_test_case_runs_in_the_context::test_case_2_four",
    };
    assert_eq!(context.name(), case);
    assert_eq!(std::thread::current().name(), Some(case));
}

#[ml_test(slow, seed = 11)]
#[test_case::test_case(5 ; "five")]
fn a_test_case_of_a_slow_test_is_named_with_the_tier(x: u64) {
    let context = context::current().expect("the case runs in ml-test's context");
    assert_eq!(
        context.name(),
        "a_test_case_of_a_slow_test_is_named_with_the_tier::test_case_1_five__slow"
    );
    assert_eq!((context.tier(), x), (Tier::Slow, 5));
    assert_eq!(context.seed(), expected_seed(11));
}

/// Inner attributes stay at the top of the body, where they apply. Checked when this file
/// compiles: the module denies unused variables, and only the body's own `allow` lets
/// `unused` through, so a dropped or moved inner attribute is a compile error.
#[deny(unused_variables)]
mod inner_attributes {
    use super::*;

    #[ml_test]
    fn inner_attributes_stay_in_the_body() {
        #![allow(unused_variables)]
        let unused = 1;
        assert!(context::current().is_some());
    }
}

#[ml_test(timeout = "50ms")]
#[tokio::test]
#[should_panic(expected = "timed out: it ran longer than its timeout of 50ms")]
async fn async_timeout_fires_while_the_test_awaits() {
    tokio::time::sleep(std::time::Duration::from_secs(30)).await;
}

#[ml_test(timeout = "5s")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_timeout_passes_when_the_test_finishes() -> Result<(), String> {
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    Ok(())
}

static PANICKING: TestEntry =
    TestEntry::new("ml_test::panicking_body", Tier::Unit, file!(), line!()).with_seed(3);

fn panicking_body() {
    assert_eq!(context::current().unwrap().seed(), expected_seed(3));
    panic!("the test failed");
}

#[test]
fn the_context_is_cleared_when_the_test_panics() {
    assert!(context::current().is_none());
    let result = catch_unwind(AssertUnwindSafe(|| {
        ml_test::__private::run(&PANICKING, panicking_body)
    }));
    assert!(result.is_err());
    assert!(
        context::current().is_none(),
        "the context must not outlive its test"
    );
}

#[test]
fn the_context_is_cleared_and_the_error_kept_when_the_test_returns_err() {
    let returned: Result<(), &str> = ml_test::__private::run(&PANICKING, || Err("bad batch"));
    assert_eq!(returned, Err("bad batch"));
    assert!(context::current().is_none());
}

/// The tier selection this binary was compiled with, as the registry should report it.
fn compiled_selection() -> Vec<Tier> {
    match option_env!("ML_TEST_TIERS")
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => Tier::DEFAULT_SELECTION.to_vec(),
        Some(value) if value.eq_ignore_ascii_case("all") => Tier::ALL.to_vec(),
        Some(value) => value
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| s.trim().to_ascii_lowercase().parse().unwrap())
            .collect(),
    }
}

const LINE_OF_REGISTERED: u32 = line!() + 2;
#[ml_test]
fn registered_at_a_known_line() {}

#[ml_test]
fn registry_lists_this_binarys_tests_with_their_metadata() {
    let tests = ml_test::registry();
    let find = |name: &str| {
        *tests
            .iter()
            .find(|t| t.name() == name)
            .unwrap_or_else(|| panic!("`{name}` is not registered"))
    };
    let seeded = find("seed_option_seeds_the_rng");
    assert_eq!((seeded.tier(), seeded.seed()), (Tier::Unit, Some(7)));
    assert!(seeded.file().ends_with("ml_test.rs"), "{}", seeded.file());

    let timed = find("timeout_fails_a_test_that_runs_longer");
    assert_eq!(
        timed.timeout(),
        Some(("50ms", std::time::Duration::from_millis(50)))
    );

    assert_eq!(find("written_by_a_macro__slow").tier(), Tier::Slow);
    let nested = find("nested::libtest_name_includes_the_module_path_and_the_tier__integration");
    assert_eq!(nested.tier(), Tier::Integration);
    // Each case of a case generator is registered under its own libtest name.
    for case in ["case_1__integration", "case_2__integration"] {
        let entry = find(&format!("each_rstest_case_runs_in_the_context::{case}"));
        assert_eq!(entry.tier(), Tier::Integration);
    }
    assert!(
        tests
            .iter()
            .all(|t| t.name() != "each_rstest_case_runs_in_the_context"),
        "the fn under the generator is not a test"
    );

    assert_eq!(
        find("registered_at_a_known_line").line(),
        LINE_OF_REGISTERED,
        "the line of the fn name"
    );

    let selection = compiled_selection();
    for (name, tier) in [
        ("slow_tier_is_recorded__slow", Tier::Slow),
        ("e2e_tier_is_recorded__e2e", Tier::E2e),
    ] {
        let entry = find(name);
        assert_eq!(entry.tier(), tier);
        assert_eq!(entry.selected(), selection.contains(&tier), "{name}");
        if let Some(reason) = entry.ignored() {
            let expected = format!("tier `{tier}` is not selected");
            assert!(reason.starts_with(&expected), "{reason}");
            assert!(
                reason.ends_with(&format!("cargo test -- --include-ignored __{tier}`")),
                "{reason}"
            );
        }
    }
    // Plain #[test] fns are not ml-test tests.
    assert!(
        tests
            .iter()
            .all(|t| t.name() != "rng_outside_a_test_context_explains_the_fix")
    );
    // Grouping keeps every entry, cheapest tier first.
    let groups = ml_test::registry_by_tier();
    assert_eq!(groups.values().map(Vec::len).sum::<usize>(), tests.len());
    assert_eq!(groups.keys().next(), Some(&Tier::Unit));
}

/// `use ml_test::*;` brings nothing that shadows std: `Eq` here is still std's trait.
mod glob_import {
    #[allow(unused_imports)]
    use ml_test::*;

    fn needs_eq<T: Eq>(a: T, b: T) -> bool {
        a == b
    }

    #[test]
    fn std_names_stay_std() {
        assert!(needs_eq(1, 1));
        let _: Option<String> = Some(String::new());
        let _: Result<(), ()> = Ok(());
    }
}
