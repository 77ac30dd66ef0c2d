//! One engine for the options of every attribute. Each attribute declares each option once, as
//! an [`Opt`] constant (key, kind, rules, an example, and the type its value reads back as); the
//! engine reads the written arguments against the declarations and reports every problem at its
//! token: unknown keys (with the closest known one), duplicates,
//! a missing or unexpected value, literals of the wrong kind, numbers that overflow or break the
//! option's rule, suffixes that do not fit, non-finite floats. An attribute module is left with
//! what is specific to it.

use std::marker::PhantomData;
use std::time::Duration;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, Meta, UnOp};

use crate::diag::Errors;

/// What an option takes.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    /// `key`: no value.
    Flag,
    /// `key = 42`: an integer literal from `min` to `max`. A suffix, if written, must be `ty`.
    /// `below_min` says why a smaller number makes no sense ("" if it goes without saying).
    Int {
        min: u128,
        max: u128,
        ty: &'static str,
        below_min: &'static str,
    },
    /// `key = 0.5`: a finite number literal (integer or float, a leading `-` allowed) that
    /// `rule` accepts; `rule_text` says what the rule is.
    Float {
        rule: fn(f64) -> bool,
        rule_text: &'static str,
    },
    /// `key = "30s"`: a duration string in humantime's grammar, above zero.
    Duration,
    /// `key = path::to::item`; `what` says what the path names.
    Path { what: &'static str },
    /// `key = <expression>`, read by the attribute.
    Expr,
    /// `key(..)`: nested arguments, read by the attribute.
    List,
}

/// One option an attribute accepts, as its grammar lists it (see [`Opt`], which declares it).
#[derive(Clone, Copy)]
pub(crate) struct Decl {
    pub(crate) key: &'static str,
    pub(crate) kind: Kind,
    /// How it is written, for messages: `seed = 42`.
    pub(crate) example: &'static str,
}

impl Decl {
    const fn new(key: &'static str, kind: Kind, example: &'static str) -> Decl {
        Decl { key, kind, example }
    }
}

/// An option, declared once: what the engine checks it against ([`Decl`]) and the type its
/// value reads back as, fixed by the constructor of its kind. An attribute's grammar lists
/// `OPT.decl`, and its parser reads the value through the same constant (`options.get(&SEED)`),
/// never through a string, so a misspelt option is a compile error rather than a silent `None`.
pub(crate) struct Opt<T> {
    pub(crate) decl: Decl,
    value: PhantomData<fn() -> T>,
}

impl<T> Opt<T> {
    const fn of(key: &'static str, kind: Kind, example: &'static str) -> Opt<T> {
        Opt {
            decl: Decl::new(key, kind, example),
            value: PhantomData,
        }
    }

    /// The option's key, as users write it.
    pub(crate) const fn key(&self) -> &'static str {
        self.decl.key
    }
}

impl Opt<bool> {
    /// `key`: no value.
    pub(crate) const fn flag(key: &'static str, example: &'static str) -> Opt<bool> {
        Opt::of(key, Kind::Flag, example)
    }
}

impl Opt<u128> {
    /// `key = 42`, an integer from `min` to `max` (see [`Kind::Int`]).
    pub(crate) const fn int(
        key: &'static str,
        (min, max): (u128, u128),
        ty: &'static str,
        below_min: &'static str,
        example: &'static str,
    ) -> Opt<u128> {
        Opt::of(
            key,
            Kind::Int {
                min,
                max,
                ty,
                below_min,
            },
            example,
        )
    }
}

impl Opt<f64> {
    /// `key = 0.5`, a finite number that `rule` accepts (see [`Kind::Float`]).
    pub(crate) const fn float(
        key: &'static str,
        rule: fn(f64) -> bool,
        rule_text: &'static str,
        example: &'static str,
    ) -> Opt<f64> {
        Opt::of(key, Kind::Float { rule, rule_text }, example)
    }
}

impl Opt<(String, Duration)> {
    /// `key = "30s"`.
    pub(crate) const fn duration(
        key: &'static str,
        example: &'static str,
    ) -> Opt<(String, Duration)> {
        Opt::of(key, Kind::Duration, example)
    }
}

