//! What ml-test's checks show in the run report (`ML_TEST_REPORT`, see the runner's `report`
//! module, which writes the records and the page): the HTML of a section, its tables, and its
//! plots as inline SVG. Each check builds its own section (convergence groups, behaviour,
//! gates, latency, e2e) only when the report is on.

use std::fmt::Write as _;

#[cfg(feature = "e2e")]
pub(crate) use ml_test_runner::report::extend_table;
pub(crate) use ml_test_runner::report::{Section, attach, enabled, html_escape};

/// A table: a header row, then rows whose first string is the row's class (`passed`,
/// `failed`, `vacuous` or empty); the cells are HTML.
pub(crate) fn table(
    headers: &[&str],
    rows: impl IntoIterator<Item = (&'static str, Vec<String>)>,
) -> String {
    let mut html = String::from("<table><thead><tr>");
    for header in headers {
        let _ = write!(html, "<th>{header}</th>");
    }
    html.push_str("</tr></thead><tbody>");
    for (class, cells) in rows {
        let _ = write!(html, "<tr class=\"{class}\">");
        for cell in cells {
            let _ = write!(html, "<td>{cell}</td>");
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table>");
    html
}

/// A two-column table of names and values (a run's numbers, thresholds, percentiles).
pub(crate) fn name_value_table<'n>(
    (name, value): (&str, &str),
    rows: impl IntoIterator<Item = (&'n str, String)>,
) -> String {
    table(
        &[name, value],
        rows.into_iter()
            .map(|(name, value)| ("", vec![name.to_owned(), value])),
    )
}

/// What a chart draws besides its line: horizontal lines (a target, a budget) and shaded spans
/// of x (the windows a check compares), each with its label.
#[derive(Default)]
pub(crate) struct Marks<'a> {
    pub(crate) lines: Vec<(f64, &'a str)>,
    pub(crate) spans: Vec<(f64, f64, &'a str)>,
}

/// A line chart of `points` as inline SVG (non-finite points left out), with `marks`.
#[cfg(feature = "plots")]
pub(crate) fn line_chart(
    title: &str,
    (x_label, y_label): (&str, &str),
    points: &[(f64, f64)],
    marks: &Marks<'_>,
) -> String {
    use plotters::prelude::*;
    let finite: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    let ys = finite
        .iter()
        .map(|(_, y)| *y)
        .chain(marks.lines.iter().map(|(y, _)| *y));
    let (lo, hi) = span_of(ys);
    let (x_lo, x_hi) = span_of(finite.iter().map(|(x, _)| *x));
    figure((720, 300), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 15))
            .margin(10)
            .x_label_area_size(34)
            .y_label_area_size(60)
            .build_cartesian_2d(x_lo..x_hi, lo..hi)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .draw()?;
        for (from, to, label) in &marks.spans {
            chart
                .draw_series([Rectangle::new(
                    [(*from, lo), (*to, hi)],
                    RGBColor(255, 193, 7).mix(0.18).filled(),
                )])?
                .label(*label);
        }
        chart.draw_series(LineSeries::new(finite.iter().copied(), &BLUE))?;
        let lines = marks
            .lines
            .iter()
            .map(|(y, label)| ([(x_lo, *y), (x_hi, *y)], *label));
        draw_marked_lines(&mut chart, lines)
    })
}

/// A histogram of `values` (in `unit`) in `bins` equal bins as inline SVG, with `marks`' lines
/// drawn as vertical lines (a budget).
#[cfg(feature = "plots")]
pub(crate) fn histogram(
    title: &str,
    unit: &str,
    values: &[f64],
    bins: usize,
    marks: &Marks<'_>,
) -> String {
    use plotters::prelude::*;
    let (lo, hi) = span_of(
        values
            .iter()
            .copied()
            .chain(marks.lines.iter().map(|(x, _)| *x)),
    );
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0usize; bins];
    for value in values.iter().filter(|v| v.is_finite()) {
        counts[(((value - lo) / width) as usize).min(bins - 1)] += 1;
    }
    let top = counts.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.1;
    figure((720, 260), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 15))
            .margin(10)
            .x_label_area_size(34)
            .y_label_area_size(50)
            .build_cartesian_2d(lo..hi, 0f64..top)?;
        chart
            .configure_mesh()
            .x_desc(unit)
            .y_desc("samples")
            .draw()?;
        chart.draw_series(counts.iter().enumerate().map(|(i, count)| {
            let from = lo + i as f64 * width;
            Rectangle::new(
                [(from, 0.0), (from + width, *count as f64)],
                BLUE.mix(0.5).filled(),
            )
        }))?;
        let lines = marks
            .lines
            .iter()
            .map(|(x, label)| ([(*x, 0.0), (*x, top)], *label));
        draw_marked_lines(&mut chart, lines)
    })
}

#[cfg(feature = "plots")]
type Area<'s> =
    plotters::drawing::DrawingArea<plotters::backend::SVGBackend<'s>, plotters::coord::Shift>;

#[cfg(feature = "plots")]
type Chart<'a, 's> = plotters::chart::ChartContext<
    'a,
    plotters::backend::SVGBackend<'s>,
    plotters::coord::cartesian::Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::types::RangedCoordf64,
    >,
