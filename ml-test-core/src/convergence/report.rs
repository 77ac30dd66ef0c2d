//! Rendering a failed check: the numbers and a sparkline of the loss curve.

/// A unicode sparkline of `values`, at most `width` characters: each character is the mean of
/// its bucket of steps, scaled between the finite minimum and maximum; `×` marks a non-finite
/// value.
///
/// ```
/// use ml_test_core::convergence::report::sparkline;
/// assert_eq!(sparkline(&[4.0, 3.0, 2.0, 1.0], 60), "█▆▃▁");
/// assert_eq!(sparkline(&[1.0, f64::NAN], 60), "▄×"); // a flat curve sits mid-height
/// ```
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
            "loss {first:.4} {} {last:.4}  ({} steps)",
            sparkline(losses, 60),
            losses.len()
        ),
        _ => "loss: no steps recorded".to_owned(),
    }
}