impl Opt<syn::Path> {
    /// `key = path::to::item`, naming `what`.
    pub(crate) const fn path(
        key: &'static str,
        what: &'static str,
        example: &'static str,
    ) -> Opt<syn::Path> {
        Opt::of(key, Kind::Path { what }, example)
    }
}

impl Opt<Expr> {
    /// `key = <expression>`.
    pub(crate) const fn expr(key: &'static str, example: &'static str) -> Opt<Expr> {
        Opt::of(key, Kind::Expr, example)
    }
}

impl Opt<syn::MetaList> {
    /// `key(..)`.
    pub(crate) const fn list(key: &'static str, example: &'static str) -> Opt<syn::MetaList> {
        Opt::of(key, Kind::List, example)
    }
}

/// The options of one attribute.
pub(crate) struct Grammar {
    /// `ml_test`, for messages.
    pub(crate) attribute: &'static str,
    /// What a key is called in messages: `#[mock_model] option`, `tier or option`, ...
    pub(crate) noun: &'static str,
    pub(crate) decls: &'static [Decl],
    /// Bare words accepted besides the options (`#[ml_test]`'s tiers), with what they are.
    pub(crate) words: &'static [&'static str],
    pub(crate) word_kind: &'static str,
    /// The list of what is accepted, ending every message about an unknown key.
    pub(crate) accepted: fn() -> String,
    /// A better message for a bare word that is not accepted (an `#[overfit_check]` check
    /// written as an option), if there is one.
    pub(crate) misplaced: Option<fn(&str) -> Option<String>>,
}

/// A value the engine read and validated.
pub(crate) enum Value {
    Flag,
    Int(u128),
    Float(f64),
    Duration(String, Duration),
    Path(syn::Path),
    Expr(Expr),
    List(syn::MetaList),
}

/// One option as written: its key, where, and its value unless the value was rejected.
pub(crate) struct Given {
    pub(crate) key: &'static str,
    pub(crate) span: Span,
    pub(crate) value: Option<Value>,
}

/// Every option and word given to one attribute.
#[derive(Default)]
pub(crate) struct Options {
    pub(crate) given: Vec<Given>,
    pub(crate) words: Vec<(&'static str, Span)>,
}

impl Options {
    fn value<T>(&self, opt: &Opt<T>) -> Option<&Value> {
        self.given
            .iter()
            .find(|given| given.key == opt.key())
            .and_then(|given| given.value.as_ref())
    }

    /// Where `key` is written, whether or not its value was valid.
    fn span_of_key(&self, key: &str) -> Option<Span> {
        self.given
            .iter()
            .find(|given| given.key == key)
            .map(|given| given.span)
    }

    /// Where the option is written, whether or not its value was valid.
    pub(crate) fn span<T>(&self, opt: &Opt<T>) -> Option<Span> {
        self.span_of_key(opt.key())
    }

    /// Whether the flag is given.
    pub(crate) fn flag(&self, opt: &Opt<bool>) -> bool {
        matches!(self.value(opt), Some(Value::Flag))
    }

    /// The option's value, if it is given and valid.
    pub(crate) fn get<T: Read>(&self, opt: &Opt<T>) -> Option<T> {
        self.value(opt).and_then(T::read)
    }

    /// The option's value, if it is given and valid (syn's nodes are not `Clone` with the
    /// features we use: the value is borrowed).
    pub(crate) fn get_ref<T: Borrowed>(&self, opt: &Opt<T>) -> Option<&T> {
        self.value(opt).and_then(T::borrow)
    }

