//! `#[mock_model(...)]` and `#[random_weights(...)]`: the overrides a test installs for model
//! loaders. Either attribute, and `#[ml_test]`, may come first; the first to expand gathers the
//! others from the fn and produces the one test.

mod attr;
mod expand;

pub(crate) use expand::{Attribute, Overrides, expand, gather, install_tokens, loader_checks};
