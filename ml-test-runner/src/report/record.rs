//! One test's record: what the page shows of it, as a file of the report's directory. A header
//! of `key=value` lines (in an HTML comment) that the page sorts, counts and scores by, the
//! test's own HTML, then its sections, each after a marker line so that the page can draw a
//! section shared by several tests once.

use std::fmt::Write as _;
use std::time::Duration;

use super::Section;
use crate::TestEntry;
use crate::seeds::replay_command;

const HEADER: &str = "<!--ml-test-record\n";
const HEADER_END: &str = "-->\n";
const SECTION: &str = "\n<!--ml-test-section shared=";

/// How a test ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Passed,
    Failed,
    /// A `#[should_panic]` test that panicked: libtest checks the message.
    PanickedAsExpected,
}

impl Outcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::PanickedAsExpected => "panicked-as-expected",
        }
    }

    fn parse(text: &str) -> Option<Outcome> {
        [
            Outcome::Passed,
            Outcome::Failed,
            Outcome::PanickedAsExpected,
        ]
        .into_iter()
        .find(|outcome| outcome.as_str() == text)
    }

    pub(crate) fn passed(self) -> bool {
        self != Outcome::Failed
    }
}

/// A test's record, as written or as read back.
#[derive(Debug, PartialEq)]
pub(crate) struct Record {
    pub(crate) name: String,
    /// The test binary's file name: tests of two binaries may share a name.
    pub(crate) binary: String,
    pub(crate) tier: String,
    pub(crate) outcome: Outcome,
    pub(crate) duration: Duration,
    /// The kinds of the sections, in order (repeats kept).
    pub(crate) kinds: Vec<String>,
    /// The ML Test Score items the test evidences: none unless it passed.
    pub(crate) evidence: Vec<String>,
    /// The test's HTML: its seed, replay command and failure.
    pub(crate) head: String,
    /// Its sections' HTML, each with its shared key (empty when not shared).
    pub(crate) sections: Vec<(String, String)>,
}

impl Record {
    /// The record of `entry`'s run.
    pub(crate) fn of(
        entry: &'static TestEntry,
        seed: u64,
        outcome: Outcome,
        duration: Duration,
        failure: Option<String>,
        sections: Vec<Section>,
    ) -> Record {
        // In the items' order, each once (inserted, not sorted: less code in every test binary).
        let mut evidence: Vec<&str> = Vec::new();
        if outcome.passed() {
            let passing = sections.iter().filter(|section| section.passed);
            let items = super::score::from_tier(entry.tier())
                .iter()
                .chain(passing.flat_map(|section| section.evidence.iter()));
            for item in items {
                let at = evidence
                    .iter()
                    .position(|e| e >= item)
                    .unwrap_or(evidence.len());
                if evidence.get(at) != Some(item) {
                    evidence.insert(at, item);
                }
            }
        }
        let mut head = String::new();
        let _ = write!(
            head,
            "<dl><dt>seed</dt><dd>{seed}</dd><dt>source</dt><dd>{file}:{line}</dd>\
             <dt>replay</dt><dd><code>{replay}</code></dd></dl>",
            file = html_escape(entry.file()),
            line = entry.line(),
            replay = html_escape(&replay_command(entry, seed)),
        );
        if let Some(failure) = failure {
            let _ = write!(
                head,
                "<pre class=\"failure\">{}</pre>",
                html_escape(&failure)
            );
        }
        Record {
            name: entry.name().to_owned(),
            binary: binary_name(),
            tier: entry.tier().as_str().to_owned(),
            outcome,
            duration,
            kinds: sections.iter().map(|s| s.kind.to_owned()).collect(),
            evidence: evidence.into_iter().map(str::to_owned).collect(),
            head,
            sections: sections
                .into_iter()
                .map(|section| {
                    let html = format!(
                        "<section class=\"check {kind} {verdict}\"><h3>{title}</h3>{html}</section>",
                        kind = section.kind,
                        verdict = if section.passed { "passed" } else { "failed" },
                        title = html_escape(&section.title),
                        html = section.html,
                    );
                    (section.shared.unwrap_or_default(), html)
                })
                .collect(),
        }
    }

    /// The file's name in the run's directory: the binary and the test, which no other record
    /// of a run shares, made safe for a file name.
    pub(crate) fn file_name(&self) -> String {
        let safe = |text: &str| -> String {
            text.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '_' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect()
        };
        format!("{}.{}.html", safe(&self.binary), safe(&self.name))
    }

