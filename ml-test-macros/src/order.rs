//! A test attribute written above ours. `#[test]` above `#[ml_test]` expands first: it registers
//! the fn with libtest, and the fn ml-test then receives carries no trace of it, so the test
//! would be registered twice. `#[test_case]` above does the same (it writes `#[test]` above the
//! `#[ml_test]` it copies onto each case). The tokens cannot tell, so this reads the attribute
//! lines above ours in the source file, through the span of our attribute.
//!
//! Best effort by design: with no source file (rust-analyzer's expansion, code from another
//! macro), or with anything but attributes and line comments between, it finds nothing, and the
//! run-time check (the second registration fails when it runs) still catches the mistake.

/// The path of a test-registering attribute written directly above the attribute at `span`
/// (`test`, `test_case::test_case`, ...), if there is one.
pub(crate) fn test_attribute_above(span: proc_macro::Span) -> Option<String> {
    let file = span.local_file()?;
    let line = span.line();
    let text = std::fs::read_to_string(file).ok()?;
    let before: Vec<&str> = text.lines().take(line.checked_sub(1)?).collect();
    attributes_above(&before.join("\n"))
        .into_iter()
        .find(|path| registers_tests(path))
}

/// Whether an attribute with this path registers libtest tests without ml-test seeing it.
fn registers_tests(path: &str) -> bool {
    let path = path.trim_start_matches("::");
    let last = path.rsplit("::").next().unwrap_or(path);
    matches!(
        path,
        "test" | "core::prelude::v1::test" | "std::prelude::v1::test"
    ) || matches!(last, "test_case" | "test_matrix")
}

/// The paths of the outer attributes at the end of `text`, nearest first, over blank lines and
/// line comments; it stops at anything else.
fn attributes_above(text: &str) -> Vec<String> {
    let mut rest = text;
    let mut paths = Vec::new();
    loop {
        let trimmed = rest.trim_end();
        // A line comment (or doc comment) on its own line.
        if let Some(start) = trimmed.rfind('\n').map_or(Some(0), |n| Some(n + 1))
            && trimmed[start..].trim_start().starts_with("//")
        {
            rest = &trimmed[..start];
            continue;
        }
        let Some(inner) = trimmed.strip_suffix(']') else {
            return paths;
        };
        // The `#[` that opens this attribute: brackets balanced from the end.
        let mut depth = 1;
        let mut open = None;
        for (at, c) in inner.char_indices().rev() {
            match c {
                ']' => depth += 1,
                '[' => {
                    depth -= 1;
                    if depth == 0 {
                        open = Some(at);
                        break;
                    }
                }
                _ => {}
            }
        }
        let open = match open {
            Some(open) if inner[..open].ends_with('#') => open,
            _ => return paths,
        };
        let body = &inner[open + 1..];
        let path: String = body
            .split(['(', '=', '['])
            .next()
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        paths.push(path);
        rest = &inner[..open - 1];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_attributes_directly_above_over_comments() {
        let text = "fn earlier() {}\n\n/// Docs.\n#[test]\n// why\n#[allow(x)]";
        assert_eq!(attributes_above(text), ["allow", "test"]);
        assert!(
            attributes_above(text)
                .iter()
                .any(|path| registers_tests(path))
        );
        let cases = "#[test_case::test_case(1, [2, 3] ; \"one\")]\n#[tokio::test]";
        assert_eq!(
            attributes_above(cases),
            ["tokio::test", "test_case::test_case"]
        );
        assert!(
            !registers_tests("tokio::test"),
            "tokio's test attribute goes either side"
        );
        assert!(registers_tests("test_case::test_case"));
        assert!(registers_tests("::core::prelude::v1::test"));
    }

    #[test]
    fn stops_at_anything_else() {
        assert!(attributes_above("#[test]\nfn previous() {}").is_empty());
        assert!(attributes_above("let x = a[0]").is_empty());
        assert!(attributes_above("").is_empty());
    }
}
