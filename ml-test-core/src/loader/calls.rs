//! What a mock records of each call of `predict` ([`Call`]), and what a call assertion compares
//! it with ([`ExpectedCall`]: numbers, strings, [`eq`], [`close`]), with the words for a call
//! that does not match.

use std::any::{Any, type_name};
use std::fmt::{self, Debug};
use std::sync::Arc;

use super::mismatch::{foreign_ndarray, not_numbers, short_type, two_types};
use crate::close::{Tolerance, check_close};
use crate::numeric::{Numbers, Numeric, describe_numbers};

pub(super) struct CallData {
    pub(super) loader: &'static str,
    pub(super) input: Option<Box<dyn Any + Send + Sync>>,
    /// The input's type, as `type_name` gives it.
    pub(super) input_type: &'static str,
    /// Whether the input's type is numeric (its numbers may still be missing: a ragged `Vec`).
    pub(super) numeric: bool,
    pub(super) numbers: Option<Numbers>,
    pub(super) debug: String,
}

/// One recorded call of a mock's `predict`.
#[derive(Clone)]
pub struct Call(Arc<CallData>);

impl Call {
    pub(super) fn new(data: CallData) -> Call {
        Call(Arc::new(data))
    }

    /// The loader whose mock was called.
    pub fn loader(&self) -> &'static str {
        self.0.loader
    }

    /// The input, if its type is `T` (and `Clone`, which recording by value needs).
    pub fn input<T: 'static>(&self) -> Option<&T> {
        self.0.input.as_ref()?.downcast_ref::<T>()
    }

    /// The input's numbers, if it is numeric (an ndarray, `Vec`, slice or scalar of numbers).
    pub fn numbers(&self) -> Option<&Numbers> {
        self.0.numbers.as_ref()
    }

    /// The input as the messages show it: its numbers with type and shape, else its `Debug` text.
    pub fn input_text(&self) -> String {
        match &self.0.numbers {
            Some(numbers) => describe_numbers(numbers),
            None => self.0.debug.clone(),
        }
    }

    /// Why numbers cannot match this input, when it has none.
    fn not_numbers(&self) -> Option<String> {
        match self.0.numbers {
            Some(_) => None,
            None => Some(not_numbers(self.0.input_type, self.0.numeric)),
        }
    }

    pub(super) fn short(&self) -> String {
        match &self.0.numbers {
            Some(numbers) => numbers.to_string(),
            None => self.0.debug.clone(),
        }
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "predict({})", self.short())
    }
}

impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "predict({})", self.input_text())
    }
}

pub(super) fn list_calls(calls: &[Call]) -> String {
    let calls: Vec<String> = calls.iter().map(ToString::to_string).collect();
    format!("[{}]", calls.join(", "))
}

/// What a call assertion expects the input to be.
///
/// Numeric values (ndarrays, `Vec`s, slices, scalars) match a numeric input of the same shape
/// whose elements are equal once the expected numbers are rounded to the input's element type
/// (`array![[0.1, 0.2]]` matches an `f32` input of `[[0.1f32, 0.2]]`). Strings match `String`
/// inputs. [`eq`] compares any `PartialEq` input; [`close`] compares with a tolerance.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot describe an expected call",
    label = "expected numbers, a string, `eq(..)` or `close(..)` here",
    note = "write the input as numbers (an ndarray, a `Vec` nested for rank > 1, a slice, a scalar, a candle / burn tensor), a `&str`, `eq(value)` for any `PartialEq + Debug` input, or `close(&value).rtol(..)`; `eq` and `close` are in `ml_test::prelude`"
)]
pub trait ExpectedCall {
    /// Whether `call` had this input.
    fn matches(&self, call: &Call) -> bool;
    /// The expected input as the messages show it.
    fn describe(&self) -> String;
    /// Its short form, in `predict(..)`.
    fn short(&self) -> String {
        self.describe()
    }
    /// Why this can never match `call`, whatever its values (the input has another type, or no
    /// numbers): named, with the fix.
    #[doc(hidden)]
    fn type_mismatch(&self, call: &Call) -> Option<String> {
        let _ = call;
        None
    }
    /// Where the values differ, for a failure whose two sides print alike.
    #[doc(hidden)]
    fn value_mismatch(&self, call: &Call) -> Option<String> {
        let _ = call;
        None
    }
}

impl<T: Numeric> ExpectedCall for T {
    fn matches(&self, call: &Call) -> bool {
        let Some(actual) = call.numbers() else {
            return false;
        };
        let expected = self.numbers();
        actual.shape == expected.shape
            && actual
                .values
                .iter()
                .zip(&expected.values)
                .all(|(a, e)| *a == actual.dtype.round(*e) || (a.is_nan() && e.is_nan()))
    }

    fn describe(&self) -> String {
        describe_numbers(&self.numbers())
    }

    fn short(&self) -> String {
        self.numbers().to_string()
    }

    fn type_mismatch(&self, call: &Call) -> Option<String> {
        call.not_numbers()
    }

