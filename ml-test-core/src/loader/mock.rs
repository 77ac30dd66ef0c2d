//! Mocks: what a `#[mock_model]` attribute asked for ([`MockSpec`]), the model a loader hands
//! out in its place ([`MockModel`]), and the test's handle on its calls ([`Mock`]).

use std::any::{Any, type_name};
use std::fmt::{self, Debug};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::mismatch::{foreign_ndarray, not_numbers, short_type, two_types};
use super::{Adapters, InputOf, LoaderId, LoaderItem, OutputOf};
use crate::close::{Tolerance, check_close};
use crate::model::{Model, ModelError};
use crate::numeric::{Literal, LiteralMismatch, Numbers, Numeric, describe_numbers};

/// One value a mock returns: a literal, or a value of some type (with its numbers, when it is
/// numeric, so it still converts to a loader whose output type differs).
struct ReturnValue {
    text: String,
    value: Option<Box<dyn Any + Send + Sync>>,
    type_name: &'static str,
    literal: Option<Literal>,
}

/// `returns_fn`: an `Arc<dyn Fn(&I) -> O>`, typed by the closure.
struct ReturnsFn {
    function: Box<dyn Any + Send + Sync>,
    input: &'static str,
    output: &'static str,
}

enum Behaviour {
    Unset,
    Returns(ReturnValue),
    ReturnsSeq(Vec<ReturnValue>),
    ReturnsFn(ReturnsFn),
    Fails(ModelError),
}

/// What one `#[mock_model(...)]` attribute asked for. Built by generated code.
pub struct MockSpec {
    pub(super) position: usize,
    pub(super) attribute: &'static str,
    pub(super) loader: Option<LoaderId>,
    behaviour: Behaviour,
    latency: Option<(&'static str, Duration)>,
    pub(super) expect_calls: Option<usize>,
    pub(super) global: bool,
}

impl MockSpec {
    /// The mock of the `position`-th (from 1) `#[mock_model]` attribute, written as `attribute`.
    pub fn new(position: usize, attribute: &'static str) -> MockSpec {
        MockSpec {
            position,
            attribute,
            loader: None,
            behaviour: Behaviour::Unset,
            latency: None,
            expect_calls: None,
            global: false,
        }
    }

    /// `loader = path`.
    pub fn loader<L: LoaderItem>(mut self) -> MockSpec {
        self.loader = Some(LoaderId::of::<L>());
        self
    }

    /// `returns = [..]` with a numeric literal.
    pub fn returns_literal(mut self, literal: Literal) -> MockSpec {
        self.behaviour = Behaviour::Returns(ReturnValue::literal(literal));
        self
    }

    /// `returns = <expression>`, with the value's numeric view when it has one.
    pub fn returns_value<T: Send + Sync + 'static>(
        mut self,
        text: &'static str,
        value: Probed<T>,
    ) -> MockSpec {
        self.behaviour = Behaviour::Returns(ReturnValue::value(text, value));
        self
    }

    /// `returns_seq = [..]`, one value per call.
    pub fn returns_seq(mut self, values: Vec<SeqValue>) -> MockSpec {
        self.behaviour = Behaviour::ReturnsSeq(values.into_iter().map(|v| v.0).collect());
        self
    }

    /// `returns_fn = |input| ..`, its types given by the closure.
    pub fn returns_fn<I: 'static, O: 'static>(
        mut self,
        function: impl Fn(&I) -> O + Send + Sync + 'static,
    ) -> MockSpec {
        let function: Arc<dyn Fn(&I) -> O + Send + Sync> = Arc::new(function);
        self.behaviour = Behaviour::ReturnsFn(ReturnsFn {
            function: Box::new(function),
            input: type_name::<I>(),
            output: type_name::<O>(),
        });
        self
    }

    /// `returns_fn` with `loader = path`: the closure's types come from the loader.
    pub fn returns_fn_of<L: LoaderItem>(
        self,
        function: impl Fn(&InputOf<L>) -> OutputOf<L> + Send + Sync + 'static,
    ) -> MockSpec {
        self.returns_fn::<InputOf<L>, OutputOf<L>>(function)
    }

