//! Gathering the ml-test attributes of one test fn, and the tokens that install its mocks.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::ItemFn;
use syn::spanned::Spanned;

use super::attr::{self, Behaviour, MockArgs, Number, NumericLiteral, RandomArgs, ReturnValue};
use crate::diag::Errors;
use crate::ml_test::{self, TestArgs};
use crate::test_fn;
use crate::tiers::TierSelection;

/// The attribute that is expanding.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attribute {
    MockModel,
    RandomWeights,
}

impl Attribute {
    fn name(self) -> &'static str {
        match self {
            Attribute::MockModel => "mock_model",
            Attribute::RandomWeights => "random_weights",
        }
    }
}

/// The mocks (attribute order) and random weights of one test.
#[derive(Default)]
pub(crate) struct Overrides {
    pub(crate) mocks: Vec<MockArgs>,
    pub(crate) random: Option<(RandomArgs, Span)>,
}

impl Overrides {
    pub(crate) fn is_empty(&self) -> bool {
        self.mocks.is_empty() && self.random.is_none()
    }

    fn add_random(&mut self, random: RandomArgs, span: Span, errors: &mut Errors) {
        if self.random.is_some() {
            errors.at(
                span,
                "#[random_weights] is given twice; one attribute covers every loader with a random constructor",
            );
        } else {
            self.random = Some((random, span));
        }
    }

    /// Problems of the attributes taken together.
    pub(crate) fn check(&self, errors: &mut Errors) {
        let mut catch_all = self.mocks.iter().filter(|mock| mock.loader.is_none());
        if let (Some(_), Some(second)) = (catch_all.next(), catch_all.next()) {
            errors.at(
                second.span,
                "two #[mock_model] attributes without `loader = ..` both mock every loader; name the \
                 loader each one mocks (`loader = path`), or keep one",
            );
        }
        for mock in &self.mocks {
            mock.check(errors);
        }
    }
}

/// Removes every ml-test test attribute below the expanding one from `function`, in order:
/// `#[ml_test]` gives the tier and options, each `#[mock_model]` a mock, `#[random_weights]`
/// the random weights.
pub(crate) fn gather(
    function: &mut ItemFn,
    overrides: &mut Overrides,
    errors: &mut Errors,
) -> Option<(TestArgs, Span)> {
    let mut test_args: Option<(TestArgs, Span)> = None;
    let mut kept = Vec::new();
    for attr in std::mem::take(&mut function.attrs) {
        if test_fn::is_attribute(&attr, "mock_model") {
            overrides.mocks.push(attr::parse_mock(
                test_fn::attribute_args(&attr),
                attr.span(),
                errors,
            ));
        } else if test_fn::is_attribute(&attr, "random_weights") {
            let random = attr::parse_random(test_fn::attribute_args(&attr), errors);
            overrides.add_random(random, attr.span(), errors);
        } else if test_fn::is_attribute(&attr, "ml_test") {
            let args = ml_test::parse_args(test_fn::attribute_args(&attr), errors);
            if test_args.is_some() {
                errors.spanned(
                    &attr,
                    "#[ml_test] is given twice; a test has one tier and one set of options",
                );
            } else {
                test_args = Some((args, attr.span()));
            }
        } else {
            kept.push(attr);
        }
    }
    function.attrs = kept;
    test_args
}

/// Entry point of `#[mock_model]` and `#[random_weights]`.
pub(crate) fn expand(which: Attribute, args: TokenStream, item: TokenStream) -> TokenStream {
    expand_with(which, args, item, TierSelection::from_env())
}

