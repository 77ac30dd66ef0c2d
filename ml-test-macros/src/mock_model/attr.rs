//! The arguments of `#[mock_model(...)]` and `#[random_weights(...)]`.

use std::time::Duration;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{Expr, ExprClosure, Lit, Meta, Pat, Path, UnOp};

use crate::diag::{Errors, key_of, unknown_key};
use crate::ml_test::{parse_duration, parse_seed};

const MOCK_KEYS: [&str; 8] = [
    "returns",
    "returns_seq",
    "returns_fn",
    "fails",
    "latency",
    "expect_calls",
    "loader",
    "global",
];

fn mock_accepted() -> &'static str {
    "accepted: `returns = <array literal or expression>`, `returns_seq = [<value>, ..]`, \
     `returns_fn = |input| ..`, `fails = <error>`, `latency = \"50ms\"`, `expect_calls = <integer>`, \
     `loader = <path to a #[model_loader] fn>`, `global`"
}

/// A number of a literal, as written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Number {
    Int(i128),
    Float(f64),
}

/// A rectangular numeric literal: `99`, `[99]`, `[[0.1, 0.9], [0.8, 0.2]]`.
#[derive(Debug)]
pub(crate) struct NumericLiteral {
    pub(crate) text: String,
    pub(crate) shape: Vec<usize>,
    pub(crate) numbers: Vec<Number>,
}

/// One return value: a numeric literal (converted to the loader's output type at run time) or an
/// expression of some type.
pub(crate) enum ReturnValue {
    Literal(NumericLiteral),
    Expr(Expr),
}

pub(crate) enum Behaviour {
    Returns(ReturnValue),
    ReturnsSeq(Vec<ReturnValue>),
    ReturnsFn(ExprClosure),
    Fails(Expr),
}

