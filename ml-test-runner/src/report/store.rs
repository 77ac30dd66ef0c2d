//! The report's directory: the records of one run under `records/`, the key of that run in
//! `records/run`, the page `index.html`, and `.lock`, which every writer holds while it changes
//! any of them. Test binaries of one run (`cargo test` runs them one after another, nextest runs
//! a process per test, in parallel) add to the same records; the first writer of a new run
//! removes the previous run's.
//!
//! Files are written whole under a temporary name and renamed into place, so a reader (a
//! browser, another writer) never sees one half written.

use std::fs::{self, File};
use std::sync::Mutex;

use crate::sync::lock as lock_ignoring_poison;
use std::io;
use std::path::Path;

use super::page;
use super::record::Record;

/// Saves `record` in the run's records, and rebuilds the page from all of them when `rebuild`
/// (no other test of this process is recording: the last to end draws the page for all); says
/// whether this record began the run's report (the previous run's, if any, is gone).
pub(crate) fn save(dir: &Path, record: &Record, rebuild: bool) -> io::Result<bool> {
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(".lock"))?;
    lock.lock()?;
    let records = dir.join("records");
    let run = run_key();
    let marker = records.join("run");
    let began = fs::read_to_string(&marker).ok().as_deref() != Some(run.as_str());
    if began {
        match fs::remove_dir_all(&records) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
            _ => {}
        }
        fs::create_dir_all(&records)?;
        write_whole(&marker, &run)?;
    }
    write_whole(&records.join(record.file_name()), &record.to_text())?;
    if began || rebuild {
        // Each record file is written once per run, so a record read before is read again
        // only when a new run began: a rebuild reads just the records other processes added.
        // By file name, in its order (a vector: less code in every test binary than a map).
        static READ: Mutex<(String, Vec<(String, Record)>)> =
            Mutex::new((String::new(), Vec::new()));
        let mut read = lock_ignoring_poison(&READ);
        if read.0 != run {
            *read = (run.clone(), Vec::new());
        }
        for file in fs::read_dir(&records)? {
            let file = file?;
            let name = file.file_name().to_string_lossy().into_owned();
            let Err(at) = read
                .1
                .binary_search_by(|(read, _)| read.as_str().cmp(&name))
            else {
                continue;
            };
            if !name.ends_with(".html") {
                continue;
            }
            if let Some(record) = fs::read_to_string(file.path())
                .ok()
                .as_deref()
                .and_then(Record::parse)
            {
                read.1.insert(at, (name, record));
            }
        }
        let mut all: Vec<&Record> = read.1.iter().map(|(_, record)| record).collect();
        write_whole(&dir.join("index.html"), &page::render(&mut all))?;
    }
    lock.unlock()?;
    Ok(began)
}

/// Writes `text` to `path` through a temporary file in the same directory and a rename.
fn write_whole(path: &Path, text: &str) -> io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".{}.tmp", std::process::id()));
    fs::write(&temporary, text)?;
    fs::rename(&temporary, path)
}

/// What tells this run from the previous one: nextest's run id; else the process that ran this
/// binary (cargo, for every binary of a `cargo test`), with its start time on Linux, since
/// process ids are reused.
fn run_key() -> String {
    if let Ok(id) = std::env::var("NEXTEST_RUN_ID") {
        return format!("nextest {id}");
    }
    parent_key()
}

#[cfg(unix)]
fn parent_key() -> String {
    let parent = std::os::unix::process::parent_id();
    // Field 22 of /proc/<pid>/stat, counted after the command name's closing parenthesis
    // (the name may hold spaces).
    let started = fs::read_to_string(format!("/proc/{parent}/stat"))
        .ok()
        .and_then(|stat| {
            let (_, after_name) = stat.rsplit_once(')')?;
            after_name.split_whitespace().nth(19).map(str::to_owned)
        })
        .unwrap_or_default();
    format!("parent {parent} {started}")
}

#[cfg(not(unix))]
fn parent_key() -> String {
    // Without a parent id, each process is a run of its own.
    format!("process {}", std::process::id())
}