    /// Takes the option's value out.
    pub(crate) fn take<T: Borrowed>(&mut self, opt: &Opt<T>) -> Option<T> {
        let value = self
            .given
            .iter_mut()
            .find(|given| given.key == opt.key())
            .and_then(|given| given.value.take())?;
        T::take(value)
    }
}

/// A value type read back by copy: what an `Int`, `Float` or `Duration` option holds.
pub(crate) trait Read: Sized {
    fn read(value: &Value) -> Option<Self>;
}

impl Read for u128 {
    fn read(value: &Value) -> Option<u128> {
        match value {
            Value::Int(int) => Some(*int),
            _ => None,
        }
    }
}

impl Read for f64 {
    fn read(value: &Value) -> Option<f64> {
        match value {
            Value::Float(float) => Some(*float),
            _ => None,
        }
    }
}

impl Read for (String, Duration) {
    fn read(value: &Value) -> Option<(String, Duration)> {
        match value {
            Value::Duration(written, duration) => Some((written.clone(), *duration)),
            _ => None,
        }
    }
}

/// A syn node an option holds (`Path`, `Expr`, `MetaList`): borrowed or taken out.
pub(crate) trait Borrowed: Sized {
    fn borrow(value: &Value) -> Option<&Self>;
    fn take(value: Value) -> Option<Self>;
}

/// `Borrowed` for each syn node an option holds, with the `Value` variant that holds it.
macro_rules! borrowed {
    ($($node:ty => $variant:ident),* $(,)?) => {$(
        impl Borrowed for $node {
            fn borrow(value: &Value) -> Option<&$node> {
                match value {
                    Value::$variant(node) => Some(node),
                    _ => None,
                }
            }
            fn take(value: Value) -> Option<$node> {
                match value {
                    Value::$variant(node) => Some(node),
                    _ => None,
                }
            }
        }
    )*};
}

borrowed!(syn::Path => Path, Expr => Expr, syn::MetaList => List);

/// Reads `args` against `grammar`, reporting every problem.
pub(crate) fn parse(grammar: &Grammar, args: TokenStream, errors: &mut Errors) -> Options {
    let mut options = Options::default();
    for meta in parse_metas(args, errors) {
        let path = meta.path();
        let key_span = path
            .segments
            .last()
            .map_or_else(|| path.span(), |segment| segment.ident.span());
        let key = path.get_ident().map(ToString::to_string);
        let Some(key) = key else {
            errors.at(
                key_span,
                format_args!(
                    "expected a {}, found a path; {}",
                    grammar.noun,
                    (grammar.accepted)()
                ),
            );
            continue;
        };
        if let Some(word) = grammar.words.iter().find(|word| **word == key) {
            match meta {
                Meta::Path(_) => options.words.push((word, key_span)),
                _ => errors.at(
                    key_span,
                    format_args!(
                        "`{key}` is a {} and takes no value: write `#[{}({key})]`",
                        grammar.word_kind, grammar.attribute
                    ),
                ),
            }
            continue;
        }
        let Some(decl) = grammar.decls.iter().find(|decl| decl.key == key) else {
            if let Some(message) = grammar.misplaced.and_then(|misplaced| misplaced(&key)) {
                errors.at(key_span, message);
            } else {
                unknown(grammar, &key, key_span, errors);
            }
            continue;
        };
        if options.span_of_key(decl.key).is_some() {
            errors.at(key_span, format_args!("`{key}` is given twice"));
            continue;
        }
        let value = read_value(grammar, decl, meta, key_span, errors);
        options.given.push(Given {
            key: decl.key,
            span: key_span,
            value,
        });
    }
    options
}

/// An attribute's comma-separated arguments (`key`, `key = value`, `key(..)`); on a syntax error
/// the error is recorded and there are none.
fn parse_metas(args: TokenStream, errors: &mut Errors) -> Vec<Meta> {
    use syn::parse::Parser;
    if let Some(metas) = literal_metas(&args) {
        return metas;
    }
    let last = args.clone().into_iter().last();
    match syn::punctuated::Punctuated::<Meta, syn::Token![,]>::parse_terminated.parse2(args) {
        Ok(metas) => metas.into_iter().collect(),
        // syn reports a list that stops short (`seed =`) at the whole attribute; point at the
        // token it stops after instead.
        Err(error) if error.to_string().starts_with("unexpected end of input") => {
            match last {
                Some(last) => errors.at(
                    last.span(),
                    format_args!("the arguments end after `{last}`: {error}"),
                ),
                None => errors.push(error),
            }
            Vec::new()
        }
        Err(error) => {
            errors.push(error);
            Vec::new()
        }
    }
}

/// The common arguments, read without syn's expression parser (a test suite's build pays for each
/// attribute's parse): words and `key = value` pairs whose values are literals, negated literals
/// or bracketed lists of them (`seed = 7`, `returns = [[0.1, -0.9]]`). The same `Meta`s syn
/// would build; `None` for anything else, which syn then parses and reports.
fn literal_metas(args: &TokenStream) -> Option<Vec<Meta>> {
    use proc_macro2::TokenTree;
    let mut metas = Vec::new();
    let mut tokens = args.clone().into_iter().peekable();
    while let Some(first) = tokens.next() {
        let TokenTree::Ident(key) = first else {
            return None;
        };
        let path = syn::Path::from(key);
        match tokens.next() {
            None => {
                metas.push(Meta::Path(path));
                break;
            }
            Some(TokenTree::Punct(comma)) if comma.as_char() == ',' => {
                metas.push(Meta::Path(path));
                continue;
            }
            Some(TokenTree::Punct(eq)) if eq.as_char() == '=' => {
                let mut value = Vec::new();
                while let Some(token) = tokens.next_if(
                    |token| !matches!(token, TokenTree::Punct(comma) if comma.as_char() == ','),
                ) {
                    value.push(token);
                }
                let value = match value.as_slice() {
                    // syn reads a negative literal that ends the arguments as one literal (and
                    // one anywhere else as a negation).
                    [TokenTree::Punct(minus), TokenTree::Literal(_)]
                        if minus.as_char() == '-' && tokens.peek().is_none() =>
                    {
                        Expr::Lit(ExprLit {
                            attrs: Vec::new(),
                            lit: syn::parse2(value.iter().cloned().collect()).ok()?,
                        })
                    }
                    _ => literal_expr(&value)?,
                };
                metas.push(Meta::NameValue(syn::MetaNameValue {
                    path,
                    eq_token: syn::Token![=](eq.span()),
                    value,
                }));
                // The comma after the value, if any.
                tokens.next();
            }
            Some(_) => return None,
        }
    }
    Some(metas)
}

/// A literal, a negated literal or a bracketed list of those, as syn's expression parser reads
/// them.
fn literal_expr(tokens: &[proc_macro2::TokenTree]) -> Option<Expr> {
    use proc_macro2::{Delimiter, TokenTree};
    let plain = |lit: Lit| {
        Expr::Lit(ExprLit {
            attrs: Vec::new(),
            lit,
        })
    };
    match tokens {
        [TokenTree::Literal(literal)] => Some(plain(Lit::new(literal.clone()))),
        [TokenTree::Punct(minus), TokenTree::Literal(literal)] if minus.as_char() == '-' => {
            Some(Expr::Unary(syn::ExprUnary {
                attrs: Vec::new(),
                op: UnOp::Neg(syn::Token![-](minus.span())),
                expr: Box::new(plain(Lit::new(literal.clone()))),
            }))
        }
        [TokenTree::Group(group)] if group.delimiter() == Delimiter::Bracket => {
            let mut elems = syn::punctuated::Punctuated::new();
            let mut element = Vec::new();
            for token in group.stream() {
                match token {
                    TokenTree::Punct(comma) if comma.as_char() == ',' => {
                        // A leading or doubled comma is syn's to report.
                        elems.push_value(literal_expr(&element)?);
                        elems.push_punct(syn::Token![,](comma.span()));
                        element.clear();
                    }
                    other => element.push(other),
                }
            }
            if !element.is_empty() {
                elems.push_value(literal_expr(&element)?);
            }
            Some(Expr::Array(syn::ExprArray {
                attrs: Vec::new(),
                bracket_token: syn::token::Bracket(group.delim_span()),
                elems,
            }))
        }
        _ => None,
    }
}

fn unknown(grammar: &Grammar, key: &str, span: Span, errors: &mut Errors) {
    let candidates = grammar
        .words
        .iter()
        .copied()
        .chain(grammar.decls.iter().map(|decl| decl.key));
    let hint = did_you_mean(key, candidates)
        .map(|close| format!("did you mean `{close}`? "))
        .unwrap_or_default();
    errors.at(
        span,
        format_args!(
            "unknown {} `{key}`; {hint}{}",
            grammar.noun,
            (grammar.accepted)()
        ),
    );
}

/// The closest candidate to a misspelled name, if one is close enough to be what was meant.
pub(crate) fn did_you_mean<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::damerau_levenshtein(given, candidate), candidate))
        // One edit in four letters is a typo; more is a different word.
        .filter(|(distance, candidate)| *distance <= (candidate.len() / 4).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

fn read_value(
    grammar: &Grammar,
    decl: &Decl,
    meta: Meta,
    key_span: Span,
    errors: &mut Errors,
) -> Option<Value> {
    let key = decl.key;
    let example = decl.example;
    match (&decl.kind, meta) {
        (Kind::Flag, Meta::Path(_)) => Some(Value::Flag),
        (Kind::Flag, meta) => {
            let spanned = match meta {
                Meta::NameValue(pair) => pair.value.into_token_stream(),
                other => other.into_token_stream(),
            };
            errors.spanned(
                spanned,
                format_args!(
                    "`{key}` is a flag and takes no value: write `#[{}({key})]`",
                    grammar.attribute
                ),
            );
            None
        }
        (Kind::List, Meta::List(list)) => Some(Value::List(list)),
        (Kind::List, meta) => {
            errors.spanned(meta, format_args!("write `{example}`"));
            None
        }
        (_, Meta::NameValue(pair)) => read_assigned(decl, pair.value, errors),
        (_, _) => {
            errors.at(
                key_span,
                format_args!("`{key}` needs a value, e.g. `{example}`"),
            );
            None
        }
    }
}

fn read_assigned(decl: &Decl, value: Expr, errors: &mut Errors) -> Option<Value> {
    let key = decl.key;
    let example = decl.example;
    match &decl.kind {
        Kind::Int {
            min,
            max,
            ty,
            below_min,
        } => int(key, example, &value, (*min, *max, ty, below_min), errors),
        Kind::Float { rule, rule_text } => float(key, example, &value, errors).and_then(|number| {
            if rule(number) {
                Some(Value::Float(number))
            } else {
                errors.spanned(
                    &value,
                    format_args!("`{key}` must be {rule_text}; got {number}"),
                );
                None
            }
        }),
        Kind::Duration => duration(key, &value, errors),
        Kind::Path { what } => match value {
            Expr::Path(path) if path.qself.is_none() && path.attrs.is_empty() => {
                Some(Value::Path(path.path))
            }
            other => {
                errors.spanned(
                    other,
                    format_args!("`{key}` takes the path of {what}, e.g. `{example}`"),
                );
                None
            }
        },
        Kind::Expr => Some(Value::Expr(value)),
        Kind::Flag | Kind::List => unreachable!("read_value handles flags and lists"),
    }
}

/// A literal's text as written, for messages.
fn written(value: &impl ToTokens) -> String {
    value.to_token_stream().to_string()
}

/// `key = N`: an integer literal in `min..=max`, without a suffix or with the suffix `ty`.
fn int(
    key: &str,
    example: &str,
    value: &Expr,
    (min, max, ty, below_min): (u128, u128, &str, &str),
    errors: &mut Errors,
) -> Option<Value> {
    let range = || format!("`{key}` takes an integer from {min} to {max}");
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => {
            let suffix = int.suffix();
            if !suffix.is_empty() && suffix != ty {
                errors.spanned(
                    int,
                    format_args!(
                        "the `{suffix}` suffix does not fit `{key}`, which is a `{ty}`; remove the suffix"
                    ),
                );
                return None;
            }
            if int.base10_digits().starts_with('-') {
                errors.spanned(
                    int,
                    format_args!("{}; got {}", range(), int.base10_digits()),
                );
                return None;
            }
            match int.base10_parse::<u128>() {
                Ok(n) if (min..=max).contains(&n) => Some(Value::Int(n)),
                Ok(n) if n < min && !below_min.is_empty() => {
                    errors.spanned(int, format_args!("`{key} = {n}` {below_min}; {}", range()));
                    None
                }
                Ok(n) => {
                    errors.spanned(int, format_args!("{}; got {n}", range()));
                    None
                }
                Err(_) => {
                    errors.spanned(int, format_args!("{}; this one overflows", range()));
                    None
                }
            }
        }
        Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => {
            errors.spanned(value, format_args!("{}; got {}", range(), written(value)));
            None
        }
        other => {
            errors.spanned(
                other,
                format_args!("`{key}` takes an integer literal, e.g. `{example}`"),
            );
            None
        }
    }
}