/// What one `#[mock_model(...)]` asked for.
pub(crate) struct MockArgs {
    /// The arguments as written, for runtime messages.
    pub(crate) text: String,
    /// Where the attribute is, for errors about it as a whole.
    pub(crate) span: Span,
    pub(crate) loader: Option<Path>,
    pub(crate) behaviour: Option<(&'static str, Span, Behaviour)>,
    pub(crate) latency: Option<(String, Duration)>,
    pub(crate) expect_calls: Option<usize>,
    pub(crate) global: bool,
}

/// Reads `#[mock_model(...)]`'s arguments, reporting every problem at its token.
pub(crate) fn parse_mock(args: TokenStream, span: Span, errors: &mut Errors) -> MockArgs {
    let mut parsed = MockArgs {
        text: args.to_string(),
        span,
        loader: None,
        behaviour: None,
        latency: None,
        expect_calls: None,
        global: false,
    };
    let metas = crate::diag::parse_metas(args, errors);
    let mut seen: Vec<String> = Vec::new();
    for meta in metas {
        let (key, key_span) = key_of(&meta);
        if !MOCK_KEYS.contains(&key.as_str()) {
            unknown_key(
                "#[mock_model]",
                &key,
                key_span,
                MOCK_KEYS,
                mock_accepted(),
                errors,
            );
            continue;
        }
        if seen.contains(&key) {
            errors.at(key_span, format_args!("`{key}` is given twice"));
            continue;
        }
        seen.push(key.clone());
        let value = match (meta, key.as_str()) {
            (Meta::Path(_), "global") => {
                parsed.global = true;
                continue;
            }
            (meta, "global") => {
                errors.spanned(
                    meta,
                    "`global` takes no value: write `#[mock_model(global, ..)]`",
                );
                continue;
            }
            (Meta::NameValue(pair), _) => pair.value,
            _ => {
                errors.at(
                    key_span,
                    format_args!("`{key}` needs a value; {}", mock_accepted()),
                );
                continue;
            }
        };
        let name = MOCK_KEYS
            .iter()
            .copied()
            .find(|known| *known == key)
            .expect("a known key");
        let behaviour = match (name, value) {
            ("loader", Expr::Path(path)) if path.qself.is_none() => {
                parsed.loader = Some(path.path);
                continue;
            }
            ("loader", other) => {
                errors.spanned(
                    other,
                    "`loader` takes the path of a fn marked #[model_loader], e.g. `loader = serving::load_model`",
                );
                continue;
            }
            ("latency", value) => {
                parsed.latency = parse_duration("latency", &value, errors);
                continue;
            }
            ("expect_calls", value) => {
                parsed.expect_calls = parse_count(&value, errors);
                continue;
            }
            ("returns", value) => Some(Behaviour::Returns(return_value(value, errors))),
            ("returns_seq", value) => returns_seq(value, errors).map(Behaviour::ReturnsSeq),
            ("returns_fn", Expr::Closure(closure)) => Some(Behaviour::ReturnsFn(closure)),
            ("returns_fn", other) => {
                errors.spanned(
                    other,
                    "`returns_fn` takes a closure from the input to the output, e.g. \
                     `returns_fn = |input| input.map(|x| x * 2.0)`",
                );
                None
            }
            (_, value) => Some(Behaviour::Fails(value)),
        };
        match (&parsed.behaviour, behaviour) {
            (Some((first, _, _)), _) => errors.at(
                key_span,
                format_args!(
                    "`{name}` and `{first}` both say what the mock answers; give one \
                     (`returns`, `returns_seq`, `returns_fn` or `fails`)"
                ),
            ),
            (None, Some(behaviour)) => parsed.behaviour = Some((name, key_span, behaviour)),
            (None, None) => {}
        }
    }
    parsed
}

fn parse_count(value: &Expr, errors: &mut Errors) -> Option<usize> {
    if let Expr::Lit(syn::ExprLit {
        lit: Lit::Int(int), ..
    }) = value
        && let Ok(count) = int.base10_parse::<usize>()
    {
        return Some(count);
    }
    errors.spanned(
        value,
        "`expect_calls` takes a whole number of calls, e.g. `expect_calls = 1`",
    );
    None
}

fn returns_seq(value: Expr, errors: &mut Errors) -> Option<Vec<ReturnValue>> {
    match value {
        Expr::Array(array) if !array.elems.is_empty() => Some(
            array
                .elems
                .into_iter()
                .map(|elem| return_value(elem, errors))
                .collect(),
        ),
        other => {
            errors.spanned(
                other,
                "`returns_seq` takes a non-empty list with one value per call, e.g. `returns_seq = [[1], [0]]`",
            );
            None
        }
    }
}

/// A numeric literal when the value is one (numbers, nested brackets), else the expression.
fn return_value(value: Expr, errors: &mut Errors) -> ReturnValue {
    if !looks_numeric(&value) {
        return ReturnValue::Expr(value);
    }
    let mut literal = NumericLiteral {
        text: value.to_token_stream().to_string().replace(" ,", ","),
        shape: Vec::new(),
        numbers: Vec::new(),
    };
    match shape_of(&value, &mut literal.numbers, errors) {
        Some(shape) => literal.shape = shape,
        None => return ReturnValue::Expr(value),
    }
    ReturnValue::Literal(literal)
}

/// Whether `value` is made of numbers and brackets only.
fn looks_numeric(value: &Expr) -> bool {
    match value {
        Expr::Array(array) => array.elems.iter().all(looks_numeric),
        Expr::Lit(lit) => matches!(lit.lit, Lit::Int(_) | Lit::Float(_)),
        Expr::Unary(unary) => matches!(unary.op, UnOp::Neg(_)) && looks_numeric(&unary.expr),
        Expr::Group(group) => looks_numeric(&group.expr),
        _ => false,
    }
}

/// The shape of a numeric literal, pushing its numbers; `None` (with an error at the row) when
/// it is ragged.
fn shape_of(value: &Expr, numbers: &mut Vec<Number>, errors: &mut Errors) -> Option<Vec<usize>> {
    match value {
        Expr::Array(array) => {
            let mut row_shape: Option<Vec<usize>> = None;
            for elem in &array.elems {
                let shape = shape_of(elem, numbers, errors)?;
                match &row_shape {
                    None => row_shape = Some(shape),
                    Some(first) if *first == shape => {}
                    Some(first) => {
                        errors.spanned(
                            elem,
                            format_args!(
                                "ragged literal: this entry has shape {:?} but the first has {:?}; \
                                 every row of an array literal has the same length",
                                shape, first
                            ),
                        );
                        return None;
                    }
                }
            }
            let mut shape = vec![array.elems.len()];
            shape.extend(row_shape.unwrap_or_default());
            Some(shape)
        }
        Expr::Group(group) => shape_of(&group.expr, numbers, errors),
        Expr::Unary(unary) => {
            let start = numbers.len();
            let shape = shape_of(&unary.expr, numbers, errors)?;
            for number in &mut numbers[start..] {
                *number = match *number {
                    Number::Int(int) => Number::Int(-int),
                    Number::Float(float) => Number::Float(-float),
                };
            }
            Some(shape)
        }
        Expr::Lit(lit) => {
            let number = match &lit.lit {
                Lit::Int(int) if int.suffix().starts_with('f') => {
                    int.base10_parse::<f64>().ok().map(Number::Float)
                }
                Lit::Int(int) => int.base10_parse::<i128>().ok().map(Number::Int),
                Lit::Float(float) => float.base10_parse::<f64>().ok().map(Number::Float),
                _ => None,
            };
            match number {
                Some(number) => numbers.push(number),
                None => {
                    errors.spanned(lit, "this number does not fit in 128 bits");
                    return None;
                }
            }
            Some(Vec::new())
        }
        _ => None,
    }
}

impl MockArgs {
    /// Problems only the whole attribute shows.
    pub(crate) fn check(&self, errors: &mut Errors) {
        if let Some((_, _, Behaviour::ReturnsFn(closure))) = &self.behaviour
            && self.loader.is_none()
            && let Some(input) = closure.inputs.first()
            && !matches!(input, Pat::Type(_))
        {
            errors.spanned(
                input,
                "without `loader = path` the closure's input type cannot be inferred: name the \
                 loader (`loader = serving::load_model`) or the type (`|input: &Array2<f32>| ..`)",
            );
        }
    }
}

/// What `#[random_weights(...)]` asked for.
#[derive(Default)]
pub(crate) struct RandomArgs {
    pub(crate) seed: Option<u64>,
    pub(crate) loader: Option<Path>,
}

const RANDOM_KEYS: [&str; 2] = ["seed", "loader"];

/// Reads `#[random_weights(...)]`'s arguments.
pub(crate) fn parse_random(args: TokenStream, errors: &mut Errors) -> RandomArgs {
    let mut parsed = RandomArgs::default();
    let accepted = "accepted: `seed = <integer>` (default: the test's seed), \
                    `loader = <path to a #[model_loader(random = ..)] fn>`";
    let metas = crate::diag::parse_metas(args, errors);
    for meta in metas {
        let (key, span) = key_of(&meta);
        let Meta::NameValue(pair) = meta else {
            if RANDOM_KEYS.contains(&key.as_str()) {
                errors.at(span, format_args!("`{key}` needs a value; {accepted}"));
            } else {
                unknown_key(
                    "#[random_weights]",
                    &key,
                    span,
                    RANDOM_KEYS,
                    accepted,
                    errors,
                );
            }
            continue;
        };
        match (key.as_str(), pair.value) {
            ("seed", _) if parsed.seed.is_some() => errors.at(span, "`seed` is given twice"),
            ("seed", value) => parsed.seed = parse_seed(&value, errors),
            ("loader", _) if parsed.loader.is_some() => errors.at(span, "`loader` is given twice"),
            ("loader", Expr::Path(path)) if path.qself.is_none() => parsed.loader = Some(path.path),
            ("loader", other) => errors.spanned(
                other,
                "`loader` takes the path of a fn marked #[model_loader(random = ..)]",
            ),
            _ => unknown_key(
                "#[random_weights]",
                &key,
                span,
                RANDOM_KEYS,
                accepted,
                errors,
            ),
        }
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literal(text: &str) -> NumericLiteral {
        let expr: Expr = syn::parse_str(text).unwrap();
        let mut errors = Errors::default();
        match return_value(expr, &mut errors) {
            ReturnValue::Literal(literal) => literal,
            ReturnValue::Expr(_) => panic!("{text} is not read as a literal"),
        }
    }

    #[test]
    fn literals_keep_shape_sign_and_kind() {
        let lit = literal("[[1, -2], [3.5, 4]]");
        assert_eq!(lit.shape, vec![2, 2]);
        assert_eq!(
            lit.numbers,
            vec![
                Number::Int(1),
                Number::Int(-2),
                Number::Float(3.5),
                Number::Int(4)
            ]
        );
        assert_eq!(literal("99").shape, Vec::<usize>::new());
        assert_eq!(literal("[99]").text, "[99]");
        assert_eq!(literal("[]").shape, vec![0]);
    }

    #[test]
    fn expressions_and_ragged_literals_are_not_literals() {
        let mut errors = Errors::default();
        let expr: Expr = syn::parse_str("array![99]").unwrap();
        assert!(matches!(
            return_value(expr, &mut errors),
            ReturnValue::Expr(_)
        ));
        let ragged: Expr = syn::parse_str("[[1, 2], [3]]").unwrap();
        assert!(matches!(
            return_value(ragged, &mut errors),
            ReturnValue::Expr(_)
        ));
        assert!(!errors.is_empty(), "a ragged literal is an error");
    }
}
