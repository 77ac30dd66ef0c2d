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
    let source = source(file)?;
    // The text before the line of our attribute: only its end is read.
    let start = *source.line_starts.get(span.line().checked_sub(1)?)?;
    attributes_above(&source.text[..start])
        .into_iter()
        .find(|path| registers_tests(path))
}

/// A source file and where each of its lines starts.
struct Source {
    text: String,
    line_starts: Vec<usize>,
}

/// The file at `path`, read once while it is unchanged: a crate's tests are many expansions in
/// few files, and each needs only a few lines of it. Keyed by size and modification time too, for
/// a process that lives across edits (an editor's macro server). The files are few, so they are
/// kept in a short list compared by their paths' bytes (hashing a `Path` parses it).
fn source(path: std::path::PathBuf) -> Option<std::sync::Arc<Source>> {
    use std::sync::{Arc, Mutex};
    type Read = (
        std::path::PathBuf,
        u64,
        Option<std::time::SystemTime>,
        Option<Arc<Source>>,
    );
    static READ: Mutex<Vec<Read>> = Mutex::new(Vec::new());
    let metadata = std::fs::metadata(&path).ok()?;
    let (len, modified) = (metadata.len(), metadata.modified().ok());
    let mut read = READ.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((.., source)) = read.iter().find(|(known, known_len, known_modified, _)| {
        known.as_os_str().as_encoded_bytes() == path.as_os_str().as_encoded_bytes()
            && (*known_len, *known_modified) == (len, modified)
    }) {
        return source.clone();
    }
    let source = std::fs::read_to_string(&path).ok().map(|text| {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        Arc::new(Source { text, line_starts })
    });
    // An edited file's older versions go.
    read.retain(|(known, ..)| known.as_os_str() != path.as_os_str());
    read.push((path, len, modified, source.clone()));
    source
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
