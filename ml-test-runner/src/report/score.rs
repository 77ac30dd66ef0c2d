//! The ML Test Score (Breck et al., "The ML Test Score: A Rubric for ML Production Readiness and
//! Technical Debt Reduction", IEEE Big Data 2017): 28 items in four sections of seven. The
//! report credits an item when a test of the run that passed evidences it; a failed or ignored
//! test earns nothing.
//!
//! The rubric's final score is the minimum of the four section sums. Its monitoring section is
//! continuous monitoring in production, which no test suite can show, so that minimum is 0 for
//! any suite: the report shows each section's coverage and the ceiling a test suite can reach
//! instead, and says why it prints no final score.

use std::fmt::Write as _;

use super::html_escape;
use crate::Tier;

/// One item of the rubric.
pub struct Item {
    /// `data.1` .. `monitor.7`.
    pub id: &'static str,
    /// What it asks, in short.
    pub asks: &'static str,
    /// What an ml-test run shows for it; `None` when no test suite can (the ceiling).
    pub evidence: Option<&'static str>,
}

const fn item(id: &'static str, asks: &'static str, evidence: Option<&'static str>) -> Item {
    Item { id, asks, evidence }
}

/// The four sections, in the rubric's order.
pub const SECTIONS: [(&str, &str); 4] = [
    ("data", "Data and features"),
    ("model", "Model development"),
    ("infra", "ML infrastructure"),
    ("monitor", "Monitoring"),
];

/// Every item, section by section.
pub const ITEMS: [Item; 28] = [
    item(
        "data.1",
        "feature expectations are captured in a schema",
        None,
    ),
    item("data.2", "every feature is beneficial", None),
    item(
        "data.3",
        "no feature's cost is too much",
        Some("a passing latency budget"),
    ),
    item("data.4", "features adhere to meta-level requirements", None),
    item("data.5", "the data pipeline has privacy controls", None),
    item("data.6", "new features can be added quickly", None),
    item(
        "data.7",
        "all input feature code is tested",
        Some("passing behaviour cases over the features a test changes"),
    ),
    item("model.1", "model specs are reviewed and submitted", None),
    item("model.2", "offline and online metrics correlate", None),
    item("model.3", "all hyperparameters have been tuned", None),
    item("model.4", "the impact of model staleness is known", None),
    item("model.5", "a simpler model is not better", None),
    item(
        "model.6",
        "model quality is sufficient on important data slices",
        None,
    ),
    item(
        "model.7",
        "the model is tested for considerations of inclusion",
        Some("passing behaviour invariance cases, none vacuous"),
    ),
    item(
        "infra.1",
        "training is reproducible",
        Some("a passing `deterministic` convergence check"),
    ),
    item(
        "infra.2",
        "model specification code is unit tested",
        Some(
            "passing convergence checks (loss decreases, overfits, weights move) and output contracts",
        ),
    ),
    item(
        "infra.3",
        "the full ML pipeline is integration tested",
        Some("a passing test of tier integration or slow"),
    ),
    item(
        "infra.4",
        "model quality is validated before attempting to serve it",
        Some("passing quality gates, known-answer or directional behaviour cases, or seed sweeps"),
    ),
    item(
        "infra.5",
        "the model allows debugging by observing the step-by-step computation",
        None,
    ),
    item(
        "infra.6",
        "models are canaried before serving",
        Some("a passing e2e test against a deployment"),
    ),
    item("infra.7", "serving models can be rolled back", None),
    item(
        "monitor.1",
        "dependency changes result in notification",
        None,
    ),
    item(
        "monitor.2",
        "data invariants hold in training and serving inputs",
        None,
    ),
    item(
        "monitor.3",
        "training and serving features compute the same values",
        None,
    ),
    item("monitor.4", "models are not too stale", None),
    item("monitor.5", "the model is numerically stable", None),
    item(
        "monitor.6",
        "the model has not regressed in speed or memory",
        None,
    ),
    item(
        "monitor.7",
        "the model has not regressed in prediction quality on served data",
        None,
    ),
];

