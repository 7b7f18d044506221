//! Phases of a run: the spans a benchmark named by writing `memgate:phase NAME` to the file
//! descriptor memgate gave it (`MEMGATE_PHASE_FD`), each with its highest sample, and the
//! per-phase peak of a benchmark over its runs.
//!
//! A phase name is chosen by the code under test (a pull request's): it is cleaned here, where it
//! is made and again where a results file is read ([`clean_name`]), and escaped by every
//! reporter.

use serde::{Deserialize, Deserializer, Serialize};

/// Phases of one run: phase changes beyond it are dropped (a note says how many).
pub const MAX_PHASES: usize = 100;
/// Characters of a phase name: a longer marker is dropped, a longer name in a file cut.
pub const MAX_PHASE_NAME_CHARS: usize = 64;

/// One phase of a run: from its marker (`start_secs`, when memgate read it) to the next marker or
/// the run's end, and the highest counted sample in it. The time before the first marker is no
/// phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    #[serde(deserialize_with = "name")]
    pub name: String,
    pub start_secs: f64,
    pub end_secs: f64,
    /// The highest sample of counted memory (anonymous + shared) taken in the phase; a phase
    /// shorter than one sampling interval has the sample that ended it.
    pub peak_bytes: u64,
}

/// A benchmark's peak in one phase: the highest of that phase's peaks over every run (and every
/// span of that name in a run), as the benchmark's peak is the highest of its runs'.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhasePeak {
    #[serde(deserialize_with = "name")]
    pub name: String,
    pub peak_bytes: u64,
}

/// A budget for one phase's peak, as the results store it beside the benchmark's other budgets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseBudget {
    #[serde(deserialize_with = "name")]
    pub name: String,
    pub peak_bytes: u64,
}

/// The per-phase peaks of `runs`' phases, in the order each name first appears.
pub fn peaks<'a>(phases_of_runs: impl IntoIterator<Item = &'a [Phase]>) -> Vec<PhasePeak> {
    let mut peaks: Vec<PhasePeak> = Vec::new();
    for phase in phases_of_runs.into_iter().flatten() {
        match peaks.iter().position(|p| p.name == phase.name) {
            Some(at) => peaks[at].peak_bytes = peaks[at].peak_bytes.max(phase.peak_bytes),
            None if peaks.len() < MAX_PHASES => peaks.push(PhasePeak {
                name: phase.name.clone(),
                peak_bytes: phase.peak_bytes,
            }),
            None => {}
        }
    }
    peaks
}

/// Whether `name` is a phase name as a marker may give it: not empty, at most
/// [`MAX_PHASE_NAME_CHARS`] characters, no control character and no invisible formatting
/// character (that would make two names look alike or reorder text).
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= MAX_PHASE_NAME_CHARS
        && !name.chars().any(|c| c.is_control() || is_invisible(c))
        && name.trim() == name
}

/// `name` made a valid phase name: hidden characters as `?`, trimmed, cut to
/// [`MAX_PHASE_NAME_CHARS`]; `?` when nothing is left. For names read from a file, which may
/// come from anyone.
pub fn clean_name(name: &str) -> String {
    let shown: String = name
        .chars()
        .map(|c| {
            if c.is_control() || is_invisible(c) {
                '?'
            } else {
                c
            }
        })
        .take(MAX_PHASE_NAME_CHARS)
        .collect();
    let trimmed = shown.trim();
    if trimmed.is_empty() {
        "?".to_string()
    } else {
        trimmed.to_string()
    }
}

/// Zero-width and bidirectional formatting characters, and the byte-order mark.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// A phase name read from a file, cleaned (see [`clean_name`]). The string itself is bounded by
/// the file's size and the list it is in by its cap.
fn name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let raw = String::deserialize(d)?;
    Ok(if is_valid_name(&raw) {
        raw
    } else {
        clean_name(&raw)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phase(name: &str, peak_bytes: u64) -> Phase {
        Phase {
            name: name.to_string(),
            start_secs: 0.0,
            end_secs: 1.0,
            peak_bytes,
        }
    }

    #[test]
    fn per_phase_peaks_take_the_highest_span_over_runs_in_first_seen_order() {
        let one = [phase("load", 200), phase("train", 100), phase("load", 150)];
        let two = [phase("train", 120), phase("eval", 50)];
        let peaks = peaks([&one[..], &two[..]]);
        let got: Vec<(&str, u64)> = peaks
            .iter()
            .map(|p| (p.name.as_str(), p.peak_bytes))
            .collect();
        assert_eq!(got, [("load", 200), ("train", 120), ("eval", 50)]);
    }

    #[test]
    fn names_with_hidden_characters_or_too_long_are_invalid_and_cleaned() {
        assert!(is_valid_name("load"));
        assert!(is_valid_name("::error::x"));
        assert!(is_valid_name("époque 1"));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name(" load"));
        assert!(!is_valid_name("a\u{1b}[31mb"));
        assert!(!is_valid_name("a\u{202E}b"));
        assert!(!is_valid_name(&"x".repeat(65)));
        assert_eq!(clean_name("a\u{1b}[31mb"), "a?[31mb");
        assert_eq!(clean_name("\u{200B}"), "?");
        assert_eq!(clean_name("  "), "?");
        assert_eq!(clean_name(&"x".repeat(1000)).chars().count(), 64);
    }

    #[test]
    fn a_name_read_from_a_file_is_cleaned() {
        let json =
            r#"{"name": "lo\u001bad\u202e", "start_secs": 0, "end_secs": 1, "peak_bytes": 5}"#;
        let read: Phase = serde_json::from_str(json).unwrap();
        assert_eq!(read.name, "lo?ad?");
    }
}
