//! `assert_close!`: numbers equal within a tolerance, with numpy's `assert_allclose` rule and
//! the facts its message gives (shapes, how many elements differ, the worst one).

use std::fmt::Write as _;

use crate::numeric::{Numbers, Numeric, describe_numbers, shape_text};

/// The tolerance of `assert_close!` and `close(..)` call matchers: an element passes when
/// `|actual - expected| <= atol + rtol * |expected|`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    /// Relative tolerance. Default `1e-7`, as numpy.testing.assert_allclose.
    pub rtol: f64,
    /// Absolute tolerance. Default `0`, as numpy.testing.assert_allclose; set it when comparing
    /// with values at or near zero, where no relative tolerance helps.
    pub atol: f64,
}

impl Tolerance {
    /// numpy.testing.assert_allclose's defaults: `rtol = 1e-7`, `atol = 0`.
    pub const DEFAULT: Tolerance = Tolerance {
        rtol: 1e-7,
        atol: 0.0,
    };
}

impl Default for Tolerance {
    fn default() -> Tolerance {
        Tolerance::DEFAULT
    }
}

/// Whether one element passes. NaNs match NaNs and infinities match the same infinity, as in
/// numpy's `assert_allclose` (`equal_nan=True`).
fn element_close(actual: f64, expected: f64, tolerance: Tolerance) -> bool {
    if actual.is_nan() || expected.is_nan() {
        return actual.is_nan() && expected.is_nan();
    }
    if actual.is_infinite() || expected.is_infinite() {
        return actual == expected;
    }
    (actual - expected).abs() <= tolerance.atol + tolerance.rtol * expected.abs()
}

/// Compares two values; `Err` holds the message `assert_close!` panics with.
///
/// # Errors
/// When the shapes differ or any element is out of tolerance.
pub fn check_close(
    actual: &Numbers,
    expected: &Numbers,
    tolerance: Tolerance,
) -> Result<(), String> {
    let header = format!(
        "Not equal to tolerance rtol={}, atol={}",
        tolerance.rtol, tolerance.atol
    );
    if actual.shape != expected.shape {
        return Err(format!(
            "{header}\n\n(shapes {}, {} mismatch)\n ACTUAL: {}\n DESIRED: {}",
            shape_text(&actual.shape),
            shape_text(&expected.shape),
            describe_numbers(actual),
            describe_numbers(expected),
        ));
    }
    let mut mismatched = 0usize;
    let mut worst: Option<(usize, f64)> = None;
    let mut max_relative = 0.0f64;
    for (flat, (&a, &e)) in actual.values.iter().zip(&expected.values).enumerate() {
        if element_close(a, e, tolerance) {
            continue;
        }
        mismatched += 1;
        let absolute = (a - e).abs();
        if worst.is_none_or(|(_, max)| absolute > max || absolute.is_nan()) {
            worst = Some((flat, absolute));
        }
        let relative = absolute / e.abs();
        if relative > max_relative || relative.is_nan() {
            max_relative = relative;
        }
    }
    let Some((worst_flat, max_absolute)) = worst else {
        return Ok(());
    };
    let total = actual.values.len();
    let percent = 100.0 * mismatched as f64 / total as f64;
    let mut message = header;
    let _ = write!(
        message,
        "\n\nMismatched elements: {mismatched} / {total} ({percent:.3}%)\
         \nMax absolute difference among violations: {max_absolute:?} at index {index:?} \
         (actual {actual_value:?}, expected {expected_value:?})\
         \nMax relative difference among violations: {max_relative:?}\
         \n ACTUAL: {actual_text}\n DESIRED: {expected_text}",
        index = actual.index_of(worst_flat),
        actual_value = actual.values[worst_flat],
        expected_value = expected.values[worst_flat],
        actual_text = describe_numbers(actual),
        expected_text = describe_numbers(expected),
    );
    Err(message)
}