/// What a passing test of `tier` evidences by its tier alone.
pub(crate) fn from_tier(tier: Tier) -> &'static [&'static str] {
    match tier {
        Tier::Integration | Tier::Slow => &["infra.3"],
        Tier::E2e => &["infra.6"],
        Tier::Unit | Tier::Gpu => &[],
    }
}

/// The coverage section of the page: each section's items, which the run evidenced and by which
/// tests, and the ceiling.
pub(crate) fn render(evidence: &[(&str, &str)]) -> String {
    let earned: Vec<&str> = evidence.iter().map(|(item, _)| *item).collect();
    let mut html = String::from(
        "<section id=\"score\"><h2>ML Test Score coverage</h2><p>An item counts when a test \
         of this run that evidences it passed; failed and ignored tests earn nothing. The \
         rubric's final score is the minimum of its four sections, and its monitoring section \
         is about production, which no test suite shows, so that minimum would be 0 for any \
         suite: this report gives each section's coverage instead, against the most a test \
         suite can reach.</p><table class=\"score\"><thead><tr><th>section</th><th>covered</th>\
         <th>reachable from tests</th></tr></thead><tbody>",
    );
    for (key, title) in SECTIONS {
        let items = ITEMS
            .iter()
            .filter(|item| item.id.split('.').next() == Some(key));
        let (total, reachable, covered) = items.fold((0, 0, 0), |(t, r, c), item| {
            (
                t + 1,
                r + usize::from(item.evidence.is_some()),
                c + usize::from(earned.contains(&item.id)),
            )
        });
        let _ = write!(
            html,
            "<tr><td>{title}</td><td>{covered} of {total}</td><td>{reachable} of {total}</td></tr>"
        );
    }
    html.push_str("</tbody></table><details><summary>Every item</summary><table class=\"items\"><thead><tr><th>item</th><th>asks</th><th>ml-test evidence</th><th>this run</th></tr></thead><tbody>");
    for item in &ITEMS {
        let tests: Vec<&str> = evidence
            .iter()
            .filter(|(id, _)| *id == item.id)
            .map(|(_, test)| *test)
            .collect();
        let run = match (item.evidence, tests.as_slice()) {
            (None, _) => "out of a test suite's reach".to_owned(),
            (Some(_), []) => "not shown".to_owned(),
            (Some(_), tests) => format!(
                "covered by {}",
                tests
                    .iter()
                    .map(|test| html_escape(test))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let _ = write!(
            html,
            "<tr class=\"{class}\"><td>{id}</td><td>{asks}</td><td>{how}</td><td>{run}</td></tr>",
            class = if earned.contains(&item.id) {
                "covered"
            } else {
                "uncovered"
            },
            id = item.id,
            asks = item.asks,
            how = item.evidence.unwrap_or("none"),
        );
    }
    html.push_str("</tbody></table></details></section>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rubric_has_seven_items_per_section_and_monitoring_is_out_of_reach() {
        for (key, _) in SECTIONS {
            let items: Vec<&Item> = ITEMS.iter().filter(|i| i.id.starts_with(key)).collect();
            assert_eq!(items.len(), 7, "{key}");
            for (n, item) in items.iter().enumerate() {
                assert_eq!(item.id, format!("{key}.{}", n + 1));
            }
        }
        assert!(
            ITEMS
                .iter()
                .filter(|i| i.id.starts_with("monitor"))
                .all(|i| i.evidence.is_none())
        );
    }

    #[test]
    fn coverage_counts_each_item_once_and_never_prints_a_final_minimum() {
        let html = render(&[
            ("infra.1", "a"),
            ("infra.1", "b"),
            ("infra.3", "c"),
            ("model.7", "d"),
        ]);
        assert!(
            html.contains("<td>ML infrastructure</td><td>2 of 7</td><td>5 of 7</td>"),
            "{html}"
        );
        assert!(
            html.contains("<td>Model development</td><td>1 of 7</td><td>1 of 7</td>"),
            "{html}"
        );
        assert!(
            html.contains("<td>Monitoring</td><td>0 of 7</td><td>0 of 7</td>"),
            "{html}"
        );
        assert!(html.contains("covered by a, b"), "{html}");
        assert!(!html.to_lowercase().contains("final score:"), "{html}");
    }
}
