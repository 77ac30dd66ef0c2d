//! Procedural macros of [ml-test](https://docs.rs/ml-test). Depend on `ml-test` and use its
//! re-exports; the expansions name only `::ml_test::__private`.

mod diag;
mod ml_test;
mod overfit_check;
mod test_fn;
mod tiers;

use proc_macro::TokenStream;

/// Files a test in a tier and runs it inside ml-test's test context.
/// See the `ml-test` crate for the full documentation.
#[proc_macro_attribute]
pub fn ml_test(args: TokenStream, item: TokenStream) -> TokenStream {
    ml_test::expand(args.into(), item.into()).into()
}

/// Generates the standard convergence checks for a fn that builds a `Trainer`.
/// See the `ml-test` crate for the full documentation.
#[proc_macro_attribute]
pub fn overfit_check(args: TokenStream, item: TokenStream) -> TokenStream {
    overfit_check::expand(args.into(), item.into()).into()
}
