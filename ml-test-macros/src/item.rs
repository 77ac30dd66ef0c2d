//! The fn under an attribute. Its attributes, visibility and signature are parsed; its body is
//! kept as the tokens written: the expansion never looks inside it, so a long test costs no more
//! to expand than a short one, and inner attributes (`#![allow(..)]`) stay where they are.

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Attribute, Item, Signature, Visibility};

use crate::diag::Errors;

/// A fn item with its body unparsed.
pub(crate) struct FnItem {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
    /// The body, braces included.
    pub(crate) body: Group,
}

impl Parse for FnItem {
    fn parse(input: ParseStream) -> syn::Result<FnItem> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig = input.parse()?;
        let body: Group = input.parse()?;
        if body.delimiter() != Delimiter::Brace {
            return Err(syn::Error::new(
                body.span(),
                "expected the fn's body `{ .. }`",
            ));
        }
        Ok(FnItem {
            attrs,
            vis,
            sig,
            body,
        })
    }
}

impl ToTokens for FnItem {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        for attr in &self.attrs {
            attr.to_tokens(tokens);
        }
        self.vis.to_tokens(tokens);
        self.sig.to_tokens(tokens);
        self.body.to_tokens(tokens);
    }
}

/// A body's inner attributes (`#![allow(..)]`, `//!` docs) and the statements after them.
pub(crate) fn split_body(body: &Group) -> (TokenStream, TokenStream) {
    let mut tokens = body.stream().into_iter().peekable();
    let mut inner = TokenStream::new();
    loop {
        let mut lookahead = tokens.clone();
        match (lookahead.next(), lookahead.next(), lookahead.next()) {
            (
                Some(TokenTree::Punct(hash)),
                Some(TokenTree::Punct(bang)),
                Some(TokenTree::Group(group)),
            ) if hash.as_char() == '#'
                && bang.as_char() == '!'
                && group.delimiter() == Delimiter::Bracket =>
            {
                inner.extend(tokens.by_ref().take(3));
            }
            _ => break,
        }
    }
    (inner, tokens.collect())
}

impl FnItem {
    /// The body's inner attributes and the statements after them.
    pub(crate) fn split_body(&self) -> (TokenStream, TokenStream) {
        split_body(&self.body)
    }

    /// The span of the fn's name, where errors about the fn as a whole point.
    pub(crate) fn name_span(&self) -> Span {
        self.sig.ident.span()
    }
}

/// Parses the annotated item as a fn. Anything else is an error at the item's keyword, naming
/// what the attribute is for; the caller then re-emits the item unchanged.
pub(crate) fn parse(
    item: TokenStream,
    attribute: &str,
    what: &str,
    errors: &mut Errors,
) -> Option<FnItem> {
    if let Some(function) = parse_head(&item) {
        return Some(function);
    }
    match syn::parse2::<FnItem>(item.clone()) {
        Ok(function) => Some(function),
        // Not a fn: parse the item fully (only on this error path) to name its keyword.
        Err(fn_error) => {
            match syn::parse2::<Item>(item) {
                Ok(Item::Fn(_)) | Err(_) => errors.push(fn_error),
                Ok(other) => errors.at(
                    item_keyword(&other),
                    format_args!(
                        "#[{attribute}] applies to {what} (`fn name() {{ .. }}`), not to this item"
                    ),
                ),
            }
            None
        }
    }
}

/// The common case, parsed without walking the body: the item's last token tree is its body,
/// and syn reads only the attributes, visibility and signature before it. (syn's parse of the
/// whole item would first copy every token of the body into its buffer, which is most of an
/// expansion's parse time for a long test.) `None` when the item is anything else; the full
/// parse then reports it as before.
fn parse_head(item: &TokenStream) -> Option<FnItem> {
    use syn::parse::Parser;
    let mut trees: Vec<TokenTree> = item.clone().into_iter().collect();
    let body = match trees.pop()? {
        TokenTree::Group(body) if body.delimiter() == Delimiter::Brace => body,
        _ => return None,
    };
    let body = match plain_head(&trees, body) {
        Ok(function) => return Some(function),
        Err(body) => body,
    };
    let head: TokenStream = trees.into_iter().collect();
    let parse = |input: ParseStream| -> syn::Result<(Vec<Attribute>, Visibility, Signature)> {
        Ok((
            input.call(Attribute::parse_outer)?,
            input.parse()?,
            input.parse()?,
        ))
    };
    let (attrs, vis, sig) = parse.parse2(head).ok()?;
    Some(FnItem {
        attrs,
        vis,
        sig,
        body,
    })
}

/// The head most tests have, `fn name()` with outer attributes above it, read without syn's
/// signature parser (each attribute is still syn's): the signature syn would build. `None` for
/// any other head (a visibility, qualifiers, generics, parameters, a return type), which gives
/// the body back.
fn plain_head(trees: &[TokenTree], body: Group) -> Result<FnItem, Group> {
    match plain_head_parts(trees) {
        Some((attrs, sig)) => Ok(FnItem {
            attrs,
            vis: Visibility::Inherited,
            sig,
            body,
        }),
        None => Err(body),
    }
}