/// A finite number literal, integer or float, with an optional leading `-`.
fn float(key: &str, example: &str, value: &Expr, errors: &mut Errors) -> Option<f64> {
    let (negative, literal) = match value {
        Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => (true, &*unary.expr),
        other => (false, other),
    };
    let number = match literal {
        Expr::Lit(ExprLit {
            lit: Lit::Float(float),
            ..
        }) if matches!(float.suffix(), "" | "f64") => float.base10_parse::<f64>().ok(),
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) if int.suffix().is_empty() => int.base10_parse::<f64>().ok(),
        Expr::Lit(ExprLit {
            lit: lit @ (Lit::Float(_) | Lit::Int(_)),
            ..
        }) => {
            let suffix = match lit {
                Lit::Float(float) => float.suffix(),
                Lit::Int(int) => int.suffix(),
                _ => "",
            };
            errors.spanned(
                lit,
                format_args!(
                    "the `{suffix}` suffix does not fit `{key}`, which is an `f64`; remove the suffix"
                ),
            );
            return None;
        }
        _ => None,
    };
    let Some(number) = number else {
        errors.spanned(
            value,
            format_args!("`{key}` takes a number literal, e.g. `{example}`"),
        );
        return None;
    };
    if !number.is_finite() {
        errors.spanned(
            value,
            format_args!(
                "`{}` does not fit in an f64 (it overflows to infinity); `{key}` takes a finite number",
                written(value)
            ),
        );
        return None;
    }
    Some(if negative { -number } else { number })
}

