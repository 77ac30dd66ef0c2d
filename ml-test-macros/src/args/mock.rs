//! `#[mock_model(...)]` and `#[random_weights(...)]`: the overrides a test installs for model
//! loaders.

use std::time::Duration;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{Expr, ExprClosure, Lit, Pat, Path, UnOp};

use super::SEED;
use crate::diag::Errors;
use crate::options::{self, Decl, Grammar, Opt};

const RETURNS: Opt<Expr> = Opt::expr("returns", "returns = [99]");
const RETURNS_SEQ: Opt<Expr> = Opt::expr("returns_seq", "returns_seq = [[1], [0]]");
const RETURNS_FN: Opt<Expr> = Opt::expr("returns_fn", "returns_fn = |input| input.len()");
const FAILS: Opt<Expr> = Opt::expr("fails", "fails = \"model unavailable\"");
const LATENCY: Opt<(String, Duration)> = Opt::duration("latency", "latency = \"50ms\"");
const EXPECT_CALLS: Opt<u128> = Opt::int(
    "expect_calls",
    (0, u32::MAX as u128),
    "usize",
    "",
    "expect_calls = 1",
);
const LOADER: Opt<Path> = Opt::path(
    "loader",
    "a fn marked #[model_loader]",
    "loader = serving::load_model",
);
const GLOBAL: Opt<bool> = Opt::flag("global", "global");

/// The options that say what the mock answers; a mock has at most one.
const BEHAVIOURS: [Opt<Expr>; 4] = [RETURNS, RETURNS_SEQ, RETURNS_FN, FAILS];

const MOCK_DECLS: &[Decl] = &[
    RETURNS.decl,
    RETURNS_SEQ.decl,
    RETURNS_FN.decl,
    FAILS.decl,
    LATENCY.decl,
    EXPECT_CALLS.decl,
    LOADER.decl,
    GLOBAL.decl,
];

pub(crate) const MOCK_GRAMMAR: Grammar = Grammar {
    attribute: "mock_model",
    noun: "#[mock_model] option",
    decls: MOCK_DECLS,
    words: &[],
    word_kind: "",
    accepted: || {
        "accepted: `returns = <array literal or expression>`, `returns_seq = [<value>, ..]`, \
         `returns_fn = |input| ..`, `fails = <error>`, `latency = \"50ms\"`, `expect_calls = <integer>`, \
         `loader = <path to a #[model_loader] fn>`, `global`"
            .into()
    },
    misplaced: None,
};

const RANDOM_LOADER: Opt<Path> = Opt::path(
    "loader",
    "a fn marked #[model_loader(random = ..)]",
    "loader = serving::load_model",
);

const RANDOM_DECLS: &[Decl] = &[SEED.decl, RANDOM_LOADER.decl];

pub(crate) const RANDOM_GRAMMAR: Grammar = Grammar {
    attribute: "random_weights",
    noun: "#[random_weights] option",
    decls: RANDOM_DECLS,
    words: &[],
    word_kind: "",
    accepted: || {
        "accepted: `seed = <integer>` (default: the test's seed), \
         `loader = <path to a #[model_loader(random = ..)] fn>`"
            .into()
    },
    misplaced: None,
};

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
    pub(crate) behaviour: Option<Behaviour>,
    pub(crate) latency: Option<(String, Duration)>,
    pub(crate) expect_calls: Option<u32>,
    pub(crate) global: bool,
}