fn plain_head_parts(trees: &[TokenTree]) -> Option<(Vec<Attribute>, Signature)> {
    let (attributes, signature) = trees.split_last_chunk::<3>()?;
    let [
        TokenTree::Ident(fn_token),
        TokenTree::Ident(ident),
        TokenTree::Group(parens),
    ] = signature
    else {
        return None;
    };
    if fn_token != "fn"
        || parens.delimiter() != Delimiter::Parenthesis
        || !parens.stream().is_empty()
    {
        return None;
    }
    let mut attrs = Vec::new();
    for attribute in attributes.chunks(2) {
        let [TokenTree::Punct(pound), TokenTree::Group(group)] = attribute else {
            return None;
        };
        if pound.as_char() != '#' || group.delimiter() != Delimiter::Bracket {
            return None;
        }
        let tokens: TokenStream = attribute.iter().cloned().collect();
        attrs.extend(syn::parse::Parser::parse2(Attribute::parse_outer, tokens).ok()?);
    }
    let sig = Signature {
        constness: None,
        asyncness: None,
        unsafety: None,
        abi: None,
        fn_token: syn::Token![fn](fn_token.span()),
        ident: ident.clone(),
        generics: syn::Generics::default(),
        paren_token: syn::token::Paren(parens.delim_span()),
        inputs: syn::punctuated::Punctuated::new(),
        variadic: None,
        output: syn::ReturnType::Default,
    };
    Some((attrs, sig))
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

/// Whether `attr` is the attribute `name`, written bare or by a path ending in it.
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

/// Whether the fn already carries a test attribute (`#[test]`, `#[tokio::test]`,
/// `#[::core::prelude::v1::test]`, ...): then ml-test adds none.
pub(crate) fn has_test_attribute(attrs: &[Attribute]) -> bool {
    has_attribute(attrs, "test")
}

/// Whether one of `attrs` is `#[name]`, under any path (`#[name]`, `#[krate::name]`).
pub(crate) fn has_attribute(attrs: &[Attribute], name: &str) -> bool {
    attrs.iter().any(|attr| is_attribute(attr, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_kept_as_written_and_inner_attributes_split_off() {
        let function: FnItem = syn::parse_str(
            "#[doc = \"x\"] pub fn t() -> u8 { #![allow(unused)] #![deny(warnings)] let x = 1; x }",
        )
        .unwrap();
        let (inner, rest) = function.split_body();
        assert_eq!(
            inner.to_string(),
            "#! [allow (unused)] #! [deny (warnings)]"
        );
        assert_eq!(rest.to_string(), "let x = 1 ; x");
        assert_eq!(function.attrs.len(), 1);
    }

    #[test]
    fn a_plain_head_read_without_syns_signature_parser_is_syns() {
        for item in [
            "fn t() {}",
            "#[should_panic] /// Docs.\n #[doc = \"x\"] fn t() { body(); }",
            "#[tokio::test] #[ignore = \"why\"] fn r#type() {}",
        ] {
            let item: TokenStream = item.parse().unwrap();
            let trees: Vec<TokenTree> = item.clone().into_iter().collect();
            let (attrs, sig) = plain_head_parts(&trees[..trees.len() - 1])
                .unwrap_or_else(|| panic!("`{item}` is plain"));
            let parsed: FnItem = syn::parse2(item.clone()).unwrap();
            let (parsed_attrs, parsed_sig) = (&parsed.attrs, &parsed.sig);
            assert!(matches!(parsed.vis, Visibility::Inherited), "{item}");
            assert_eq!(
                quote::quote!(#(#attrs)* #sig).to_string(),
                quote::quote!(#(#parsed_attrs)* #parsed_sig).to_string(),
                "{item}"
            );
        }
        for item in [
            "pub fn t() {}",
            "async fn t() {}",
            "fn t() -> u8 { 1 }",
            "fn t(x: u8) {}",
            "fn t<T>() {}",
            "unsafe fn t() {}",
            "extern \"C\" fn t() {}",
        ] {
            let trees: Vec<TokenTree> = item.parse::<TokenStream>().unwrap().into_iter().collect();
            assert!(
                plain_head_parts(&trees[..trees.len() - 1]).is_none(),
                "`{item}` is syn's to read"
            );
        }
    }

    #[test]
    fn a_non_fn_is_an_error_at_its_keyword() {
        let mut errors = Errors::default();
        assert!(
            parse(
                "struct S;".parse().unwrap(),
                "ml_test",
                "test functions",
                &mut errors
            )
            .is_none()
        );
        assert!(
            errors
                .to_compile_errors()
                .to_string()
                .contains("#[ml_test] applies to test functions")
        );
    }
}