    fn value_mismatch(&self, call: &Call) -> Option<String> {
        let actual = call.numbers()?;
        let expected = self.numbers();
        if actual.shape != expected.shape {
            return Some(format!(
                "the shapes differ: expected {}, the input has {}",
                expected.shape_text(),
                actual.shape_text()
            ));
        }
        let flat = actual
            .values
            .iter()
            .zip(&expected.values)
            .position(|(a, e)| *a != actual.dtype.round(*e) && !(a.is_nan() && e.is_nan()))?;
        Some(format!(
            "they first differ at index {index:?}: expected {e:?}, the input has {a:?} ({dtype})",
            index = actual.index_of(flat),
            e = actual.dtype.round(expected.values[flat]),
            a = actual.values[flat],
            dtype = actual.dtype,
        ))
    }
}

/// Why a string cannot match `call`'s input.
fn not_a_string(call: &Call) -> Option<String> {
    if call.input::<String>().is_some() || call.input::<&'static str>().is_some() {
        return None;
    }
    let short = short_type(call.0.input_type);
    Some(format!(
        "the input is a `{short}`, not a `String` or `&str`: compare it with `eq(value)` holding a \
         `{short}`"
    ))
}

impl ExpectedCall for &str {
    fn matches(&self, call: &Call) -> bool {
        call.input::<String>().is_some_and(|input| input == self)
            || call
                .input::<&'static str>()
                .is_some_and(|input| input == self)
    }

    fn describe(&self) -> String {
        format!("{self:?}")
    }

    fn type_mismatch(&self, call: &Call) -> Option<String> {
        not_a_string(call)
    }
}

impl ExpectedCall for String {
    fn matches(&self, call: &Call) -> bool {
        ExpectedCall::matches(&self.as_str(), call)
    }

    fn describe(&self) -> String {
        format!("{self:?}")
    }

    fn type_mismatch(&self, call: &Call) -> Option<String> {
        not_a_string(call)
    }
}

/// Matches an input equal to `value` by `PartialEq` (the input's type must be `T`).
pub struct Eq<T>(T);

/// An input equal to `value`, compared with `==`: for inputs that are not numbers or strings
/// (requests, token lists, structs).
pub fn eq<T: PartialEq + Debug + 'static>(value: T) -> Eq<T> {
    Eq(value)
}

impl<T: PartialEq + Debug + 'static> ExpectedCall for Eq<T> {
    fn matches(&self, call: &Call) -> bool {
        call.input::<T>().is_some_and(|input| *input == self.0)
    }

    fn describe(&self) -> String {
        format!("{:?}", self.0)
    }

    fn type_mismatch(&self, call: &Call) -> Option<String> {
        if call.input::<T>().is_some() {
            return None;
        }
        if call.0.input.is_none() {
            return Some(format!(
                "the input type `{}` is not `Clone`, so the mock keeps no copy of its inputs and \
                 `eq(..)` has nothing to compare with: implement `Clone` for it",
                short_type(call.0.input_type)
            ));
        }
        let (expected, actual, versions) = two_types(type_name::<T>(), call.0.input_type);
        let mut why = format!(
            "`eq(..)` matches only an input of its own type: it holds a `{expected}`, the input is \
             a `{actual}`{versions}; build the expected value as a `{actual}`"
        );
        if let Some(hint) = foreign_ndarray(call.0.input_type) {
            why.push_str("; or, for an array, pass it without `eq`: ");
            why.push_str(&hint);
        }
        Some(why)
    }
}

/// Matches a numeric input close to the expected one, by `assert_close!`'s rule.
pub struct Close {
    expected: Numbers,
    tolerance: Tolerance,
}

/// A numeric input within a tolerance of `expected`
/// (`|actual - expected| <= atol + rtol * |expected|`); set it with `.rtol(..)` and `.atol(..)`.
pub fn close<T: Numeric + ?Sized>(expected: &T) -> Close {
    Close {
        expected: expected.numbers(),
        tolerance: Tolerance::DEFAULT,
    }
}

impl Close {
    /// The relative tolerance (default `1e-7`).
    #[must_use]
    pub fn rtol(mut self, rtol: f64) -> Close {
        self.tolerance.rtol = rtol;
        self
    }

    /// The absolute tolerance (default `0`).
    #[must_use]
    pub fn atol(mut self, atol: f64) -> Close {
        self.tolerance.atol = atol;
        self
    }
}

impl ExpectedCall for Close {
    fn matches(&self, call: &Call) -> bool {
        call.numbers()
            .is_some_and(|actual| check_close(actual, &self.expected, self.tolerance).is_ok())
    }

    fn describe(&self) -> String {
        format!(
            "{} within rtol={}, atol={}",
            describe_numbers(&self.expected),
            self.tolerance.rtol,
            self.tolerance.atol
        )
    }

    fn short(&self) -> String {
        self.expected.to_string()
    }

    fn type_mismatch(&self, call: &Call) -> Option<String> {
        call.not_numbers()
    }

    fn value_mismatch(&self, call: &Call) -> Option<String> {
        check_close(call.numbers()?, &self.expected, self.tolerance).err()
    }
}
