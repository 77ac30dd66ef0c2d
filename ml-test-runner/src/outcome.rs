//! What a test function may return, and how to tell a failure from it.

use std::fmt::Debug;
use std::process::ExitCode;

/// The return types of test functions that ml-test runs: `()`, `Result<T, E>` with `E: Debug`
/// (as libtest accepts), and `ExitCode`.
#[diagnostic::on_unimplemented(
    message = "`#[ml_test]` supports test functions returning `()`, `Result<T, E>` with `E: Debug`, or `ExitCode`; this one returns `{Self}`",
    label = "unsupported test return type"
)]
pub trait TestReturn {
    /// `None` if the value is a success, else what libtest would report.
    fn failure(&self) -> Option<String>;
}

impl TestReturn for () {
    fn failure(&self) -> Option<String> {
        None
    }
}

impl<T: TestReturn, E: Debug> TestReturn for Result<T, E> {
    fn failure(&self) -> Option<String> {
        match self {
            Ok(value) => value.failure(),
            Err(error) => Some(format!("the test returned an error: {error:?}")),
        }
    }
}

impl TestReturn for ExitCode {
    fn failure(&self) -> Option<String> {
        (*self != ExitCode::SUCCESS).then(|| format!("the test returned {self:?}"))
    }
}

/// The message of a caught panic: its `&str` or `String` payload.
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_errors_and_failing_exit_codes() {
        assert_eq!(().failure(), None);
        assert_eq!(Ok::<(), &str>(()).failure(), None);
        assert_eq!(
            Err::<(), &str>("no model").failure().as_deref(),
            Some("the test returned an error: \"no model\"")
        );
        assert_eq!(
            Ok::<Result<(), u8>, &str>(Err(3)).failure().as_deref(),
            Some("the test returned an error: 3")
        );
        assert_eq!(ExitCode::SUCCESS.failure(), None);
        assert!(ExitCode::FAILURE.failure().is_some());
    }
}
