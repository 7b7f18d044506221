//! The benchmarks' output in `memgate check` (README, "Benchmark output"): captured by default,
//! each run's stdout and stderr in files of their own in a log folder, so that the terminal shows
//! memgate's progress and verdict alone, and an `error` benchmark can say why it crashed (the
//! last lines of its stderr). `--show-output` passes the output through instead.
//!
//! Names in the folder come from benchmark names, which a pull request chooses: each is reduced to
//! a safe stem (`report::escape::unique_file_stems`: no `/`, no leading dot). A file is made new
//! every time, never opened where it is: what is at its name (a link planted there) is unlinked,
//! and the file created exclusively, which no link can redirect (docs/security.md, "File writes").

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::measure::Capture;

use super::Side;

/// How many lines of an `error` benchmark's stderr its result keeps.
pub const TAIL_LINES: usize = 20;
/// At most this many characters of each of those lines.
const TAIL_LINE_CHARS: usize = 300;
/// The tail is read from the last this-many bytes of the file.
const TAIL_BYTES: u64 = 64 << 10;

/// What becomes of the benchmarks' output.
#[derive(Debug, Clone)]
pub enum Output {
    /// Passed through to memgate's own stdout and stderr, as it comes.
    Shown,
    /// Captured: in files of `folder`, or in unnamed temporary files when there is none.
    Captured { folder: Option<PathBuf> },
}

/// One run's captured output: the files the command writes to.
#[derive(Debug, Clone)]
pub struct RunLog {
    pub capture: Capture,
}

impl Output {
    /// The files of the `attempt`th run (from 0) of `side` of the benchmark with file stem `stem`:
    /// `STEM.head.N.stdout` and `.stderr`, N from 1, warm-ups first. A file that cannot be made
    /// in the folder is an unnamed one: the output is kept for the run, not in the folder.
    pub fn open(&self, stem: &str, side: Side, attempt: u32) -> Option<RunLog> {
        self.open_labelled(stem, side, &(attempt + 1).to_string())
    }

    /// The files of a run that is not one of the numbered ones (`memray`, the attribution's
    /// re-run): `STEM.head.LABEL.stdout` and `.stderr`.
    pub fn open_labelled(&self, stem: &str, side: Side, label: &str) -> Option<RunLog> {
        let Self::Captured { folder } = self else {
            return None;
        };
        let side = side_name(side);
        let file = |stream: &str| {
            let named = folder.as_deref().and_then(|folder| {
                let name = format!("{stem}.{side}.{label}.{stream}");
                create(folder, &name).ok()
            });
            named.map_or_else(tempfile::tempfile, Ok).ok().map(Arc::new)
        };
        Some(RunLog {
            capture: Capture {
                stdout: file("stdout")?,
                stderr: file("stderr")?,
            },
        })
    }

    /// Keeps `bytes` as `STEM.SIDE.SUFFIX` in the log folder, made new as the logs are; its path,
    /// or `None` when there is no folder or it cannot be written.
    pub fn keep(&self, stem: &str, side: Side, suffix: &str, bytes: &[u8]) -> Option<PathBuf> {
        let Self::Captured {
            folder: Some(folder),
        } = self
        else {
            return None;
        };
        let name = format!("{stem}.{}.{suffix}", side_name(side));
        let file = create(folder, &name).ok()?;
        file.write_all_at(bytes, 0).ok()?;
        Some(folder.join(name))
    }
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Base => "base",
        Side::Head => "head",
    }
}

impl RunLog {
    /// The last [`TAIL_LINES`] lines of what the run wrote to stderr, each cut to a length;
    /// `None` when it wrote nothing.
    pub fn stderr_tail(&self) -> Option<String> {
        tail(&self.capture.stderr)
    }
}

/// Makes `folder/name` anew: whatever is at that name is unlinked (a link is not followed), then
/// the file is created exclusively.
fn create(folder: &Path, name: &str) -> io::Result<File> {
    debug_assert!(!name.contains('/') && !name.starts_with('.'));
    let path = folder.join(name);
    match fs::remove_file(&path) {
        Err(err) if err.kind() != io::ErrorKind::NotFound => return Err(err),
        _ => {}
    }
    OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(0o644)
        .open(path)
}

fn tail(file: &File) -> Option<String> {
    let size = file.metadata().ok()?.len();
    let start = size.saturating_sub(TAIL_BYTES);
    let mut bytes = vec![0; (size - start) as usize];
    let read = file.read_at(&mut bytes, start).ok()?;
    bytes.truncate(read);
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.trim_end().lines().collect();
    // A read that starts mid-file starts mid-line: that first piece is dropped.
    let skip = usize::from(start > 0 && lines.len() > 1);
    let kept: Vec<String> = lines[skip..]
        .iter()
        .rev()
        .take(TAIL_LINES)
        .rev()
        .map(|line| crate::report::escape::shorten_block(line, TAIL_LINE_CHARS))
        .collect();
    let joined = kept.join("\n");
    (!joined.trim().is_empty()).then_some(joined)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn the_tail_is_the_last_twenty_lines_cut_to_length() {
        let mut file = tempfile::tempfile().unwrap();
        for i in 0..30 {
            writeln!(file, "line {i}").unwrap();
        }
        writeln!(file, "{}", "x".repeat(1000)).unwrap();
        let tail = tail(&file).unwrap();
        let lines: Vec<&str> = tail.lines().collect();
        assert_eq!(lines.len(), TAIL_LINES);
        assert_eq!(lines[0], "line 11");
        assert_eq!(lines[19].chars().count(), TAIL_LINE_CHARS);
        assert_eq!(super::tail(&tempfile::tempfile().unwrap()), None);
    }

    #[test]
    fn a_link_planted_at_a_log_name_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        let folder = dir.path().join("logs");
        std::fs::create_dir(&folder).unwrap();
        std::os::unix::fs::symlink(&victim, folder.join("a.head.1.stdout")).unwrap();
        let output = Output::Captured {
            folder: Some(folder.clone()),
        };
        let log = output.open("a", Side::Head, 0).unwrap();
        (&*log.capture.stdout).write_all(b"out").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        let meta = std::fs::symlink_metadata(folder.join("a.head.1.stdout")).unwrap();
        assert!(meta.is_file());
        assert_eq!(
            std::fs::read_to_string(folder.join("a.head.1.stdout")).unwrap(),
            "out"
        );
    }
}
