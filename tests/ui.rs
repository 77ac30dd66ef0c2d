//! Compile-time diagnostics, one trybuild case per mistake (tests/ui/<attribute>/<case>.rs with
//! the expected compiler output beside it). Regenerate the expected output after a deliberate
//! change with `TRYBUILD=overwrite cargo test --test ui`.

/// One test, so the environment changes below cannot race with other tests of this binary.
#[test]
fn diagnostics() {
    // The cases must not depend on the selection the suite itself runs with.
    // SAFETY: this binary runs this single test, on one thread; nothing else reads the variable
    // concurrently. (trybuild passes the environment on to the cargo it runs.)
    unsafe { std::env::remove_var("ML_TEST_TIERS") };
    {
        let cases = trybuild::TestCases::new();
        cases.compile_fail("tests/ui/ml_test/*.rs");
        cases.compile_fail("tests/ui/overfit_check/*.rs");
        cases.compile_fail("tests/ui/mock_model/*.rs");
        cases.compile_fail("tests/ui/model_loader/*.rs");
        cases.compile_fail("tests/ui/behaviour/*.rs");
    } // trybuild runs the cases when `cases` drops

    // An unknown tier in the variable is a compile error that names the variable.
    unsafe { std::env::set_var("ML_TEST_TIERS", "slwo,unit") };
    {
        let cases = trybuild::TestCases::new();
        cases.compile_fail("tests/ui/env/*.rs");
    }
    unsafe { std::env::remove_var("ML_TEST_TIERS") };
}
