//! Collecting diagnostics: every check runs and reports; the errors are emitted together.

use proc_macro2::{Span, TokenStream};
use std::fmt::Display;

/// The errors found while reading one attribute and its item.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(first) => first.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn at(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    pub(crate) fn spanned(&mut self, tokens: impl quote::ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// `compile_error!` invocations, one per error, each at its own span.
    pub(crate) fn to_compile_errors(&self) -> TokenStream {
        self.0
            .as_ref()
            .map(syn::Error::to_compile_error)
            .unwrap_or_default()
    }
}

/// An attribute's comma-separated arguments (`key`, `key = value`, `key(..)`); on a syntax error
/// the error is recorded and there are none.
pub(crate) fn parse_metas(args: TokenStream, errors: &mut Errors) -> Vec<syn::Meta> {
    use syn::parse::Parser;
    match syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated.parse2(args) {
        Ok(metas) => metas.into_iter().collect(),
        Err(error) => {
            errors.push(error);
            Vec::new()
        }
    }
}

/// An argument's key as written (empty for a path of several segments) and where it is.
pub(crate) fn key_of(meta: &syn::Meta) -> (String, Span) {
    use syn::spanned::Spanned;
    let path = meta.path();
    let key = path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default();
    (key, path.span())
}

/// An unknown key: the error at it names the closest known key, if one is close, and lists
/// what `attribute` accepts.
pub(crate) fn unknown_key(
    attribute: &str,
    key: &str,
    span: Span,
    keys: impl IntoIterator<Item = &'static str>,
    accepted: &str,
    errors: &mut Errors,
) {
    let hint = crate::tiers::did_you_mean(key, keys)
        .map(|close| format!("did you mean `{close}`? "))
        .unwrap_or_default();
    let shown = if key.is_empty() { "this" } else { key };
    errors.at(
        span,
        format_args!("unknown {attribute} option `{shown}`; {hint}{accepted}"),
    );
}