    /// `fails = <error>`: every prediction fails with it.
    pub fn fails(mut self, error: impl Into<ModelError>) -> MockSpec {
        self.behaviour = Behaviour::Fails(error.into());
        self
    }

    /// `latency = "50ms"`: every prediction takes at least that long.
    pub fn latency(mut self, written: &'static str, latency: Duration) -> MockSpec {
        self.latency = Some((written, latency));
        self
    }

    /// `expect_calls = N`, checked when the test ends.
    pub fn expect_calls(mut self, calls: usize) -> MockSpec {
        self.expect_calls = Some(calls);
        self
    }

    /// `global`: the mock is seen from every thread, and serializes with other global mocks.
    pub fn global(mut self) -> MockSpec {
        self.global = true;
        self
    }

    pub(super) fn into_state(self) -> MockState {
        MockState {
            spec: self,
            calls: Mutex::new(Vec::new()),
            next_in_seq: AtomicUsize::new(0),
        }
    }
}

/// A `returns` expression's value and, when its type is numeric, its numbers (so it converts to
/// a loader whose output type differs). Built by generated code.
pub struct Probed<T> {
    /// The value.
    pub value: T,
    /// Its numbers, if it is numeric.
    pub numbers: Option<Numbers>,
}

impl<T> Probed<T> {
    /// A value already of the loader's output type.
    pub fn exact(value: T) -> Probed<T> {
        Probed {
            value,
            numbers: None,
        }
    }
}

/// One value of `returns_seq`, literal or expression. Built by generated code.
pub struct SeqValue(ReturnValue);

impl SeqValue {
    /// A literal.
    pub fn literal(literal: Literal) -> SeqValue {
        SeqValue(ReturnValue::literal(literal))
    }

    /// An expression's value.
    pub fn value<T: Send + Sync + 'static>(text: &'static str, value: Probed<T>) -> SeqValue {
        SeqValue(ReturnValue::value(text, value))
    }
}

impl ReturnValue {
    fn literal(literal: Literal) -> ReturnValue {
        ReturnValue {
            text: literal.text.clone(),
            value: None,
            type_name: "a numeric literal",
            literal: Some(literal),
        }
    }

    fn value<T: Send + Sync + 'static>(text: &str, probed: Probed<T>) -> ReturnValue {
        ReturnValue {
            text: text.to_owned(),
            literal: probed
                .numbers
                .map(|numbers| Literal::from_numbers(text, &numbers)),
            value: Some(Box::new(probed.value)),
            type_name: type_name::<T>(),
        }
    }

    /// The value as the loader's output type `O`.
    fn produce<I, O>(&self, adapters: &Adapters<I, O>) -> Result<O, String> {
        if let (Some(value), Some(clone)) = (&self.value, adapters.clone_output)
            && let Some(output) = clone(value.as_ref())
        {
            return Ok(output);
        }
        if let (Some(literal), Some(convert)) = (&self.literal, adapters.output_from_literal) {
            return convert(literal).map_err(|LiteralMismatch(why)| {
                format!(
                    "`{text}` (shape {shape}) cannot become the loader's output type `{output_name}`: {why}",
                    text = self.text,
                    shape = crate::numeric::shape_text(&literal.shape),
                    output_name = (adapters.output_name)(),
                )
            });
        }
        // Only failures are left: the output type's name is built for their messages.
        let output_name = short_type(&(adapters.output_name)());
        match &self.literal {
            Some(literal) if foreign_ndarray(adapters.output_type).is_some() => Err(format!(
                "`{text}` (shape {shape}) is numeric, but {hint}",
                text = self.text,
                shape = crate::numeric::shape_text(&literal.shape),
                hint = foreign_ndarray(adapters.output_type).unwrap_or_default(),
            )),
            Some(literal) => Err(format!(
                "`{text}` (shape {shape}) is numeric, but the loader's output type `{output_name}` is \
                 not an ndarray, Vec or scalar of numbers; return a value of that type \
                 (`returns = <expression>`) or use `returns_fn`",
                text = self.text,
                shape = crate::numeric::shape_text(&literal.shape),
            )),
            None if self.value.is_some() && adapters.clone_output.is_none() => Err(format!(
                "the loader's output type `{output_name}` is not Clone, so the mock cannot hand out \
                 `{text}` on every call; use `returns_fn = |input| ..` to build each output",
                text = self.text
            )),
            None => {
                let (value_type, output_type, versions) =
                    two_types(self.type_name, adapters.output_type);
                Err(format!(
                    "`{text}` is a `{value_type}`, but the loader outputs `{output_type}`{versions}; \
                     give a value of the output type: naming the loader (`loader = path`) types \
                     the expression as its output, so `vec![..]` or `Default::default()` infer it",
                    text = self.text,
                ))
            }
        }
    }
}

