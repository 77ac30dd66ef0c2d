//! Procedural macros of [ml-test](https://docs.rs/ml-test). Depend on `ml-test` and use its
//! re-exports; the expansions name only `::ml_test::__private`.

mod diag;
mod ml_test;
mod mock_model;
mod model_loader;
mod overfit_check;
mod test_fn;
mod tiers;

use proc_macro::TokenStream;

/// Files a test in a tier and runs it inside ml-test's test context.
/// See the `ml-test` crate for the full documentation.
#[proc_macro_attribute]
pub fn ml_test(args: TokenStream, item: TokenStream) -> TokenStream {
    if std::env::var("MLT_DEBUG").is_ok() { eprintln!("ML_TEST SEES: {item}"); }
    ml_test::expand(args.into(), item.into()).into()
}

/// Generates the standard convergence checks for a fn that builds a `Trainer`.
/// See the `ml-test` crate for the full documentation.
#[proc_macro_attribute]
pub fn overfit_check(args: TokenStream, item: TokenStream) -> TokenStream {
    overfit_check::expand(args.into(), item.into()).into()
}

/// Marks a production fn that loads a model, so tests can swap what it returns.
/// See the `ml-test` crate for the full documentation.
#[proc_macro_attribute]
pub fn model_loader(args: TokenStream, item: TokenStream) -> TokenStream {
    model_loader::expand(args.into(), item.into()).into()
}

/// Makes a test in which model loaders hand out a recording mock.
/// See the `ml-test` crate for the full documentation.
#[proc_macro_attribute]
pub fn mock_model(args: TokenStream, item: TokenStream) -> TokenStream {
    mock_model::expand(mock_model::Attribute::MockModel, args.into(), item.into()).into()
}

/// Makes a test in which loaders with a random constructor build their model with seeded random
/// weights. See the `ml-test` crate for the full documentation.
#[proc_macro_attribute]
pub fn random_weights(args: TokenStream, item: TokenStream) -> TokenStream {
    mock_model::expand(
        mock_model::Attribute::RandomWeights,
        args.into(),
        item.into(),
    )
    .into()
}
