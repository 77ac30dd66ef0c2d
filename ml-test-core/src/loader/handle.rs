//! The test's handle on one mock ([`Mock`]): the calls it received and the assertions on them,
//! each failure reported at the test's own line.

use std::fmt::{self, Debug};
use std::sync::Arc;

use super::calls::{Call, ExpectedCall, list_calls};
use super::mock::MockState;
use crate::text::plural;

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
