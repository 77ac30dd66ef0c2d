//! The intervals that overlap-counting tests log (`name start end exclusive`, nanoseconds since
//! the epoch, one line per test), and what they show. Shared by tests/exclusive.rs (threads of
//! one process) and tests/cargo_tiers.rs (nextest's processes).

/// One test's run.
pub struct Interval {
    pub name: String,
    pub start: u128,
    pub end: u128,
    pub exclusive: bool,
}

/// The intervals of a log.
pub fn parse(log: &str) -> Vec<Interval> {
    log.lines()
        .map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            Interval {
                name: fields[0].to_owned(),
                start: fields[1].parse().expect("a start"),
                end: fields[2].parse().expect("an end"),
                exclusive: fields[3] == "true",
            }
        })
        .collect()
}

fn overlapping(a: &Interval, b: &Interval) -> bool {
    a.name != b.name && a.start < b.end && b.start < a.end
}

/// How many (exclusive test, other test) pairs ran at the same time.
pub fn exclusive_overlaps(intervals: &[Interval]) -> usize {
    intervals
        .iter()
        .filter(|a| a.exclusive)
        .map(|a| intervals.iter().filter(|b| overlapping(a, b)).count())
        .sum()
}

/// The most tests running at once: a sweep over the start (+1) and end (-1) events, ends
/// first at equal times.
pub fn peak_concurrency(intervals: &[Interval]) -> usize {
    let mut events: Vec<(u128, i32)> = intervals
        .iter()
        .flat_map(|i| [(i.start, 1), (i.end, -1)])
        .collect();
    events.sort();
    let peak = events
        .iter()
        .scan(0, |running, (_, step)| {
            *running += step;
            Some(*running)
        })
        .max()
        .unwrap_or(0);
    usize::try_from(peak).unwrap_or(0)
}
