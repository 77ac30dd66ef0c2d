//! What the check groups share across processes: one recorded run per group under nextest,
//! its verdicts keyed by the group's check type, and the entry of a group made by hand. The
//! engine that uses them is `engine.rs`.
//!
//! In one test process the checks of a group share their run through a `OnceLock`. Under
//! nextest each check is a process of its own, so that alone would train once per check. There,
//! the first check to need the run takes a lock file beside the test binary, trains, and writes
//! every check's verdict to a file; the others wait on the lock, then read their verdict. The
//! file is keyed by the binary (path, size, modification time), the nextest run and the seed, so
//! a rebuild, another run or another seed never reads a stale verdict.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{Read, Write};
use std::path::PathBuf;

use super::checks::CheckFailure;
use crate::TestEntry;

/// The entry of a group made by hand: `name` labels its messages and derives its seed.
pub(super) const fn standalone_entry(name: &'static str) -> TestEntry {
    TestEntry::new(name, crate::Tier::Unit, "", 0).of_kind(crate::TestKind::CheckGroup)
}

/// The checks of one kind of group (`Check` for step-trained models, `FitCheck` for one-call
/// models): each named as its test is, and every one listed, so a verdict read back from a
/// shared run's file is a check again, not a string.
pub(crate) trait CheckKind: Copy + PartialEq + std::fmt::Debug + 'static {
    /// Every check of the kind.
    const ALL: &'static [Self];

    /// The check's name, as its test is named.
    fn name(self) -> &'static str;

    /// The check with that name.
    fn named(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|check| check.name() == name)
    }
}

/// What a group's recorded run says about each of its checks, and the series its failure
/// messages draw (losses per step, or errors per capacity).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Verdicts<C> {
    pub(crate) series: Vec<f64>,
    /// The first and last capacity of a fitting sweep; (0, 0) for a training run.
    pub(crate) span: (usize, usize),
    pub(crate) verdicts: Vec<(C, Result<(), CheckFailure>)>,
}

impl<C: CheckKind> Verdicts<C> {
    pub(crate) fn of(&self, check: C) -> Option<&Result<(), CheckFailure>> {
        self.verdicts
            .iter()
            .find(|(recorded, _)| *recorded == check)
            .map(|(_, verdict)| verdict)
    }
}

/// The verdicts of the group of `entry`, with the seed its run starts from: computed here, or,
/// under nextest, by the first process that needed them.
pub(crate) fn once_per_run<C: CheckKind>(
    entry: &crate::TestEntry,
    compute: impl FnOnce() -> Verdicts<C>,
) -> Verdicts<C> {
    let name = entry.name();
    let seed = crate::context::TestContext::base_seed(entry).0;
    // One test per process (nextest's default): sharing must cross processes.
    if !crate::exclusive::process_per_test() {
        return compute();
    }
    match shared(name, seed, compute) {
        Ok(verdicts) => verdicts,
        Err(error) => panic!(
            "ml-test could not share the training run of `{name}` between nextest's processes: \
             {error}. The run's files sit beside the test binary (ml-test-runs/); make that \
             directory writable"
        ),
    }
}

fn shared<C: CheckKind>(
    name: &str,
    seed: u64,
    compute: impl FnOnce() -> Verdicts<C>,
) -> std::io::Result<Verdicts<C>> {
    let exe = std::env::current_exe()?;
    let dir = exe.with_file_name("ml-test-runs");
    std::fs::create_dir_all(&dir)?;
    let stem = format!(
        "{}.{}.{seed}",
        exe.file_name().unwrap_or_default().to_string_lossy(),
        name.replace("::", ".")
    );
    let path: PathBuf = dir.join(format!("{stem}.run"));
    let lock = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.join(format!("{stem}.lock")))?;
    lock.lock()?;
    let key = key(&exe, seed)?;
    if let Some(verdicts) = read(&path, &key) {
        return Ok(verdicts);
    }
    let verdicts = compute();
    let temporary = path.with_extension(format!("run.{}", std::process::id()));
    File::create(&temporary)?.write_all(write(&key, &verdicts).as_bytes())?;
    std::fs::rename(&temporary, &path)?;
    Ok(verdicts)
}

/// What makes a recorded run current: the binary as built, the nextest run, the seed.
fn key(exe: &std::path::Path, seed: u64) -> std::io::Result<String> {
    let meta = std::fs::metadata(exe)?;
    let modified = meta
        .modified()?
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    let run = std::env::var("NEXTEST_RUN_ID").unwrap_or_default();
    Ok(format!(
        "{} {} {modified} run={run} seed={seed}",
        exe.display(),
        meta.len()
    ))
}