pub(crate) fn expand_with(
    which: Attribute,
    args: TokenStream,
    item: TokenStream,
    selection: Result<TierSelection, String>,
) -> TokenStream {
    let mut errors = Errors::default();
    let mut overrides = Overrides::default();
    match which {
        Attribute::MockModel => {
            overrides
                .mocks
                .push(attr::parse_mock(args, Span::call_site(), &mut errors))
        }
        Attribute::RandomWeights => {
            let random = attr::parse_random(args, &mut errors);
            overrides.add_random(random, Span::call_site(), &mut errors);
        }
    }
    let Some(mut function) = test_fn::parse(item.clone(), which.name(), &mut errors) else {
        return ml_test::fallback(&errors, item);
    };
    let test_args = gather(&mut function, &mut overrides, &mut errors)
        .map(|(args, _)| args)
        .unwrap_or_default();
    ml_test::finish_expansion(
        &test_args,
        function,
        &overrides,
        which.name(),
        selection,
        errors,
        item,
    )
}

/// The statements that install the test's overrides (`__ml_test_scope`) and the handle
/// arguments for the body.
pub(crate) fn install_tokens(overrides: &Overrides, scope: &syn::Ident) -> TokenStream {
    let specs = overrides
        .mocks
        .iter()
        .enumerate()
        .map(|(i, mock)| spec_tokens(i + 1, mock));
    let random = match &overrides.random {
        Some((random, _)) => {
            let seed = match random.seed {
                Some(seed) => quote!(::core::option::Option::Some(#seed)),
                None => quote!(::core::option::Option::None),
            };
            let loader = random
                .loader
                .as_ref()
                .map(|path| quote_spanned!(path.span()=> .loader::<#path>()));
            quote!(::core::option::Option::Some(
                ::ml_test::__private::RandomWeights::new(#seed) #loader
            ))
        }
        None => quote!(::core::option::Option::None),
    };
    quote! {
        let #scope = ::ml_test::__private::MockScope::install(
            ::std::vec![#(#specs),*],
            #random,
        );
    }
}

/// Compile-time checks of the loaders the attributes name. They sit beside the test fn, not in
/// it, so they run in every build (the test fn exists only under `cfg(test)`).
pub(crate) fn loader_checks(overrides: &Overrides) -> TokenStream {
    let mocked = overrides
        .mocks
        .iter()
        .filter_map(|mock| mock.loader.as_ref())
        .map(|path| {
            quote_spanned!(path.span()=>
                const _: () = ::ml_test::__private::assert_is_loader::<#path>();
            )
        });
    let random = overrides
        .random
        .as_ref()
        .and_then(|(random, _)| random.loader.as_ref())
        .map(|path| {
            quote_spanned!(path.span()=>
                const _: () = ::ml_test::__private::assert_has_random::<#path>();
            )
        });
    quote!(#(#mocked)* #random)
}

fn spec_tokens(position: usize, mock: &MockArgs) -> TokenStream {
    let text = &mock.text;
    let mut spec = quote!(::ml_test::__private::MockSpec::new(#position, #text));
    if let Some(path) = &mock.loader {
        spec.extend(quote_spanned!(path.span()=> .loader::<#path>()));
    }
    match &mock.behaviour {
        Some((_, _, Behaviour::Returns(value))) => {
            let value = value_tokens(
                value,
                mock.loader.as_ref(),
                "returns_literal",
                "returns_value",
            );
            spec.extend(quote!(.#value));
        }
        Some((_, _, Behaviour::ReturnsSeq(values))) => {
            let values = values
                .iter()
                .map(|value| value_tokens(value, mock.loader.as_ref(), "literal", "value"));
            spec.extend(
                quote!(.returns_seq(::std::vec![#(::ml_test::__private::SeqValue::#values),*])),
            );
        }
        Some((_, _, Behaviour::ReturnsFn(closure))) => match &mock.loader {
            Some(path) => spec.extend(quote!(.returns_fn_of::<#path>(#closure))),
            None => spec.extend(quote!(.returns_fn(#closure))),
        },
        Some((_, _, Behaviour::Fails(error))) => spec.extend(quote!(.fails(#error))),
        None => {}
    }
    if let Some((written, duration)) = &mock.latency {
        let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        spec.extend(quote!(.latency(#written, ::ml_test::__private::Duration::from_nanos(#nanos))));
    }
    if let Some(calls) = mock.expect_calls {
        spec.extend(quote!(.expect_calls(#calls)));
    }
    if mock.global {
        spec.extend(quote!(.global()));
    }
    spec
}

/// `literal(..)` or `value(..)`, the method names given. With the loader known, an expression
/// is typed as its output (so `array![99]` infers the element type); without, it keeps its own
/// type and, when numeric, converts at run time.
fn value_tokens(
    value: &ReturnValue,
    loader: Option<&syn::Path>,
    literal_method: &str,
    value_method: &str,
) -> TokenStream {
    match value {
        ReturnValue::Literal(literal) => {
            let method = syn::Ident::new(literal_method, Span::call_site());
            let literal = literal_tokens(literal);
            quote!(#method(#literal))
        }
        ReturnValue::Expr(expr) => {
            let method = syn::Ident::new(value_method, Span::call_site());
            let text = expr.to_token_stream().to_string();
            match loader {
                Some(path) => {
                    let typed = quote_spanned!(expr.span()=>
                        { let value: ::ml_test::__private::OutputOf<#path> = #expr; value }
                    );
                    quote!(#method(#text, ::ml_test::__private::Probed::exact(#typed)))
                }
                None => quote!(#method(#text, ::ml_test::__private::probe_value!(#expr))),
            }
        }
    }
}

fn literal_tokens(literal: &NumericLiteral) -> TokenStream {
    let text = &literal.text;
    let shape = &literal.shape;
    let scalars = literal.numbers.iter().map(|number| match number {
        Number::Int(int) => quote!(::ml_test::__private::Scalar::Int(#int)),
        Number::Float(float) => quote!(::ml_test::__private::Scalar::Float(#float)),
    });
    quote! {
        ::ml_test::__private::Literal::new(#text, &[#(#shape),*], &[#(#scalars),*])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(which: Attribute, args: &str, item: &str) -> String {
        expand_with(
            which,
            args.parse().unwrap(),
            item.parse().unwrap(),
            TierSelection::parse(None),
        )
        .to_string()
    }

    #[test]
    fn handles_move_to_the_body_and_the_scope_supplies_them() {
        let output = expand_str(
            Attribute::MockModel,
            "returns = [99]",
            "fn predicts(mock: Mock) { mock.assert_not_called(); }",
        );
        assert!(output.contains("fn predicts ()"), "{output}");
        assert!(
            output.contains("fn __ml_test_body (mock : Mock)"),
            "{output}"
        );
        assert!(
            output.contains("Literal :: new (\"[99]\" , & [1usize] , & [:: ml_test :: __private :: Scalar :: Int (99i128)])"),
            "{output}"
        );
        assert!(
            output.contains("__ml_test_body (__ml_test_scope . handle (0usize))"),
            "{output}"
        );
        assert!(output.contains("Tier :: Unit"), "{output}");
    }

    #[test]
    fn stacked_attributes_and_ml_test_below_make_one_test() {
        let output = expand_str(
            Attribute::MockModel,
            "loader = a::load, returns = [1]",
            "#[mock_model(loader = b::load, fails = \"down\", global)] #[ml_test(slow)] fn t(a: Mock, b: Mock) {}",
        );
        assert_eq!(
            output.matches("prelude :: v1 :: test").count(),
            1,
            "{output}"
        );
        assert!(output.contains("Tier :: Slow"), "{output}");
        assert!(
            !output.contains("mock_model ("),
            "the attribute below is consumed: {output}"
        );
        assert!(output.contains(". loader :: < a :: load > ()"), "{output}");
        assert!(
            output.contains(". fails (\"down\") . global ()"),
            "{output}"
        );
        assert!(
            output.contains("assert_is_loader :: < b :: load > ()"),
            "{output}"
        );
    }

    #[test]
    fn an_expression_without_a_loader_is_probed_for_numbers() {
        let output = expand_str(Attribute::MockModel, "returns = scores()", "fn t() {}");
        assert!(
            output.contains("returns_value (\"scores ()\" , :: ml_test :: __private :: probe_value ! (scores ()))"),
            "{output}"
        );
    }
}
