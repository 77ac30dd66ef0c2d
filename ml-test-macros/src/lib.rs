#![warn(missing_docs)]
//! Procedural macros of [ml-test](https://docs.rs/ml-test). Depend on `ml-test` and use its
//! re-exports; the expansions name only `::ml_test::__private`.
//!
//! One pipeline serves the four test attributes, entered in `expand.rs`: the topmost attribute
//! gathers the others on the fn into a spec and validates it (`spec.rs`), each attribute's
//! arguments read by its parser in `args/` through one option engine (`options.rs`); then
//! `render.rs` writes the test. `#[model_loader]` marks production code and has an expansion of
//! its own (`loader.rs`).

mod args;
mod diag;
mod expand;
mod item;
mod loader;
mod names;
mod options;
mod order;
mod render;
mod source;
mod spec;
mod tiers;

use proc_macro::TokenStream;
use spec::Attribute;

#[doc = include_str!("../docs/ml_test.md")]
#[proc_macro_attribute]
pub fn ml_test(args: TokenStream, item: TokenStream) -> TokenStream {
    let above = order::test_attribute_above(proc_macro::Span::call_site());
    expand::expand(Attribute::MlTest, args.into(), item.into(), above).into()
}

#[doc = include_str!("../docs/overfit_check.md")]
#[proc_macro_attribute]
pub fn overfit_check(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Attribute::OverfitCheck, args.into(), item.into(), None).into()
}

#[doc = include_str!("../docs/mock_model.md")]
#[proc_macro_attribute]
pub fn mock_model(args: TokenStream, item: TokenStream) -> TokenStream {
    let above = order::test_attribute_above(proc_macro::Span::call_site());
    expand::expand(Attribute::MockModel, args.into(), item.into(), above).into()
}

#[doc = include_str!("../docs/random_weights.md")]
#[proc_macro_attribute]
pub fn random_weights(args: TokenStream, item: TokenStream) -> TokenStream {
    let above = order::test_attribute_above(proc_macro::Span::call_site());
    expand::expand(Attribute::RandomWeights, args.into(), item.into(), above).into()
}

#[doc = include_str!("../docs/model_loader.md")]
#[proc_macro_attribute]
pub fn model_loader(args: TokenStream, item: TokenStream) -> TokenStream {
    loader::expand(args.into(), item.into()).into()
}

/// Used by generated code: marks a case that test-case generated from a sync fn under an ml-test
/// attribute, which consumes it. Written anywhere else it is an error.
#[doc(hidden)]
#[proc_macro_attribute]
pub fn __ml_test_sync_case(_args: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    quote::quote! {
        ::core::compile_error!("#[__ml_test_sync_case] is used by the code ml-test generates; remove it");
        #item
    }
    .into()
}

/// Used by generated code where the registry is not a linker section (not Linux): registers the
/// test entry `static` it is written on with `inventory`.
#[doc(hidden)]
#[proc_macro_attribute]
pub fn __ml_test_registered(_args: TokenStream, item: TokenStream) -> TokenStream {
    let mut tokens = item.clone().into_iter();
    let name = loop {
        match tokens.next() {
            Some(proc_macro::TokenTree::Ident(ident)) if ident.to_string() == "static" => {
                break tokens.next();
            }
            Some(_) => continue,
            None => break None,
        }
    };
    let item = proc_macro2::TokenStream::from(item);
    let Some(proc_macro::TokenTree::Ident(name)) = name else {
        return quote::quote! {
            ::core::compile_error!("#[__ml_test_registered] is used by the code ml-test generates; remove it");
            #item
        }
        .into();
    };
    let name = proc_macro2::Ident::new(&name.to_string(), name.span().into());
    quote::quote! {
        #item
        ::ml_test::__private::inventory::submit! { ::ml_test::__private::Registered(&#name) }
    }
    .into()
}