/// One line per field; text with its newlines and backslashes escaped.
fn write<C: CheckKind>(key: &str, verdicts: &Verdicts<C>) -> String {
    let escape = |text: &str| text.replace('\\', "\\\\").replace('\n', "\\n");
    let mut out = format!("ml-test run v1\nkey {}\n", escape(key));
    let series: Vec<String> = verdicts
        .series
        .iter()
        .map(|x| x.to_bits().to_string())
        .collect();
    let _ = writeln!(out, "series {}", series.join(" "));
    let _ = writeln!(out, "span {} {}", verdicts.span.0, verdicts.span.1);
    for (check, verdict) in &verdicts.verdicts {
        let check = check.name();
        match verdict {
            Ok(()) => {
                let _ = writeln!(out, "ok {check}");
            }
            Err(failure) => {
                let _ = writeln!(out, "failed {check} {}", escape(&failure.summary));
                for detail in &failure.details {
                    let _ = writeln!(out, "detail {}", escape(detail));
                }
            }
        }
    }
    out.push_str("end\n");
    out
}

/// The verdicts in `path` if it holds a complete record for `key`.
fn read<C: CheckKind>(path: &std::path::Path, key: &str) -> Option<Verdicts<C>> {
    let mut text = String::new();
    File::open(path).ok()?.read_to_string(&mut text).ok()?;
    let unescape = |text: &str| {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            match (c, c == '\\') {
                (_, true) => match chars.next() {
                    Some('n') => out.push('\n'),
                    Some(other) => out.push(other),
                    None => {}
                },
                (c, false) => out.push(c),
            }
        }
        out
    };
    let mut lines = text.lines();
    if lines.next()? != "ml-test run v1" || unescape(lines.next()?.strip_prefix("key ")?) != key {
        return None;
    }
    let series = lines
        .next()?
        .strip_prefix("series")?
        .split_whitespace()
        .map(|bits| bits.parse::<u64>().ok().map(f64::from_bits))
        .collect::<Option<Vec<f64>>>()?;
    let mut span = lines.next()?.strip_prefix("span ")?.split(' ');
    let span = (span.next()?.parse().ok()?, span.next()?.parse().ok()?);
    let mut verdicts: Vec<(C, Result<(), CheckFailure>)> = Vec::new();
    for line in lines {
        if line == "end" {
            return Some(Verdicts {
                series,
                span,
                verdicts,
            });
        }
        let (kind, rest) = line.split_once(' ')?;
        match kind {
            "ok" => verdicts.push((C::named(rest)?, Ok(()))),
            "failed" => {
                let (check, summary) = rest.split_once(' ')?;
                let check = C::named(check)?;
                verdicts.push((
                    check,
                    Err(CheckFailure {
                        check: check.name(),
                        summary: unescape(summary),
                        details: Vec::new(),
                    }),
                ));
            }
            "detail" => match verdicts.last_mut() {
                Some((_, Err(failure))) => failure.details.push(unescape(rest)),
                _ => return None,
            },
            _ => return None,
        }
    }
    None // no `end`: a record cut short is not a record
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convergence::Check;

    #[test]
    fn verdicts_round_trip_exactly_and_a_changed_key_reads_nothing() {
        let verdicts = Verdicts {
            series: vec![0.123_456_789_012_345_68, 1e37, f64::NAN, -0.0],
            span: (1, 9),
            verdicts: vec![
                (Check::LossIsFinite, Ok(())),
                (
                    Check::LossDecreases,
                    Err(CheckFailure {
                        check: "loss_decreases",
                        summary: "the loss did not go down \\ at all".into(),
                        details: vec!["first\nsecond".into(), String::new()],
                    }),
                ),
            ],
        };
        let dir = std::env::temp_dir().join(format!("ml-test-shared-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("group.run");
        std::fs::write(&path, write("key 1", &verdicts)).unwrap();
        let back = read::<Check>(&path, "key 1").expect("read back");
        assert_eq!(back.series[..2], verdicts.series[..2]);
        assert!(back.series[2].is_nan());
        assert_eq!(back.series[3].to_bits(), (-0.0f64).to_bits());
        assert_eq!(back.span, (1, 9));
        assert_eq!(back.verdicts, verdicts.verdicts);
        assert_eq!(
            read::<Check>(&path, "key 2"),
            None,
            "another build, run or seed"
        );
        let cut = write("key 1", &verdicts).replace("end\n", "");
        std::fs::write(&path, cut).unwrap();
        assert_eq!(read::<Check>(&path, "key 1"), None, "a record cut short");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
