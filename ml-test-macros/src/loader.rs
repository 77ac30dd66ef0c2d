//! `#[model_loader]`: the fn with the seam as its first statement, and its companion struct
//! (same name, type namespace) implementing `LoaderItem`, which tests name (`loader = path`).
//!
//! On an error the companion is still emitted whenever the fn is a free fn: with the loader's
//! return type when it has one, else a placeholder. The tests that name the loader then compile,
//! and the one mistake gives one error, not one more per test.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, ReturnType};

use crate::args::loader::{self, LoaderArgs};
use crate::diag::Errors;
use crate::item::{self, FnItem};

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = loader::parse(args, &mut errors);
    let Some(function) = item::parse(
        item.clone(),
        "model_loader",
        "loader functions",
        &mut errors,
    ) else {
        let errors = errors.to_compile_errors();
        return quote! { #errors #item };
    };
    let shape_ok = check(&function, &args, &mut errors);
    if errors.is_empty() {
        return generate(&args, function);
    }
    // A method cannot have a companion beside it (it would sit in the impl block).
    let is_method = matches!(function.sig.inputs.first(), Some(FnArg::Receiver(_)));
    let companion = (!is_method).then(|| {
        let return_type = match (&function.sig.output, shape_ok) {
            (ReturnType::Type(_, ty), true) => ty.to_token_stream(),
            _ => quote!(
                ::core::result::Result<
                    ::ml_test::__private::SharedModel<(), ()>,
                    ::std::string::String,
                >
            ),
        };
        companion(&args, &function, &return_type)
    });
    let errors = errors.to_compile_errors();
    quote! { #errors #item #companion }
}

/// A loader is a free, non-generic fn with a return type; `cache` needs no parameters and a
/// sync fn (the cached model is the same for every call). Returns whether the return type can
/// be named by the companion (it has one and no generics are in scope).
fn check(function: &FnItem, args: &LoaderArgs, errors: &mut Errors) -> bool {
    let sig = &function.sig;
    let mut shape_ok = true;
    if let ReturnType::Default = sig.output {
        shape_ok = false;
        errors.spanned(
            &sig.ident,
            "a #[model_loader] returns `Result<SharedModel<I, O>, E>`; add the return type",
        );
    }
    if let Some(param) = sig
        .generics
        .params
        .iter()
        .find(|param| !matches!(param, syn::GenericParam::Lifetime(_)))
    {
        shape_ok = false;
        errors.spanned(
            param,
            "a #[model_loader] cannot be generic: tests name it by its fn, which needs concrete types",
        );
    }
    if let Some(FnArg::Receiver(receiver)) = sig.inputs.first() {
        errors.spanned(
            receiver,
            "#[model_loader] goes on free functions (tests name a loader by its path); make this a \
             free fn that takes what it needs, and call it from the method",
        );
    }
    if let Some(cache) = args.cache {
        if let Some(input) = sig.inputs.first() {
            errors.at(
                cache,
                format_args!(
                    "`cache` keeps one model for the whole process, so the loader takes no \
                     parameters; `{}` would be ignored after the first call",
                    input.to_token_stream()
                ),
            );
        }
        if sig.asyncness.is_some() {
            errors.at(
                cache,
                "`cache` works on sync loaders; keep the model in a `tokio::sync::OnceCell` in an async one",
            );
        }
    }
    shape_ok
}

fn generate(args: &LoaderArgs, function: FnItem) -> TokenStream {
    let ReturnType::Type(_, return_type) = &function.sig.output else {
        unreachable!("checked: a loader has a return type")
    };
    let return_type = return_type.to_token_stream();
    let companion = companion(args, &function, &return_type);
    let name = &function.sig.ident;
    let (inner, statements) = function.split_body();
    let body = match args.cache {
        Some(_) => {
            let cache = syn::Ident::new("__ML_TEST_LOADER_CACHE", Span::mixed_site());
            quote! {
                static #cache: ::ml_test::__private::LoaderCache = ::ml_test::__private::LoaderCache::new();
                #cache.get_or_load(|| -> #return_type { #statements })
            }
        }
        None => statements,
    };
    let FnItem {
        attrs, vis, sig, ..
    } = &function;
    quote! {
        #(#attrs)*
        #vis #sig {
            #inner
            ::ml_test::__private::model_loader_seam!(#name);
            #body
        }

        #companion
    }
}

/// The companion struct and its `LoaderItem` impl.
fn companion(args: &LoaderArgs, function: &FnItem, return_type: &TokenStream) -> TokenStream {
    let name = &function.sig.ident;
    let vis = &function.vis;
    let random_fn = match &args.random {
        Some(path) => quote_spanned! {path.span()=>
            ::core::option::Option::Some(#path(rng))
        },
        None => quote!({
            let _ = rng;
            ::core::option::Option::None
        }),
    };
    let has_random = args.random.is_some();
    // `#[random_weights(loader = ..)]` requires this marker: a trait bound, so a loader without
    // a random constructor is a type error with ml-test's message, not a const panic (whose
    // report points into `core` and changes when the rust-src component is installed).
    let random_marker = has_random.then(|| {
        quote! {
            impl ::ml_test::__private::HasRandomConstructor for #name {}
        }
    });
    let span = return_type
        .clone()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |token| token.span());
    let return_check = quote_spanned! {span=>
        type Return = #return_type;
    };
    let return_bound = quote_spanned! {span=>
        #return_type: ::ml_test::__private::LoaderReturn
    };
    let line = quote_spanned!(name.span()=> ::core::line!());
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #name {}

        const _: () = {
            // The bound fails where the return type is wrong, at its span, and spares the items
            // below from repeating the error.
            impl ::ml_test::__private::LoaderItem for #name where #return_bound {
                #return_check
                const INFO: ::ml_test::__private::LoaderInfo = ::ml_test::__private::LoaderInfo {
                    name: ::core::concat!(::core::module_path!(), "::", ::core::stringify!(#name)),
                    file: ::core::file!(),
                    line: #line,
                    random: #has_random,
                };
                fn random(
                    rng: &mut ::ml_test::__private::StdRng,
                ) -> ::core::option::Option<Self::Return> {
                    #random_fn
                }
                fn adapters() -> ::ml_test::__private::Adapters<
                    ::ml_test::__private::InputOf<Self>,
                    ::ml_test::__private::OutputOf<Self>,
                > {
                    ::ml_test::__private::loader_adapters!(#name)
                }
            }
            #random_marker
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seam_comes_first_and_a_companion_struct_names_the_loader() {
        let output = expand(
            "random = Net::random".parse().unwrap(),
            "pub fn load() -> Result<SharedModel<Vec<f32>, Vec<i64>>, E> { #![allow(unused)] read(\"w.bin\") }"
                .parse()
                .unwrap(),
        )
        .to_string();
        assert!(
            output.starts_with("pub fn load () -> Result < SharedModel < Vec < f32 > , Vec < i64 > > , E > { #! [allow (unused)] :: ml_test :: __private :: model_loader_seam ! (load) ; read (\"w.bin\") }"),
            "{output}"
        );
        assert!(output.contains("pub struct load { }"), "{output}");
        assert!(
            output.contains("Option :: Some (Net :: random (rng))"),
            "{output}"
        );
        assert!(output.contains("random : true"), "{output}");
    }

    #[test]
    fn cache_wraps_the_body_in_a_static_cache() {
        let output = expand(
            "cache".parse().unwrap(),
            "fn load() -> R { build() }".parse().unwrap(),
        )
        .to_string();
        assert!(
            output.contains("__ML_TEST_LOADER_CACHE . get_or_load (|| -> R { build () })"),
            "{output}"
        );
    }

    #[test]
    fn on_an_error_the_companion_is_still_emitted() {
        let output = expand(
            "cach".parse().unwrap(),
            "fn load() -> R { build() }".parse().unwrap(),
        )
        .to_string();
        assert_eq!(output.matches("compile_error").count(), 1, "{output}");
        assert!(output.contains("struct load { }"), "{output}");
        assert!(output.contains("type Return = R ;"), "{output}");
        let no_return = expand(TokenStream::new(), "fn load() { }".parse().unwrap()).to_string();
        assert!(no_return.contains("SharedModel < () , () >"), "{no_return}");
    }
}
