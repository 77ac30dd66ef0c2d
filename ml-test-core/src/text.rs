//! How numbers and counts read in messages and reports: compact numbers, plurals.

use std::fmt;

/// A number for a report line: whole numbers without a fraction, others with six significant
/// digits, very large or small magnitudes in scientific notation (never 38-digit fixed point).
pub(crate) fn compact(value: f64) -> String {
    if !value.is_finite() {
        return format!("{value}");
    }
    let magnitude = value.abs();
    if value.fract() == 0.0 && magnitude < 1e15 {
        return format!("{value:.0}");
    }
    if (1e-4..1e6).contains(&magnitude) {
        let digits = (5 - magnitude.log10().floor() as i32).max(0) as usize;
        let text = format!("{value:.digits$}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        return text.to_owned();
    }
    format!("{value:.4e}")
}

/// A number shown with [`compact`], whatever precision the format asks for: report lines keep
/// `{x:.6}` and still never print a loss of 1e37 as 38 digits.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Compact(pub(crate) f64);

impl fmt::Display for Compact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&compact(self.0))
    }
}

/// `"s"` unless `n` is 1: `format!("{n} call{}", plural(n))`.
pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_numbers_stay_short() {
        assert_eq!(compact(3.0), "3");
        assert_eq!(compact(-40000.0), "-40000");
        assert_eq!(compact(0.7310585786), "0.731059");
        assert_eq!(compact(52000.25), "52000.2");
        assert_eq!(compact(0.5), "0.5");
        assert_eq!(compact(1.5e-7), "1.5000e-7");
        assert_eq!(compact(1e37), "1.0000e37");
        assert_eq!(compact(f64::NAN), "NaN");
    }

    #[test]
    fn plurals_are_for_every_count_but_one() {
        assert_eq!([0, 1, 2].map(plural), ["s", "", "s"]);
    }
}