/// A duration string in humantime's grammar, above zero.
fn duration(key: &str, value: &Expr, errors: &mut Errors) -> Option<Value> {
    let Expr::Lit(ExprLit {
        lit: Lit::Str(text),
        ..
    }) = value
    else {
        errors.spanned(
            value,
            format_args!("`{key}` takes a duration string, e.g. `{key} = \"30s\"` or `\"500ms\"`"),
        );
        return None;
    };
    if !text.suffix().is_empty() {
        errors.spanned(
            text,
            format_args!(
                "`{key}` takes a plain string; remove the `{}` suffix",
                text.suffix()
            ),
        );
        return None;
    }
    let written = text.value();
    match humantime::parse_duration(&written) {
        Ok(duration) if duration.is_zero() => {
            errors.spanned(text, format_args!("`{key}` must be longer than zero"));
            None
        }
        Ok(duration) => Some(Value::Duration(written, duration)),
        Err(error) => {
            errors.spanned(
                text,
                format_args!(
                    "`{written}` is not a duration ({error}); write a number and a unit, \
                     e.g. \"500ms\", \"30s\", \"2m\" or \"1h 30m\""
                ),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An expression's structure, as far as literal values go.
    fn shape(expr: &Expr) -> String {
        match expr {
            Expr::Lit(lit) => format!("Lit({})", lit.lit.to_token_stream()),
            Expr::Unary(unary) => format!("Neg({})", shape(&unary.expr)),
            Expr::Array(array) => format!(
                "Array[{}{}]",
                array.elems.iter().map(shape).collect::<Vec<_>>().join(", "),
                if array.elems.trailing_punct() {
                    ","
                } else {
                    ""
                }
            ),
            other => format!("Other({})", other.to_token_stream()),
        }
    }

    #[test]
    fn literal_arguments_read_without_syn_give_syns_metas_and_the_rest_goes_to_syn() {
        use syn::parse::Parser;
        for args in [
            "slow, seed = 7",
            "returns = [[0.1, -0.9], [1e3, 2]], latency = \"5ms\",",
            "returns = [1, 2,]",
            "returns = [], exclusive",
            "returns = -3",
            "seed = -1, returns = [-1, [2.5, -0.5]]",
            "seed = -1,",
        ] {
            let tokens: TokenStream = args.parse().unwrap();
            let fast = literal_metas(&tokens).unwrap_or_else(|| panic!("`{args}` goes to syn"));
            let syn = syn::punctuated::Punctuated::<Meta, syn::Token![,]>::parse_terminated
                .parse2(tokens)
                .unwrap();
            let shapes = |metas: Vec<&Meta>| -> Vec<String> {
                metas
                    .into_iter()
                    .map(|meta| match meta {
                        Meta::NameValue(pair) => {
                            format!("{} = {}", meta.path().to_token_stream(), shape(&pair.value))
                        }
                        other => other.to_token_stream().to_string(),
                    })
                    .collect()
            };
            assert_eq!(
                shapes(fast.iter().collect()),
                shapes(syn.iter().collect()),
                "{args}"
            );
        }
        for args in [
            "returns = scores()",
            "loss_at_init(classes = 2)",
            "seed =",
            ", slow",
            "returns = [1,, 2]",
            "returns = [,1]",
            "seed = 1 + 2",
        ] {
            assert!(
                literal_metas(&args.parse().unwrap()).is_none(),
                "`{args}` is syn's to read"
            );
        }
    }

    const SEED: Opt<u128> = Opt::int("seed", (0, u64::MAX as u128), "u64", "", "seed = 42");
    const RATE: Opt<f64> = Opt::float("rate", |x| x > 0.0, "greater than 0", "rate = 0.1");
    const TIMEOUT: Opt<(String, Duration)> = Opt::duration("timeout", "timeout = \"30s\"");
    const GLOBAL: Opt<bool> = Opt::flag("global", "global");

    const DECLS: &[Decl] = &[SEED.decl, RATE.decl, TIMEOUT.decl, GLOBAL.decl];

    const GRAMMAR: Grammar = Grammar {
        attribute: "demo",
        noun: "#[demo] option",
        decls: DECLS,
        words: &["slow"],
        word_kind: "tier",
        accepted: || "accepted: ...".into(),
        misplaced: None,
    };

    fn errors_of(args: &str) -> String {
        let mut errors = Errors::default();
        parse(&GRAMMAR, args.parse().unwrap(), &mut errors);
        errors.to_compile_errors().to_string()
    }

    #[test]
    fn valid_options_are_read() {
        let mut errors = Errors::default();
        let options = parse(
            &GRAMMAR,
            "slow, seed = 42u64, rate = 5e-1, timeout = \"2s\", global"
                .parse()
                .unwrap(),
            &mut errors,
        );
        assert_eq!(errors.to_compile_errors().to_string(), "");
        assert_eq!(options.get(&SEED), Some(42));
        assert_eq!(options.words.len(), 1);
        assert!(options.flag(&GLOBAL));
        assert_eq!(options.get(&TIMEOUT).unwrap().1, Duration::from_secs(2));
        // The rule rejected the negative rate, at its value.
        let message = errors_of("rate = -0.5");
        assert!(
            message.contains("`rate` must be greater than 0; got -0.5"),
            "{message}"
        );
    }

    #[test]
    fn overflow_suffixes_infinity_and_duplicates_are_errors() {
        for (args, expected) in [
            (
                "seed = 99999999999999999999",
                "`seed` takes an integer from 0 to 18446744073709551615; got 99999999999999999999",
            ),
            (
                "seed = 999999999999999999999999999999999999999999",
                "this one overflows",
            ),
            (
                "seed = 300u8",
                "the `u8` suffix does not fit `seed`, which is a `u64`",
            ),
            ("seed = -1", "`seed` takes an integer from 0"),
            (
                "rate = 1e400",
                "does not fit in an f64 (it overflows to infinity)",
            ),
            ("rate = 0.5f32", "the `f32` suffix does not fit `rate`"),
            ("seed = 1, seed = 2", "`seed` is given twice"),
            ("global = true", "`global` is a flag and takes no value"),
            ("slow = 1", "`slow` is a tier and takes no value"),
            ("timeout = \"0s\"", "`timeout` must be longer than zero"),
            ("timeout = \"2s\"x", "remove the `x` suffix"),
            (
                "sede = 1",
                "unknown #[demo] option `sede`; did you mean `seed`?",
            ),
            ("seed", "`seed` needs a value, e.g. `seed = 42`"),
        ] {
            let message = errors_of(args);
            assert!(message.contains(expected), "{args}: {message}");
        }
    }
}