/// Reads `#[mock_model(...)]`'s arguments, reporting every problem at its token.
pub(crate) fn parse_mock(args: TokenStream, span: Span, errors: &mut Errors) -> MockArgs {
    let text = args.to_string();
    let mut options = options::parse(&MOCK_GRAMMAR, args, errors);
    let given: Vec<&Opt<Expr>> = BEHAVIOURS
        .iter()
        .filter(|opt| options.span(opt).is_some())
        .collect();
    if let [first, second, ..] = given[..] {
        errors.at(
            options.span(second).unwrap_or(span),
            format_args!(
                "`{}` and `{}` both say what the mock answers; give one \
                 (`returns`, `returns_seq`, `returns_fn` or `fails`)",
                second.key(),
                first.key()
            ),
        );
    }
    let behaviour = given.first().and_then(|opt| {
        let value = options.take(*opt)?;
        match opt.key() {
            key if key == RETURNS.key() => return_value(value, errors).map(Behaviour::Returns),
            key if key == RETURNS_SEQ.key() => {
                returns_seq(value, errors).map(Behaviour::ReturnsSeq)
            }
            key if key == RETURNS_FN.key() => match value {
                Expr::Closure(closure) => Some(Behaviour::ReturnsFn(closure)),
                other => {
                    errors.spanned(
                        other,
                        "`returns_fn` takes a closure from the input to the output, e.g. \
                         `returns_fn = |input| input.map(|x| x * 2.0)`",
                    );
                    None
                }
            },
            _ => Some(Behaviour::Fails(value)),
        }
    });
    let mock = MockArgs {
        text,
        span,
        loader: options.take(&LOADER),
        behaviour,
        latency: options.get(&LATENCY),
        expect_calls: options
            .get(&EXPECT_CALLS)
            .and_then(|n| u32::try_from(n).ok()),
        global: options.flag(&GLOBAL),
    };
    mock.check(errors);
    mock
}