/// A mock installed for one test: its spec and the calls it received.
pub(crate) struct MockState {
    spec: MockSpec,
    calls: Mutex<Vec<Call>>,
    next_in_seq: AtomicUsize,
}

impl MockState {
    pub(crate) fn targets(&self, loader: &LoaderId) -> bool {
        self.spec.loader.as_ref().is_none_or(|own| own == loader)
    }

    pub(crate) fn is_specific(&self) -> bool {
        self.spec.loader.is_some()
    }

    pub(crate) fn is_global(&self) -> bool {
        self.spec.global
    }

    pub(crate) fn loader(&self) -> Option<&LoaderId> {
        self.spec.loader.as_ref()
    }

    fn calls(&self) -> MutexGuard<'_, Vec<Call>> {
        self.calls
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn label(&self) -> String {
        match &self.spec.loader {
            Some(loader) => format!("the mock of loader `{}`", loader.name),
            None => format!(
                "the mock of every loader (#[mock_model] #{})",
                self.spec.position
            ),
        }
    }

    /// `expect_calls`, checked when the test ends.
    pub(crate) fn check_expected_calls(&self) -> Result<(), String> {
        let Some(expected) = self.spec.expect_calls else {
            return Ok(());
        };
        let calls = self.calls();
        if calls.len() == expected {
            return Ok(());
        }
        Err(format!(
            "{label} expected {expected} call{s} (expect_calls = {expected}) but was called {n} time{ns}.\nCalls: {list}\n(written as #[mock_model({attribute})])",
            label = self.label(),
            s = plural(expected),
            n = calls.len(),
            ns = plural(calls.len()),
            list = list_calls(&calls),
            attribute = self.spec.attribute,
        ))
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The model a loader hands out while a mock is installed.
pub(super) struct MockModel<I, O> {
    state: Arc<MockState>,
    loader: &'static str,
    adapters: Adapters<I, O>,
}

impl<I: 'static, O: 'static> MockModel<I, O> {
    /// The mock for loader `info`.
    ///
    /// # Panics
    /// When a return value cannot become `O`: the loader call fails, not some later prediction.
    pub(super) fn new(
        state: Arc<MockState>,
        loader: &'static str,
        adapters: Adapters<I, O>,
    ) -> MockModel<I, O> {
        let model = MockModel {
            state,
            loader,
            adapters,
        };
        model.check_return_values();
        model
    }

    fn check_return_values(&self) {
        let values: Vec<&ReturnValue> = match &self.state.spec.behaviour {
            Behaviour::Returns(value) => vec![value],
            Behaviour::ReturnsSeq(values) => values.iter().collect(),
            Behaviour::ReturnsFn(function) => {
                if function
                    .function
                    .downcast_ref::<Arc<dyn Fn(&I) -> O + Send + Sync>>()
                    .is_none()
                {
                    self.misuse(format!(
                        "`returns_fn` takes `&{input}` and returns `{output}`, but the loader's model \
                         takes `&{loader_input}` and returns `{loader_output}`; write the closure for \
                         those types, or name the loader (`loader = path`) so they are inferred",
                        input = function.input,
                        output = function.output,
                        loader_input = (self.adapters.input_name)(),
                        loader_output = (self.adapters.output_name)(),
                    ));
                }
                return;
            }
            Behaviour::Unset | Behaviour::Fails(_) => return,
        };
        for value in values {
            if let Err(why) = value.produce(&self.adapters) {
                self.misuse(why);
            }
        }
    }

    fn misuse(&self, why: String) -> ! {
        panic!(
            "#[mock_model({attribute})] cannot mock loader `{loader}`: {why}",
            attribute = self.state.spec.attribute,
            loader = self.loader,
        )
    }

    fn record(&self, input: &I) {
        let adapters = &self.adapters;
        let numbers = adapters.input_numbers.and_then(|numbers| numbers(input));
        // Messages show numeric inputs by their numbers; Debug text only for the others.
        let debug = match (&numbers, adapters.debug_input) {
            (Some(_), _) => String::new(),
            (None, Some(debug)) => debug(input),
            (None, None) => format!("<{}>", (adapters.input_name)()),
        };
        let call = Call(Arc::new(CallData {
            loader: self.loader,
            input: adapters.record_input.map(|record| record(input)),
            input_type: type_name::<I>(),
            numeric: adapters.input_numbers.is_some(),
            numbers,
            debug,
        }));
        self.state.calls().push(call);
    }
}

impl<I: 'static, O: 'static> Model for MockModel<I, O> {
    type Input = I;
    type Output = O;

    fn predict(&self, input: &I) -> Result<O, ModelError> {
        self.record(input);
        if let Some((_, latency)) = self.state.spec.latency {
            std::thread::sleep(latency);
        }
        match &self.state.spec.behaviour {
            Behaviour::Unset => self.misuse(
                "the mock was called but has no return value; add `returns = ..`, `returns_seq = [..]`, \
                 `returns_fn = |input| ..` or `fails = ..`"
                    .to_owned(),
            ),
            Behaviour::Returns(value) => Ok(self.produce(value)),
            Behaviour::ReturnsSeq(values) => {
                let n = self.state.next_in_seq.fetch_add(1, Ordering::Relaxed);
                match values.get(n) {
                    Some(value) => Ok(self.produce(value)),
                    None => self.misuse(format!(
                        "`returns_seq` has {len} value{s}, and predict was called a {nth} time; add \
                         values, or use `returns_fn` to answer any number of calls",
                        len = values.len(),
                        s = plural(values.len()),
                        nth = ordinal(n + 1),
                    )),
                }
            }
            Behaviour::ReturnsFn(function) => {
                let function = function
                    .function
                    .downcast_ref::<Arc<dyn Fn(&I) -> O + Send + Sync>>()
                    .expect("checked when the loader handed out the mock");
                Ok(function(input))
            }
            Behaviour::Fails(error) => Err(error.clone()),
        }
    }
}

impl<I: 'static, O: 'static> MockModel<I, O> {
    fn produce(&self, value: &ReturnValue) -> O {
        value
            .produce(&self.adapters)
            .unwrap_or_else(|why| self.misuse(why))
    }
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

struct CallData {
    loader: &'static str,
    input: Option<Box<dyn Any + Send + Sync>>,
    /// The input's type, as `type_name` gives it.
    input_type: &'static str,
    /// Whether the input's type is numeric (its numbers may still be missing: a ragged `Vec`).
    numeric: bool,
    numbers: Option<Numbers>,
    debug: String,
}

/// One recorded call of a mock's `predict`.
#[derive(Clone)]
pub struct Call(Arc<CallData>);

impl Call {
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

    fn short(&self) -> String {
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

fn list_calls(calls: &[Call]) -> String {
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

/// The test's handle on one mock: a parameter of the test, one per `#[mock_model]` in attribute
/// order. Clones share the calls.
#[derive(Clone)]
pub struct Mock {
    state: Arc<MockState>,
}

impl Debug for Mock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mock")
            .field("loader", &self.state.loader().map(|l| l.name))
            .field("calls", &*self.state.calls())
            .finish()
    }
}

// A failed assertion leaves the recorded calls as they were, so a test may catch it and go on.
impl std::panic::UnwindSafe for Mock {}
impl std::panic::RefUnwindSafe for Mock {}

impl Mock {
    pub(super) fn new(state: Arc<MockState>) -> Mock {
        Mock { state }
    }

    /// How many times `predict` was called.
    pub fn call_count(&self) -> usize {
        self.state.calls().len()
    }

    /// Every call, oldest first.
    pub fn calls(&self) -> Vec<Call> {
        self.state.calls().clone()
    }

    // `#[track_caller]` down to the panic, so a failed assertion reports the test's line.
    #[track_caller]
    fn fail(&self, message: String) -> ! {
        panic!("{}: {message}", self.state.label())
    }

    /// Asserts that `predict` was called exactly once, with `expected`.
    ///
    /// # Panics
    /// With the count and every call when it was not called once; with the expected and the
    /// actual input when the one call had another input.
    #[track_caller]
    pub fn assert_called_once_with(&self, expected: impl ExpectedCall) {
        let calls = self.calls();
        if calls.len() != 1 {
            self.fail(format!(
                "predict expected to be called once. Called {} times.\nCalls: {}\nExpected: predict({})",
                calls.len(),
                list_calls(&calls),
                expected.short(),
            ));
        }
        self.check_call(&calls[0], &expected);
    }

    /// Asserts that the last call of `predict` had input `expected`.
    ///
    /// # Panics
    /// When it was never called, or the last call had another input.
    #[track_caller]
    pub fn assert_called_with(&self, expected: impl ExpectedCall) {
        let calls = self.calls();
        match calls.last() {
            Some(last) => self.check_call(last, &expected),
            None => self.fail(format!(
                "expected call not found.\nExpected: predict({})\n  Actual: not called.",
                expected.short()
            )),
        }
    }

    #[track_caller]
    fn check_call(&self, call: &Call, expected: &impl ExpectedCall) {
        if expected.matches(call) {
            return;
        }
        let (expected_input, actual_input) = (expected.describe(), call.input_text());
        let mut message = format!(
            "expected call not found.\nExpected: predict({})\n  Actual: {call}\n\
             Expected input: {expected_input}\n  Actual input: {actual_input}",
            expected.short(),
        );
        // A type that cannot match is always explained; a difference in values only when the
        // two sides print alike (a cut axis, or a Debug that hides it).
        let why = expected.type_mismatch(call).or_else(|| {
            (expected_input == actual_input || expected.short() == call.short())
                .then(|| expected.value_mismatch(call))
                .flatten()
        });
        if let Some(why) = why {
            message.push_str("\nWhy: ");
            message.push_str(&why);
        }
        self.fail(message);
    }

    /// Asserts that some call of `predict` had input `expected`.
    ///
    /// # Panics
    /// When none did; the message lists every call.
    #[track_caller]
    pub fn assert_any_call(&self, expected: impl ExpectedCall) {
        let calls = self.calls();
        if !calls.iter().any(|call| expected.matches(call)) {
            let mut message = format!(
                "predict({}) call not found.\nCalls: {}\nExpected input: {}",
                expected.short(),
                list_calls(&calls),
                expected.describe(),
            );
            // When no call could match whatever its values, say why (once per distinct reason).
            let mut reasons: Vec<String> = Vec::new();
            for call in &calls {
                match expected.type_mismatch(call) {
                    Some(why) if !reasons.contains(&why) => reasons.push(why),
                    Some(_) => {}
                    None => reasons.clear(),
                }
                if reasons.is_empty() {
                    break;
                }
            }
            for why in reasons {
                message.push_str("\nWhy: ");
                message.push_str(&why);
            }
            self.fail(message);
        }
    }

    /// Asserts that `predict` was never called.
    ///
    /// # Panics
    /// When it was; the message lists the calls.
    #[track_caller]
    pub fn assert_not_called(&self) {
        let calls = self.calls();
        if !calls.is_empty() {
            self.fail(format!(
                "predict expected not to have been called. Called {} time{}.\nCalls: {}",
                calls.len(),
                plural(calls.len()),
                list_calls(&calls),
            ));
        }
    }
}
