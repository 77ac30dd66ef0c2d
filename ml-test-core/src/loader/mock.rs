//! Mocks: what a `#[mock_model]` attribute asked for ([`MockSpec`]), how its return values
//! become the loader's output type, and the model a loader hands out in its place
//! ([`MockModel`]), which records each call. The test's handle and its assertions are
//! `handle.rs`; what a call records, and what assertions compare it with, `calls.rs`.

use std::any::{Any, type_name};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::calls::{Call, CallData, list_calls};
use super::mismatch::{foreign_ndarray, short_type, two_types};
use super::{Adapters, InputOf, LoaderId, LoaderItem, OutputOf};
use crate::literal::{Literal, LiteralMismatch};
use crate::model::{Model, ModelError};
use crate::numeric::Numbers;
use crate::text::plural;

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

    pub(super) fn calls(&self) -> MutexGuard<'_, Vec<Call>> {
        crate::sync::lock(&self.calls)
    }

    pub(super) fn label(&self) -> String {
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
        let call = Call::new(CallData {
            loader: self.loader,
            input: adapters.record_input.map(|record| record(input)),
            input_type: type_name::<I>(),
            numeric: adapters.input_numbers.is_some(),
            numbers,
            debug,
        });
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