    /// The record as the file holds it.
    pub(crate) fn to_text(&self) -> String {
        let mut text = String::from(HEADER);
        let _ = write!(
            text,
            "name={}\nbinary={}\ntier={}\noutcome={}\nduration_us={}\nkinds={}\nevidence={}\n",
            self.name,
            self.binary,
            self.tier,
            self.outcome.as_str(),
            self.duration.as_micros(),
            self.kinds.join(" "),
            self.evidence.join(" "),
        );
        text.push_str(HEADER_END);
        text.push_str(&self.head);
        for (shared, html) in &self.sections {
            let _ = write!(text, "{SECTION}{shared}-->\n{html}");
        }
        text
    }

    /// A record from a file's text; `None` for anything else (a file cut short, an older format).
    pub(crate) fn parse(text: &str) -> Option<Record> {
        let rest = text.strip_prefix(HEADER)?;
        let (header, body) = rest.split_once(HEADER_END)?;
        let value = |key: &str| {
            header
                .lines()
                .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
        };
        let words = |key: &str| -> Option<Vec<String>> {
            Some(value(key)?.split_whitespace().map(str::to_owned).collect())
        };
        let mut parts = body.split(SECTION);
        let head = parts.next()?.to_owned();
        let sections = parts
            .map(|part| {
                let (shared, html) = part.split_once("-->\n")?;
                Some((shared.to_owned(), html.to_owned()))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Record {
            name: value("name")?.to_owned(),
            binary: value("binary")?.to_owned(),
            tier: value("tier")?.to_owned(),
            outcome: Outcome::parse(value("outcome")?)?,
            duration: Duration::from_micros(value("duration_us")?.parse().ok()?),
            kinds: words("kinds")?,
            evidence: words("evidence")?,
            head,
            sections,
        })
    }
}

/// The running test binary's file name, without the hash cargo appends (`model_tests`).
fn binary_name() -> String {
    let exe = std::env::current_exe().ok();
    let stem = exe
        .as_deref()
        .and_then(|path| path.file_stem())
        .and_then(|stem| stem.to_str())
        .unwrap_or("tests");
    match stem.rsplit_once('-') {
        Some((name, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            name.to_owned()
        }
        _ => stem.to_owned(),
    }
}

/// `text` with the characters HTML gives a meaning escaped, for text and attribute values.
pub fn html_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    static ENTRY: TestEntry = TestEntry::new(
        "krate::tests::trains__slow",
        crate::Tier::Slow,
        "tests/a.rs",
        7,
    );

    fn section(kind: &'static str, passed: bool, evidence: Vec<&'static str>) -> Section {
        Section {
            kind,
            title: "loss <curve>".to_owned(),
            html: "<svg></svg>".to_owned(),
            passed,
            evidence,
            shared: (kind == "convergence").then(|| "group".to_owned()),
        }
    }

    #[test]
    fn a_record_reads_back_as_written() {
        let record = Record::of(
            &ENTRY,
            42,
            Outcome::Failed,
            Duration::from_micros(1500),
            Some("expected <1>".to_owned()),
            vec![
                section("convergence", true, vec!["infra.1"]),
                section("gates", false, vec!["infra.4"]),
            ],
        );
        let text = record.to_text();
        assert_eq!(Record::parse(&text), Some(record));
        assert!(text.contains("expected &lt;1&gt;"), "{text}");
        assert!(text.contains("<h3>loss &lt;curve&gt;</h3>"), "{text}");
    }

    #[test]
    fn only_a_passing_test_evidences_anything_and_only_with_its_passing_checks() {
        let sections = || {
            vec![
                section("convergence", true, vec!["infra.1"]),
                section("gates", false, vec!["infra.4"]),
            ]
        };
        let failed = Record::of(&ENTRY, 1, Outcome::Failed, Duration::ZERO, None, sections());
        assert!(failed.evidence.is_empty());
        let passed = Record::of(&ENTRY, 1, Outcome::Passed, Duration::ZERO, None, sections());
        // slow tier: the full pipeline claim; the passing convergence check: reproducibility.
        assert_eq!(passed.evidence, ["infra.1", "infra.3"]);
    }

    #[test]
    fn a_truncated_or_foreign_file_is_no_record() {
        assert_eq!(Record::parse("<html></html>"), None);
        assert_eq!(Record::parse("<!--ml-test-record\nname=a\n"), None);
    }

    #[test]
    fn file_names_keep_binary_and_test_apart() {
        let record = Record::of(&ENTRY, 1, Outcome::Passed, Duration::ZERO, None, vec![]);
        let name = record.file_name();
        assert!(name.ends_with(".tests--trains__slow.html"), "{name}");
        assert!(!name.contains('/') && !name.contains(':'), "{name}");
    }
}
