//! Rendering a failed check: the numbers and a sparkline of the loss curve.

/// A unicode sparkline of `values`, at most `width` characters: each character is the mean of
/// its bucket of steps, scaled between the finite minimum and maximum; `×` marks a non-finite
/// value: `[4.0, 3.0, 2.0, 1.0]` is `█▆▃▁`, and a flat curve sits mid-height.
pub fn sparkline(values: &[f64], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let width = width.max(1);
    let buckets: Vec<f64> = if values.len() <= width {
        values.to_vec()
    } else {
        (0..width)
            .map(|i| {
                let bucket = &values[i * values.len() / width..(i + 1) * values.len() / width];
                bucket.iter().sum::<f64>() / bucket.len() as f64
            })
            .collect()
    };
    let finite = buckets.iter().copied().filter(|v| v.is_finite());
    let (min, max) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    buckets
        .iter()
        .map(|v| {
            if !v.is_finite() {
                '×'
            } else if max - min <= f64::EPSILON * max.abs().max(1.0) {
                BARS[3]
            } else {
                BARS[(((v - min) / (max - min)) * 7.0).round() as usize]
            }
        })
        .collect()
}

/// The loss-curve line of a failure message: first value, sparkline, last value, and counts.
pub fn loss_curve(losses: &[f64]) -> String {
    match (losses.first(), losses.last()) {
        (Some(first), Some(last)) => format!(
            "loss {} {} {}  ({} steps)",
            crate::text::Compact(*first),
            sparkline(losses, 60),
            crate::text::Compact(*last),
            losses.len()
        ),
        _ => "loss: no steps recorded".to_owned(),
    }
}

/// Where loss plots go: `ML_TEST_PLOT_DIR` if set, else `<target dir>/ml-test/plots`, where the
/// target dir is `CARGO_TARGET_DIR` or the one holding the running test binary.
pub fn plot_dir() -> std::path::PathBuf {
    use std::path::PathBuf;
    if let Some(dir) = std::env::var_os("ML_TEST_PLOT_DIR") {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            // Test binaries live in <target>/<profile>/deps; cargo marks <target> with CACHEDIR.TAG.
            let exe = std::env::current_exe().ok()?;
            exe.ancestors()
                .find(|dir| dir.join("CACHEDIR.TAG").is_file())
                .map(PathBuf::from)
        });
    target
        .unwrap_or_else(std::env::temp_dir)
        .join("ml-test")
        .join("plots")
}

/// Writes an SVG plot of the loss curve to `path` (non-finite steps are left out of the line).
/// Without the `plots` feature, says that it is off.
#[cfg(not(feature = "plots"))]
pub fn write_loss_plot(_: &std::path::Path, _: &str, _: &[f64]) -> Result<(), String> {
    Err("ml-test's `plots` feature, part of `testing`, is off".to_owned())
}

/// Writes an SVG plot of the loss curve to `path` (non-finite steps are left out of the line).
#[cfg(feature = "plots")]
pub fn write_loss_plot(path: &std::path::Path, title: &str, losses: &[f64]) -> Result<(), String> {
    use plotters::prelude::*;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let finite: Vec<(f64, f64)> = losses
        .iter()
        .enumerate()
        .filter(|(_, l)| l.is_finite())
        .map(|(step, l)| (step as f64, *l))
        .collect();
    let (lo, hi) = finite
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (_, l)| {
            (lo.min(*l), hi.max(*l))
        });
    let (lo, hi) = if finite.is_empty() {
        (0.0, 1.0)
    } else if hi - lo < 1e-12 {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    };
    let root = SVGBackend::new(path, (800, 400)).into_drawing_area();
    let draw = || -> Result<(), Box<dyn std::error::Error>> {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..(losses.len().max(2) - 1) as f64, lo..hi)?;
        chart
            .configure_mesh()
            .x_desc("step")
            .y_desc("loss")
            .draw()?;
        chart.draw_series(LineSeries::new(finite.iter().copied(), &BLUE))?;
        root.present()?;
        Ok(())
    };
    draw().map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sparkline_scales_between_the_extremes_and_marks_non_finite_values() {
        assert_eq!(sparkline(&[4.0, 3.0, 2.0, 1.0], 60), "█▆▃▁");
        assert_eq!(sparkline(&[1.0, f64::NAN], 60), "▄×");
    }

    #[cfg(not(feature = "plots"))]
    #[test]
    fn without_the_plots_feature_the_plot_says_it_is_off() {
        let error = write_loss_plot(std::path::Path::new("x.svg"), "", &[1.0]).unwrap_err();
        assert!(error.contains("`plots` feature"), "{error}");
    }

    #[cfg(feature = "plots")]
    #[test]
    fn the_plot_is_an_svg_with_the_curve_and_the_title() {
        let path = std::env::temp_dir().join(format!("ml-test-plot-{}.svg", std::process::id()));
        let losses: Vec<f64> = (0..50)
            .map(|i| 1.0 / (1.0 + i as f64))
            .chain([f64::NAN])
            .collect();
        write_loss_plot(&path, "xor_mlp: loss_decreases failed", &losses).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..100]);
        assert!(svg.contains("xor_mlp: loss_decreases failed"));
        assert!(svg.contains("<polyline"), "the loss curve is drawn");
    }

    #[test]
    fn long_curves_are_bucketed_to_the_width() {
        let losses: Vec<f64> = (0..10_000).map(|i| -(i as f64)).collect();
        let line = sparkline(&losses, 60);
        assert_eq!(line.chars().count(), 60);
        assert!(line.starts_with('█') && line.ends_with('▁'), "{line}");
    }
}
