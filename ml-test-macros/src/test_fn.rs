//! The function under an ml-test attribute: reading it, and the checks every test fn must pass.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, Item, ItemFn, Type};

use crate::diag::Errors;

/// Parses the annotated item as a fn. Anything else is an error at the item's keyword; the item
/// is then re-emitted unchanged by the caller.
pub(crate) fn parse(item: TokenStream, attribute: &str, errors: &mut Errors) -> Option<ItemFn> {
    parse_fn(item, attribute, "test functions", errors)
}

/// Parses the annotated item as a fn; `what` names the fns the attribute is for.
pub(crate) fn parse_fn(
    item: TokenStream,
    attribute: &str,
    what: &str,
    errors: &mut Errors,
) -> Option<ItemFn> {
    match syn::parse2::<Item>(item) {
        Ok(Item::Fn(function)) => Some(function),
        Ok(other) => {
            errors.at(
                item_keyword(&other),
                format_args!(
                    "#[{attribute}] applies to {what} (`fn name() {{ .. }}`), not to this item"
                ),
            );
            None
        }
        Err(error) => {
            errors.push(error);
            None
        }
    }
}

/// The token that says what kind of item it is (`struct`, `mod`, ...), where errors point.
fn item_keyword(item: &Item) -> Span {
    match item {
        Item::Const(item) => item.const_token.span,
        Item::Enum(item) => item.enum_token.span,
        Item::ExternCrate(item) => item.extern_token.span,
        Item::ForeignMod(item) => item.abi.extern_token.span,
        Item::Impl(item) => item.impl_token.span,
        Item::Macro(item) => item.mac.path.span(),
        Item::Mod(item) => item.mod_token.span,
        Item::Static(item) => item.static_token.span,
        Item::Struct(item) => item.struct_token.span,
        Item::Trait(item) => item.trait_token.span,
        Item::TraitAlias(item) => item.trait_token.span,
        Item::Type(item) => item.type_token.span,
        Item::Union(item) => item.union_token.span,
        Item::Use(item) => item.use_token.span,
        other => other.span(),
    }
}

/// Checks that libtest can call the fn: no parameters but one `Mock` handle per `#[mock_model]`
/// (`handles` of them), no generics, a runtime for async.
pub(crate) fn check_signature(
    function: &ItemFn,
    attribute: &str,
    handles: usize,
    errors: &mut Errors,
) {
    let sig = &function.sig;
    let inputs = sig.inputs.len();
    if handles == 0 {
        for input in &sig.inputs {
            errors.spanned(
                input,
                format_args!(
                    "#[{attribute}] cannot supply this parameter: a test function takes no parameters \
                     (build what the test needs inside it, or in a helper it calls); only \
                     #[mock_model] supplies one, its `Mock` handle"
                ),
            );
        }
    } else if inputs != 0 && inputs != handles {
        let s = if handles == 1 { "" } else { "s" };
        let spanned = sig.inputs.iter().nth(handles).map_or_else(
            || sig.inputs.to_token_stream(),
            |extra| extra.to_token_stream(),
        );
        errors.spanned(
            spanned,
            format_args!(
                "this test has {handles} #[mock_model] attribute{s}, so it takes {handles} `Mock` \
                 parameter{s} (one per attribute, in attribute order) or none; it takes {inputs}"
            ),
        );
    } else {
        for input in &sig.inputs {
            let is_mock = match input {
                FnArg::Typed(typed) => matches!(&*typed.ty, Type::Path(path)
                    if path.qself.is_none()
                        && path.path.segments.last().is_some_and(|last| last.ident == "Mock" && last.arguments.is_empty())),
                FnArg::Receiver(_) => false,
            };
            if !is_mock {
                errors.spanned(
                    input,
                    "a #[mock_model] parameter is the mock's handle: write it as `name: Mock` \
                     (`ml_test::Mock`, in the prelude)",
                );
            }
        }
    }
    if let Some(lt) = &sig.generics.lt_token {
        errors.at(
            lt.span,
            format_args!("#[{attribute}] test functions cannot be generic: libtest calls them with no type arguments"),
        );
    } else if let Some(where_clause) = &sig.generics.where_clause {
        errors.at(
            where_clause.where_token.span,
            format_args!("#[{attribute}] test functions cannot have a where clause"),
        );
    }
    if let Some(asyncness) = &sig.asyncness
        && !has_test_attribute(&function.attrs)
    {
        errors.at(
            asyncness.span,
            format_args!(
                "an async test needs a runtime: write your runtime's test attribute below \
                 #[{attribute}], e.g. `#[{attribute}] #[tokio::test] async fn ...`"
            ),
        );
    }
}

/// Whether the fn already carries a test attribute (`#[test]`, `#[tokio::test]`,
/// `#[::core::prelude::v1::test]`, ...): then ml-test adds none. Attributes written above
/// ours have expanded already; those that emit `#[test]` put it below, where we see it.
pub(crate) fn has_test_attribute(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path()
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "test")
    })
}

pub(crate) fn has_ignore_attribute(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|attr| attr.path().is_ident("ignore"))
}

/// Whether `attr` is ml-test's attribute `name`, written bare or by a path ending in it.
pub(crate) fn is_attribute(attr: &Attribute, name: &str) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == name)
}

/// The tokens inside an attribute's parentheses; none for `#[name]` or `#[name = ..]`.
pub(crate) fn attribute_args(attr: &Attribute) -> TokenStream {
    match &attr.meta {
        syn::Meta::List(list) => list.tokens.clone(),
        _ => TokenStream::new(),
    }
}