impl MockArgs {
    /// Problems only the whole attribute shows.
    fn check(&self, errors: &mut Errors) {
        if let Some(Behaviour::ReturnsFn(closure)) = &self.behaviour
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

fn returns_seq(value: Expr, errors: &mut Errors) -> Option<Vec<ReturnValue>> {
    match value {
        Expr::Array(array) if !array.elems.is_empty() => {
            let values: Vec<Option<ReturnValue>> = array
                .elems
                .into_iter()
                .map(|elem| return_value(elem, errors))
                .collect();
            values.into_iter().collect()
        }
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
/// `None` (with an error) for a literal no model returns or one that cannot be read.
fn return_value(value: Expr, errors: &mut Errors) -> Option<ReturnValue> {
    if let Expr::Lit(lit) = &value
        && let Some(kind) = match lit.lit {
            Lit::ByteStr(_) => Some("a byte string"),
            Lit::Byte(_) => Some("a byte literal"),
            Lit::CStr(_) => Some("a C string"),
            Lit::Verbatim(_) => Some("this literal"),
            _ => None,
        }
    {
        errors.spanned(
            lit,
            format_args!(
                "{kind} is not a model's output; the mock returns a number or an array of numbers \
                 (`returns = [99]`), a string, or an expression of the loader's output type \
                 (`returns = array![0.1, 0.9]`)"
            ),
        );
        return None;
    }
    if !looks_numeric(&value) {
        return Some(ReturnValue::Expr(value));
    }
    let mut literal = NumericLiteral {
        text: value.to_token_stream().to_string().replace(" ,", ","),
        shape: Vec::new(),
        numbers: Vec::new(),
    };
    literal.shape = shape_of(&value, &mut literal.numbers, errors)?;
    Some(ReturnValue::Literal(literal))
}

/// Whether `value` is made of number literals (each with an optional `-`) and brackets only.
fn looks_numeric(value: &Expr) -> bool {
    match value {
        Expr::Array(array) => array.elems.iter().all(looks_numeric),
        Expr::Lit(lit) => matches!(lit.lit, Lit::Int(_) | Lit::Float(_)),
        Expr::Unary(unary) => {
            matches!(unary.op, UnOp::Neg(_))
                && matches!(&*unary.expr, Expr::Lit(lit) if matches!(lit.lit, Lit::Int(_) | Lit::Float(_)))
        }
        Expr::Group(group) => looks_numeric(&group.expr),
        _ => false,
    }
}

/// The shape of a numeric literal, pushing its numbers; `None` (with an error at the entry) when
/// it is ragged or a number cannot be read.
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
                                "ragged literal: this entry has shape {shape:?} but the first has \
                                 {first:?}; every row of an array literal has the same length"
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
            let Expr::Lit(lit) = &*unary.expr else {
                return None;
            };
            let number = number(&lit.lit, true, errors)?;
            numbers.push(number);
            Some(Vec::new())
        }
        Expr::Lit(lit) => {
            numbers.push(number(&lit.lit, false, errors)?);
            Some(Vec::new())
        }
        _ => None,
    }
}

/// One number of a literal: it must fit its suffix, if it has one, and be finite.
fn number(lit: &Lit, negative: bool, errors: &mut Errors) -> Option<Number> {
    let sign = |x: f64| if negative { -x } else { x };
    let (number, suffix) = match lit {
        Lit::Int(int) if int.suffix().starts_with('f') => (
            int.base10_parse::<f64>()
                .ok()
                .map(|x| Number::Float(sign(x))),
            int.suffix(),
        ),
        Lit::Int(int) => (
            int.base10_parse::<i128>()
                .ok()
                .map(|x| Number::Int(if negative { -x } else { x })),
            int.suffix(),
        ),
        Lit::Float(float) => (
            float
                .base10_parse::<f64>()
                .ok()
                .map(|x| Number::Float(sign(x))),
            float.suffix(),
        ),
        _ => (None, ""),
    };
    let Some(number) = number else {
        errors.spanned(lit, "this number does not fit in 128 bits");
        return None;
    };
    if let Number::Float(float) = number
        && !float.is_finite()
    {
        errors.spanned(
            lit,
            "this number does not fit in an f64 (it overflows to infinity); write a finite number",
        );
        return None;
    }
    if !suffix.is_empty() && !fits_suffix(number, suffix) {
        errors.spanned(
            lit,
            format_args!(
                "this number does not fit its `{suffix}` suffix; remove the suffix (the literal \
                 becomes the loader's output type) or fix the number"
            ),
        );
        return None;
    }
    Some(number)
}

/// Whether `number` is a value of the primitive type `suffix`.
fn fits_suffix(number: Number, suffix: &str) -> bool {
    macro_rules! fits {
        ($($ty:ident),*) => {
            match (number, suffix) {
                $((Number::Int(int), stringify!($ty)) => $ty::try_from(int).is_ok(),)*
                (Number::Int(_) | Number::Float(_), "f64") => true,
                (Number::Int(int), "f32") => (int as f32).is_finite(),
                (Number::Float(float), "f32") => (float as f32).is_finite(),
                _ => false,
            }
        };
    }
    fits!(
        i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
    )
}

/// What `#[random_weights(...)]` asked for.
pub(crate) struct RandomArgs {
    /// Where the attribute is.
    pub(crate) span: Span,
    pub(crate) seed: Option<u64>,
    pub(crate) loader: Option<Path>,
}

/// Reads `#[random_weights(...)]`'s arguments.
pub(crate) fn parse_random(args: TokenStream, span: Span, errors: &mut Errors) -> RandomArgs {
    let mut options = options::parse(&RANDOM_GRAMMAR, args, errors);
    RandomArgs {
        span,
        seed: options.get(&SEED).and_then(|seed| u64::try_from(seed).ok()),
        loader: options.take(&RANDOM_LOADER),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literal(text: &str) -> NumericLiteral {
        let expr: Expr = syn::parse_str(text).unwrap();
        let mut errors = Errors::default();
        match return_value(expr, &mut errors) {
            Some(ReturnValue::Literal(literal)) => literal,
            _ => panic!("{text} is not read as a literal"),
        }
    }

    fn error_of(text: &str) -> String {
        let expr: Expr = syn::parse_str(text).unwrap();
        let mut errors = Errors::default();
        assert!(return_value(expr, &mut errors).is_none(), "{text}");
        errors.to_compile_errors().to_string()
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
        assert_eq!(literal("[255u8, 1e38f32]").numbers.len(), 2);
    }

    #[test]
    fn expressions_are_not_literals_and_bad_literals_are_errors() {
        let mut errors = Errors::default();
        let expr: Expr = syn::parse_str("array![99]").unwrap();
        assert!(matches!(
            return_value(expr, &mut errors),
            Some(ReturnValue::Expr(_))
        ));
        assert!(errors.is_empty());
        assert!(error_of("[[1, 2], [3]]").contains("ragged literal"));
        assert!(error_of("1e400").contains("overflows to infinity"));
        assert!(error_of("[300u8]").contains("does not fit its `u8` suffix"));
        assert!(error_of("[1e39f32]").contains("does not fit its `f32` suffix"));
        assert!(error_of("b\"30s\"").contains("a byte string is not a model's output"));
        assert!(error_of("[999999999999999999999999999999999999999999]").contains("128 bits"));
    }
}
