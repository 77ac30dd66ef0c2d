//! The page of a run, `index.html`: one self-contained file (its style inline, plots as inline
//! SVG, no script, nothing fetched), readable in any browser from disk. A summary by tier and by
//! kind of check with the failures first, filters by outcome and tier that work without
//! JavaScript (radio buttons and CSS), each test as a collapsed section (failed ones open), and
//! the ML Test Score coverage.

use std::fmt::Write as _;

use super::html_escape;
use super::record::{Outcome, Record};
use super::score;
use crate::Tier;

const STYLE: &str = "\
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1em 1.5em;color:#1d2330}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin:1.2em 0 .4em}h3{font-size:1em;margin:.8em 0 .3em}
table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #d5d9e0;padding:.2em .6em;text-align:left}
th{background:#f2f4f7}code,pre{font:12px/1.4 ui-monospace,monospace}
dl{display:grid;grid-template-columns:max-content 1fr;gap:0 1em;margin:.4em 0}dt{color:#667}dd{margin:0}
#summary{display:flex;flex-wrap:wrap;gap:0 2em;align-items:flex-start}#summary h2,#summary h3{flex-basis:100%}
pre.failure{background:#fff1f0;border-left:4px solid #c62828;padding:.6em;white-space:pre-wrap}
details.test{border:1px solid #d5d9e0;border-radius:6px;margin:.4em 0;padding:.3em .8em}
details.test>summary{cursor:pointer}details.test.failed{border-color:#c62828}
.badge{border-radius:4px;padding:0 .4em;font-size:.85em;margin-right:.4em}
.passed>summary .outcome,.badge.passed{background:#e3f4e4;color:#1b5e20}
.failed>summary .outcome,.badge.failed{background:#fde4e1;color:#b71c1c}
.tier{background:#e8eaf6;color:#283593}.muted{color:#667}
section.check{border-top:1px solid #eceff3;margin-top:.5em}section.check.failed h3{color:#b71c1c}
tr.failed td,tr.vacuous td{background:#fff4f2}tr.covered td{background:#eef8ef}
svg{max-width:100%;height:auto;background:#fff}
.filters{margin:.6em 0}.filters input{position:absolute;opacity:0}
.filters label{border:1px solid #b8c0cc;border-radius:4px;padding:.1em .6em;margin-right:.3em;cursor:pointer}
.filters input:checked+label{background:#283593;color:#fff}
#o-failed:checked~main .test:not(.failed),#o-passed:checked~main .test.failed{display:none}
";

/// The page of `records`, which it sorts: failures first, then by tier and name.
pub(crate) fn render(records: &mut [&Record]) -> String {
    records.sort_by(|a, b| {
        (a.outcome == Outcome::Failed)
            .cmp(&(b.outcome == Outcome::Failed))
            .reverse()
            .then_with(|| tier_rank(&a.tier).cmp(&tier_rank(&b.tier)))
            .then_with(|| (&a.binary, &a.name).cmp(&(&b.binary, &b.name)))
    });
    let failed = records
        .iter()
        .filter(|r| r.outcome == Outcome::Failed)
        .count();
    let mut html = String::from("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">");
    let _ = write!(
        html,
        "<title>ml-test report: {failed} failed of {}</title><style>{STYLE}",
        records.len()
    );
    let tiers: Vec<&str> = Tier::ALL
        .iter()
        .map(|tier| tier.as_str())
        .filter(|tier| records.iter().any(|r| r.tier == *tier))
        .collect();
    for tier in &tiers {
        let _ = write!(
            html,
            "#t-{tier}:checked~main .test:not(.tier-{tier}){{display:none}}"
        );
    }
    let _ = write!(
        html,
        "</style></head><body><header><h1>ml-test run report</h1><p>{} tests: {} passed, \
         {failed} failed.</p></header>",
        records.len(),
        records.len() - failed,
    );
    html.push_str("<div class=\"filters\">");
    filters(&mut html, "o", &["all", "failed", "passed"]);
    html.push_str("</div><div class=\"filters\">");
    let mut tier_options = vec!["all"];
    tier_options.extend(&tiers);
    filters(&mut html, "t", &tier_options);
    html.push_str("</div><main>");
    summary(&mut html, records);
    html.push_str("<section id=\"tests\"><h2>Tests</h2>");
    // Each shared section's key, and the test that drew it.
    let mut drawn: Vec<(&str, String)> = Vec::new();
    for record in records.iter().copied() {
        test(&mut html, record, &mut drawn);
    }
    html.push_str("</section>");
    let evidence: Vec<(&str, &str)> = records
        .iter()
        .flat_map(|r| {
            r.evidence
                .iter()
                .map(move |item| (item.as_str(), r.name.as_str()))
        })
        .collect();
    html.push_str(&score::render(&evidence));
    html.push_str("</main></body></html>\n");
    html
}

fn tier_rank(tier: &str) -> usize {
    Tier::ALL
        .iter()
        .position(|t| t.as_str() == tier)
        .unwrap_or(Tier::ALL.len())
}

/// A group of radio buttons that filter the tests; the first is checked.
fn filters(html: &mut String, group: &str, options: &[&str]) {
    for (i, option) in options.iter().enumerate() {
        let _ = write!(
            html,
            "<input type=\"radio\" name=\"{group}\" id=\"{group}-{option}\"{checked}>\
             <label for=\"{group}-{option}\">{option}</label>",
            checked = if i == 0 { " checked" } else { "" },
        );
    }
}

/// Counts by tier and by kind of check, and a link to every failure.
fn summary(html: &mut String, records: &[&Record]) {
    html.push_str(
        "<section id=\"summary\"><h2>Summary</h2><table><thead><tr><th>tier</th><th>passed</th>\
         <th>failed</th></tr></thead><tbody>",
    );
    // Plain arrays and vectors rather than maps: this code is linked into every test binary,
    // and each map type it instantiates adds to every link (BENCHMARKS.md, "Compile budget").
    let mut by_tier = [(0usize, 0usize); Tier::ALL.len()];
    // Kind, passed, failed; kept in the kinds' alphabetical order.
    let mut by_kind: Vec<(&str, usize, usize)> = Vec::new();
    for record in records {
        let failed = record.outcome == Outcome::Failed;
        if let Some(row) = by_tier.get_mut(tier_rank(&record.tier)) {
            if failed { row.1 += 1 } else { row.0 += 1 }
        }
        for (i, kind) in record.kinds.iter().enumerate() {
            if record.kinds[..i].contains(kind) {
                continue;
            }
            let at = by_kind
                .iter()
                .position(|row| row.0 >= kind.as_str())
                .unwrap_or(by_kind.len());
            if by_kind.get(at).is_none_or(|row| row.0 != kind) {
                by_kind.insert(at, (kind, 0, 0));
            }
            let row = &mut by_kind[at];
            if failed { row.2 += 1 } else { row.1 += 1 }
        }
    }
    for (tier, (passed, failed)) in Tier::ALL.iter().zip(by_tier) {
        if passed + failed > 0 {
            let _ = write!(
                html,
                "<tr><td>{tier}</td><td>{passed}</td><td>{failed}</td></tr>"
            );
        }
    }
    html.push_str("</tbody></table>");
    if !by_kind.is_empty() {
        html.push_str(
            "<table><thead><tr><th>tests with checks of kind</th><th>passed</th><th>failed</th>\
             </tr></thead><tbody>",
        );
        for (kind, passed, failed) in &by_kind {
            let _ = write!(
                html,
                "<tr><td>{kind}</td><td>{passed}</td><td>{failed}</td></tr>"
            );
        }
        html.push_str("</tbody></table>");
    }
    let failures: Vec<&Record> = records
        .iter()
        .copied()
        .filter(|r| r.outcome == Outcome::Failed)
        .collect();
    if !failures.is_empty() {
        html.push_str("<h3>Failures</h3><ul class=\"failures\">");
        for record in failures {
            let _ = write!(
                html,
                "<li><a href=\"#{id}\">{name}</a> <span class=\"muted\">{binary}</span></li>",
                id = id(record),
                name = html_escape(&record.name),
                binary = html_escape(&record.binary),
            );
        }
        html.push_str("</ul>");
    }
    html.push_str("</section>");
}

fn id(record: &Record) -> String {
    format!("test-{}", record.file_name().trim_end_matches(".html"))
}

/// One test, collapsed unless it failed. A section another test already drew (the run of a
/// check group) is a link to it.
fn test<'r>(html: &mut String, record: &'r Record, drawn: &mut Vec<(&'r str, String)>) {
    let outcome = record.outcome == Outcome::Failed;
    let _ = write!(
        html,
        "<details class=\"test {class} tier-{tier}\" id=\"{id}\"{open}><summary>\
         <span class=\"badge outcome\">{outcome}</span><strong>{name}</strong> \
         <span class=\"badge tier\">{tier}</span><span class=\"muted\">{binary} · {ms:.1} ms</span>\
         </summary>{head}",
        class = if outcome { "failed" } else { "passed" },
        tier = html_escape(&record.tier),
        id = id(record),
        open = if outcome { " open" } else { "" },
        outcome = record.outcome.as_str().replace('-', " "),
        name = html_escape(&record.name),
        binary = html_escape(&record.binary),
        ms = record.duration.as_secs_f64() * 1e3,
        head = record.head,
    );
    for (shared, section) in &record.sections {
        if shared.is_empty() {
            html.push_str(section);
            continue;
        }
        match drawn.iter().find(|(key, _)| key == shared) {
            Some((_, first)) => {
                let _ = write!(
                    html,
                    "<p class=\"shared muted\">The run these checks share is drawn with \
                     <a href=\"#{first}\">the first of them</a>.</p>"
                );
            }
            None => {
                drawn.push((shared, id(record)));
                html.push_str(section);
            }
        }
    }
    html.push_str("</details>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn record(name: &str, tier: &str, outcome: Outcome, sections: Vec<(&str, &str)>) -> Record {
        Record {
            name: name.to_owned(),
            binary: "suite".to_owned(),
            tier: tier.to_owned(),
            outcome,
            duration: Duration::from_millis(3),
            kinds: vec!["convergence".to_owned()],
            evidence: vec![],
            head: "<dl></dl>".to_owned(),
            sections: sections
                .into_iter()
                .map(|(shared, html)| (shared.to_owned(), html.to_owned()))
                .collect(),
        }
    }

    #[test]
    fn failures_come_first_then_tiers_in_order() {
        let records = [
            record("b_slow", "slow", Outcome::Passed, vec![]),
            record("a_unit", "unit", Outcome::Passed, vec![]),
            record("z_failed", "e2e", Outcome::Failed, vec![]),
        ];
        let html = render(&mut records.iter().collect::<Vec<_>>());
        let at = |name: &str| html.find(&format!("<strong>{name}</strong>")).unwrap();
        assert!(
            at("z_failed") < at("a_unit") && at("a_unit") < at("b_slow"),
            "{html}"
        );
        assert!(html.contains("<title>ml-test report: 1 failed of 3</title>"));
        assert!(html.contains("id=\"test-suite.z_failed\" open>"), "{html}");
        assert!(
            html.contains("#t-e2e:checked~main .test:not(.tier-e2e)"),
            "{html}"
        );
        assert!(
            !html.contains("#t-gpu"),
            "a filter for each tier present only"
        );
        assert!(!html.contains("<script"), "readable without JavaScript");
    }

    #[test]
    fn a_shared_section_is_drawn_once() {
        let records = [
            record(
                "group::loss_decreases",
                "slow",
                Outcome::Passed,
                vec![("g", "<svg id=\"curve\"></svg>"), ("", "<p>verdict 1</p>")],
            ),
            record(
                "group::overfits",
                "slow",
                Outcome::Passed,
                vec![("g", "<svg id=\"curve\"></svg>"), ("", "<p>verdict 2</p>")],
            ),
        ];
        let html = render(&mut records.iter().collect::<Vec<_>>());
        assert_eq!(html.matches("<svg id=\"curve\">").count(), 1, "{html}");
        assert!(html.contains("verdict 1") && html.contains("verdict 2"));
        assert!(
            html.contains("href=\"#test-suite.group--loss_decreases\""),
            "{html}"
        );
    }
}
