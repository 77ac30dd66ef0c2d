//! Why a call assertion or a mock value does not fit, in words that name both types and the
//! fix, so a failure never shows the same text for what was expected and what happened (two
//! versions of one crate print the same type name; a `Vec<&str>` prints as a `Vec<String>`).

/// `type_name`'s text without module paths: `alloc::vec::Vec<alloc::string::String>` becomes
/// `Vec<String>`.
pub(crate) fn short_type(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut segment_start = 0;
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            out.truncate(segment_start);
            continue;
        }
        out.push(c);
        if !(c.is_alphanumeric() || c == '_') {
            segment_start = out.len();
        }
    }
    out
}

/// Two type names side by side: short where that tells them apart, else in full, and when even
/// the full names agree, a note that they come from two versions of one crate.
pub(crate) fn two_types(expected: &str, actual: &str) -> (String, String, String) {
    let (short_expected, short_actual) = (short_type(expected), short_type(actual));
    if short_expected != short_actual {
        return (short_expected, short_actual, String::new());
    }
    if expected != actual {
        return (expected.to_owned(), actual.to_owned(), String::new());
    }
    let krate = expected.split("::").next().unwrap_or(expected);
    let note = format!(
        " (both print as `{short_expected}`: they come from two versions of crate `{krate}` in \
         the build, which rustc treats as unrelated types; `cargo tree -d` lists them)"
    );
    (short_expected, short_actual, note)
}

/// The ndarray versions this build of ml-test reads.
fn ndarray_versions() -> &'static str {
    match (
        cfg!(feature = "ndarray-0_16"),
        cfg!(feature = "ndarray-0_15"),
    ) {
        (false, false) => "0.17 only",
        (true, false) => "0.17 and 0.16",
        (false, true) => "0.17 and 0.15",
        (true, true) => "0.17, 0.16 and 0.15",
    }
}

const NUMBER_TYPES: [&str; 12] = [
    "i8", "i16", "i32", "i64", "isize", "u8", "u16", "u32", "u64", "usize", "f32", "f64",
];

/// For an ndarray of numbers that ml-test could not read, which can only be an array of an
/// ndarray version it does not read in this build: what to turn on.
pub(crate) fn foreign_ndarray(type_name: &str) -> Option<String> {
    if !type_name.starts_with("ndarray::") {
        return None;
    }
    // `ArrayBase<OwnedRepr<f64>, ..>`, `ArrayBase<ViewRepr<&f64>, ..>`: the element type.
    let element = type_name
        .split_once("Repr<")?
        .1
        .split(['>', ','])
        .next()?
        .trim_start_matches('&')
        .trim_start_matches("mut ")
        .trim();
    if !NUMBER_TYPES.contains(&element) {
        return None;
    }
    Some(format!(
        "`{}` is an ndarray of numbers from an ndarray version this build of ml-test does not \
         read (it reads {}): turn on ml-test's `ndarray-0_16` feature for ndarray 0.16 (linfa \
         0.8's) or `ndarray-0_15` for 0.15",
        short_type(type_name),
        ndarray_versions()
    ))
}

/// Why an input of type `type_name` has no numbers to compare, and what to compare it with.
pub(crate) fn not_numbers(type_name: &str, numeric: bool) -> String {
    if numeric {
        return format!(
            "the input (`{}`) has no array shape, as its rows differ in length, so numbers cannot \
             match it: compare it with `eq(..)`",
            short_type(type_name)
        );
    }
    if let Some(hint) = foreign_ndarray(type_name) {
        return hint;
    }
    let short = short_type(type_name);
    format!(
        "the input is a `{short}`, which is not numbers: compare it with `eq(value)` holding a \
         `{short}`, or read it with `mock.calls()[i].input::<{short}>()`"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_lose_their_paths() {
        assert_eq!(
            short_type("alloc::vec::Vec<alloc::string::String>"),
            "Vec<String>"
        );
        assert_eq!(short_type("&str"), "&str");
        assert_eq!(
            short_type(
                "ndarray::ArrayBase<ndarray::data_repr::OwnedRepr<f64>, ndarray::dimension::dim::Dim<[usize; 2]>>"
            ),
            "ArrayBase<OwnedRepr<f64>, Dim<[usize; 2]>>"
        );
    }

    #[test]
    fn types_that_print_alike_are_told_apart() {
        let (e, a, note) = two_types(
            "alloc::vec::Vec<&str>",
            "alloc::vec::Vec<alloc::string::String>",
        );
        assert_eq!(
            (e.as_str(), a.as_str(), note.as_str()),
            ("Vec<&str>", "Vec<String>", "")
        );
        let (e, a, _) = two_types("app::v1::Request", "app::v2::Request");
        assert_eq!(
            (e.as_str(), a.as_str()),
            ("app::v1::Request", "app::v2::Request")
        );
        let same = "ndarray::ArrayBase<ndarray::data_repr::OwnedRepr<f64>, ndarray::dimension::dim::Dim<[usize; 1]>>";
        let (_, _, note) = two_types(same, same);
        assert!(note.contains("two versions of crate `ndarray`"), "{note}");
    }

    #[test]
    fn only_an_ndarray_of_numbers_is_sent_to_the_features() {
        let array = "ndarray::ArrayBase<ndarray::data_repr::OwnedRepr<usize>, ndarray::dimension::dim::Dim<[usize; 1]>>";
        let hint = foreign_ndarray(array).unwrap();
        assert!(hint.contains("`ndarray-0_16` feature"), "{hint}");
        let view =
            "ndarray::ArrayBase<ndarray::ViewRepr<&f32>, ndarray::dimension::dim::Dim<[usize; 2]>>";
        assert!(foreign_ndarray(view).is_some());
        let strings = "ndarray::ArrayBase<ndarray::data_repr::OwnedRepr<alloc::string::String>, ndarray::dimension::dim::Dim<[usize; 1]>>";
        assert_eq!(foreign_ndarray(strings), None);
        assert_eq!(foreign_ndarray("alloc::vec::Vec<f64>"), None);
    }
}
