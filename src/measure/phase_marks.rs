//! Phase markers in the bytes a benchmark writes to `MEMGATE_PHASE_FD`: lines
//! `memgate:phase NAME`. Pure: bytes in, names out, and a count of everything dropped.
//!
//! What is written there comes from the code under test, which may write anything and without
//! end: a line longer than [`MAX_LINE_BYTES`] is dropped (without keeping it), as is a line that
//! is no marker or whose name is not valid UTF-8 or holds a control or invisible character; only
//! [`MAX_MARKERS`] markers are taken, and nothing is kept after that.

use crate::results::{MAX_PHASES, is_valid_phase_name};

/// The marker's prefix; the name is the rest of the line.
pub const MARKER: &[u8] = b"memgate:phase ";
/// The longest line taken, newline excluded: the prefix and a name of 64 characters of up to 4
/// bytes each, with room to spare.
pub const MAX_LINE_BYTES: usize = 512;
/// Markers taken per run; a phase change beyond it is dropped.
pub const MAX_MARKERS: usize = MAX_PHASES;

/// Splits what the benchmark writes into lines and takes the markers among them.
#[derive(Debug, Default)]
pub struct MarkerParser {
    /// The line so far (at most [`MAX_LINE_BYTES`]).
    line: Vec<u8>,
    /// The line so far is too long: drop it up to its newline.
    overlong: bool,
    pub dropped: Dropped,
    taken: usize,
}

/// What was dropped, for the run's note.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Dropped {
    /// Lines that are not `memgate:phase NAME`.
    pub not_markers: u64,
    /// Lines over [`MAX_LINE_BYTES`].
    pub too_long: u64,
    /// Markers whose name is empty, too long, not UTF-8, or has a hidden character.
    pub bad_names: u64,
    /// Markers past [`MAX_MARKERS`].
    pub over_cap: u64,
    /// Bytes read in all (a flood shows here).
    pub bytes: u64,
}

impl Dropped {
    pub fn any(&self) -> bool {
        self.not_markers + self.too_long + self.bad_names + self.over_cap > 0
    }

    /// The run's note: what was dropped, and why.
    pub fn note(&self) -> Option<String> {
        if !self.any() {
            return None;
        }
        let mut parts = Vec::new();
        let mut say = |count: u64, what: &str| {
            if count > 0 {
                parts.push(format!("{count} {what}"));
            }
        };
        say(
            self.not_markers,
            "line(s) that are not `memgate:phase NAME`",
        );
        say(
            self.too_long,
            &format!("line(s) over {MAX_LINE_BYTES} bytes"),
        );
        say(
            self.bad_names,
            "marker(s) with an empty, overlong (over 64 characters), non-UTF-8 or control-character name",
        );
        say(
            self.over_cap,
            &format!("marker(s) past the first {MAX_MARKERS}"),
        );
        Some(format!(
            "phase markers: dropped {} ({} bytes read from MEMGATE_PHASE_FD)",
            parts.join(", "),
            self.bytes
        ))
    }
}

impl MarkerParser {
    /// Takes `bytes`, returns the names of the markers completed in them, in order.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        self.dropped.bytes += bytes.len() as u64;
        let mut names = Vec::new();
        let mut rest = bytes;
        while !rest.is_empty() {
            let (part, ended) = match rest.iter().position(|&b| b == b'\n') {
                Some(at) => (&rest[..at], true),
                None => (rest, false),
            };
            rest = &rest[(part.len() + usize::from(ended)).min(rest.len())..];
            if !self.overlong {
                if self.line.len() + part.len() > MAX_LINE_BYTES {
                    self.overlong = true;
                    self.line.clear();
                } else {
                    self.line.extend_from_slice(part);
                }
            }
            if ended {
                if self.overlong {
                    self.dropped.too_long += 1;
                    self.overlong = false;
                } else {
                    let line = std::mem::take(&mut self.line);
                    names.extend(self.take(&line));
                }
            }
        }
        names
    }

    /// A complete line: its name when it is a marker with a valid name and the cap allows.
    fn take(&mut self, line: &[u8]) -> Option<String> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(name) = line.strip_prefix(MARKER) else {
            self.dropped.not_markers += 1;
            return None;
        };
        let name = match std::str::from_utf8(name).map(str::trim) {
            Ok(name) if is_valid_phase_name(name) => name,
            _ => {
                self.dropped.bad_names += 1;
                return None;
            }
        };
        if self.taken >= MAX_MARKERS {
            self.dropped.over_cap += 1;
            return None;
        }
        self.taken += 1;
        Some(name.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_split_across_reads_are_taken_whole() {
        let mut parser = MarkerParser::default();
        assert!(parser.feed(b"memgate:ph").is_empty());
        assert_eq!(parser.feed(b"ase load\nmemgate:phase train"), ["load"]);
        assert_eq!(parser.feed(b"\r\n"), ["train"]);
        assert!(!parser.dropped.any());
        assert_eq!(parser.dropped.note(), None);
    }

    #[test]
    fn what_is_no_valid_marker_is_dropped_and_counted() {
        let mut parser = MarkerParser::default();
        let mut input = Vec::new();
        input.extend_from_slice(b"hello\n");
        input.extend_from_slice(b"memgate:phase \n");
        input.extend_from_slice(b"memgate:phase a\x1b[31mb\n");
        input.extend_from_slice(b"memgate:phase \xff\xfe\n");
        input.extend_from_slice(b"memgate:phase ");
        input.extend(std::iter::repeat_n(b'x', 100_000));
        input.extend_from_slice(b"\nmemgate:phase ::error::boom\n");
        let names = parser.feed(&input);
        assert_eq!(names, ["::error::boom"]);
        let d = parser.dropped;
        assert_eq!((d.not_markers, d.bad_names, d.too_long), (1, 3, 1));
        let note = d.note().unwrap();
        assert!(note.contains("1 line(s) over 512 bytes"), "{note}");
        // The overlong line was never kept.
        assert!(parser.line.capacity() <= 2 * MAX_LINE_BYTES);
    }

    #[test]
    fn markers_past_the_cap_are_dropped() {
        let mut parser = MarkerParser::default();
        let input: String = (0..MAX_MARKERS + 5)
            .map(|i| format!("memgate:phase p{i}\n"))
            .collect();
        let names = parser.feed(input.as_bytes());
        assert_eq!(names.len(), MAX_MARKERS);
        assert_eq!(parser.dropped.over_cap, 5);
    }
}