/// The function behind `assert_close!`.
///
/// # Panics
/// When the values are not close, with numpy's `assert_allclose` report.
#[track_caller]
pub fn assert_close_with<A: Numeric + ?Sized, E: Numeric + ?Sized>(
    actual: &A,
    expected: &E,
    tolerance: Tolerance,
) {
    if let Err(message) = check_close(&actual.numbers(), &expected.numbers(), tolerance) {
        panic!("assert_close! failed: {message}");
    }
}

/// Asserts that two numeric values (ndarrays of any numeric type and rank, `Vec`s, slices,
/// scalars) have the same shape and are elementwise close:
/// `|actual - expected| <= atol + rtol * |expected|`, numpy's `assert_allclose` rule, with its
/// defaults `rtol = 1e-7`, `atol = 0`. NaN matches NaN.
///
/// ```
/// use ml_test::assert_close;
/// use ndarray::array;
///
/// let probabilities = array![[0.2f32, 0.8]];
/// assert_close!(probabilities, array![[0.2, 0.8]], rtol = 1e-6);
/// assert_close!(1e-9, 0.0, atol = 1e-8);
/// ```
///
/// A failure reports both shapes, how many elements are out of tolerance and which is worst:
///
/// ```text
/// assert_close! failed: Not equal to tolerance rtol=1e-7, atol=0
///
/// Mismatched elements: 1 / 2 (50.000%)
/// Max absolute difference among violations: 0.5 at index [0, 1] (actual 1.0, expected 0.5)
/// Max relative difference among violations: 1.0
///  ACTUAL: [[0.0, 1.0]] (f64, shape (1, 2))
///  DESIRED: [[0.0, 0.5]] (f64, shape (1, 2))
/// ```
#[macro_export]
macro_rules! assert_close {
    ($actual:expr, $expected:expr $(,)?) => {
        $crate::__private::assert_close_with(&$actual, &$expected, $crate::Tolerance::DEFAULT)
    };
    ($actual:expr, $expected:expr, $($key:ident = $value:expr),+ $(,)?) => {{
        #[allow(unused_mut)]
        let mut tolerance = $crate::Tolerance::DEFAULT;
        $( tolerance.$key = $value; )+
        $crate::__private::assert_close_with(&$actual, &$expected, tolerance)
    }};
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn the_rule_is_numpys() {
        let tolerance = Tolerance {
            rtol: 0.1,
            atol: 0.01,
        };
        assert!(element_close(1.1, 1.0, tolerance));
        assert!(!element_close(1.12, 1.0, tolerance));
        assert!(element_close(0.01, 0.0, tolerance));
        assert!(element_close(f64::NAN, f64::NAN, tolerance));
        assert!(!element_close(f64::NAN, 1.0, tolerance));
        assert!(element_close(f64::INFINITY, f64::INFINITY, tolerance));
        assert!(!element_close(f64::INFINITY, f64::NEG_INFINITY, tolerance));
    }

    #[test]
    fn the_message_counts_and_locates_the_violations() {
        let actual = array![[1.0, 2.0], [3.0, 5.0]].numbers();
        let expected = array![[1.0, 2.5], [3.0, 4.0]].numbers();
        let message = check_close(&actual, &expected, Tolerance::DEFAULT).unwrap_err();
        assert!(
            message.contains("Mismatched elements: 2 / 4 (50.000%)"),
            "{message}"
        );
        assert!(
            message.contains("Max absolute difference among violations: 1.0 at index [1, 1] (actual 5.0, expected 4.0)"),
            "{message}"
        );
        assert!(
            message.contains("Max relative difference among violations: 0.25"),
            "{message}"
        );
        assert!(
            message.contains(" ACTUAL: [[1.0, 2.0], [3.0, 5.0]] (f64, shape (2, 2))"),
            "{message}"
        );
    }

    #[test]
    fn shapes_must_match() {
        let message = check_close(
            &vec![1.0f32, 2.0].numbers(),
            &array![[1.0, 2.0]].numbers(),
            Tolerance::DEFAULT,
        )
        .unwrap_err();
        assert!(
            message.contains("(shapes (2,), (1, 2) mismatch)"),
            "{message}"
        );
    }
}