>;

#[cfg(feature = "plots")]
type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// An SVG figure of `size` drawn by `draw` on a white background, or a line that says why it
/// could not be drawn.
#[cfg(feature = "plots")]
fn figure(size: (u32, u32), draw: impl for<'s> FnOnce(&Area<'s>) -> DrawResult) -> String {
    use plotters::prelude::*;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let drawn = root
            .fill(&WHITE)
            .map_err(|error| error.to_string())
            .and_then(|()| draw(&root).map_err(|error| error.to_string()))
            .and_then(|()| root.present().map_err(|error| error.to_string()));
        if let Err(error) = drawn {
            return format!(
                "<p>the plot could not be drawn: {}</p>",
                html_escape(&error)
            );
        }
    }
    format!("<figure class=\"plot\">{svg}</figure>")
}

/// Red lines between each pair of points, each with its label in the chart's legend.
#[cfg(feature = "plots")]
fn draw_marked_lines<'l, 'a, 's: 'a>(
    chart: &mut Chart<'a, 's>,
    lines: impl Iterator<Item = ([(f64, f64); 2], &'l str)>,
) -> DrawResult {
    use plotters::prelude::*;
    let mut any = false;
    for (ends, label) in lines {
        any = true;
        chart
            .draw_series(LineSeries::new(ends, RED.stroke_width(1)))?
            .label(label)
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], RED));
    }
    if any {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK.mix(0.3))
            .draw()?;
    }
    Ok(())
}

/// Without the `plots` feature there is no plot: the section says so.
#[cfg(not(feature = "plots"))]
pub(crate) fn line_chart(_: &str, _: (&str, &str), _: &[(f64, f64)], _: &Marks<'_>) -> String {
    NO_PLOTS.to_owned()
}

/// Without the `plots` feature there is no plot: the section says so.
#[cfg(not(feature = "plots"))]
pub(crate) fn histogram(_: &str, _: &str, _: &[f64], _: usize, _: &Marks<'_>) -> String {
    NO_PLOTS.to_owned()
}

#[cfg(not(feature = "plots"))]
const NO_PLOTS: &str = "<p>No plot: ml-test's `plots` feature (part of `testing`) is off.</p>";

/// The range an axis shows for `values` (finite ones), widened when they are all equal.
#[cfg(feature = "plots")]
fn span_of(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        (0.0, 1.0)
    } else if hi - lo < 1e-12 * hi.abs().max(1.0) {
        (lo - 0.5, hi + 0.5)
    } else {
        let pad = (hi - lo) * 0.04;
        (lo - pad, hi + pad)
    }
}

#[cfg(all(test, feature = "plots"))]
mod tests {
    use super::*;

    #[test]
    fn a_line_chart_is_inline_svg_with_its_line_marks_and_spans() {
        let points: Vec<(f64, f64)> = (0..20)
            .map(|i| (i as f64, 1.0 / (1.0 + i as f64)))
            .collect();
        let marks = Marks {
            lines: vec![(0.05, "target 0.05")],
            spans: vec![(0.0, 2.0, "first window"), (18.0, 19.0, "last window")],
        };
        let html = line_chart("loss", ("step", "loss"), &points, &marks);
        assert!(html.starts_with("<figure class=\"plot\"><svg"), "{html}");
        let count = |needle: &str| html.matches(needle).count();
        assert_eq!(count("stroke=\"#0000FF\""), 1, "the curve: {html}");
        assert_eq!(
            count("stroke=\"#FF0000\""),
            2,
            "the target, and its legend: {html}"
        );
        assert!(html.contains("target 0.05"), "{html}");
        assert_eq!(count("fill=\"#FFC107\""), 2, "the two windows: {html}");
    }

    #[test]
    fn a_histogram_counts_every_value_and_draws_the_budget() {
        let values = [1.0, 1.1, 1.2, 5.0];
        let marks = Marks {
            lines: vec![(4.0, "budget 4 ms")],
            spans: vec![],
        };
        let html = histogram("latency", "ms", &values, 4, &marks);
        assert!(html.contains("budget 4 ms"), "{html}");
        let count = |needle: &str| html.matches(needle).count();
        assert_eq!(
            count("stroke=\"#FF0000\""),
            2,
            "the budget, and its legend: {html}"
        );
        // Four bins drawn, empty ones too: heights 3, 0, 0 and 1 (the three fast calls, the
        // slow one), so two bars are as tall as each other's ratio says.
        let bars: Vec<f64> = html
            .split("<rect ")
            .filter(|rect| rect.contains("fill=\"#0000FF\""))
            .map(|rect| {
                let height = rect.split("height=\"").nth(1).unwrap();
                height[..height.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert_eq!(bars.len(), 4, "{html}");
        assert_eq!(bars.iter().filter(|h| **h == 0.0).count(), 2, "{bars:?}");
        let (tallest, last) = (bars[0], bars[3]);
        assert!((tallest / last - 3.0).abs() < 0.1, "{bars:?}");
    }
}
