//! Phrases more than one report writes, in plain text: status words and icons, figures, the change
//! against the base, a check, a run's note. Each report escapes them its own way (the phrases made
//! of figures alone have nothing to escape).

use crate::gate::verdict::{budget_use, format_figure, format_percent_change};
use crate::results::{Check, CheckKind, Comparison, PhasePeak, RunResult, Status};
use crate::units::{format_rate, format_signed_size, format_size};

use super::escape::shorten;
use super::view::{BenchmarkView, Figures, NoteKind, RunNote};

/// Written where there is no figure.
pub const NONE: &str = "—";

pub fn status_icon(status: Status) -> &'static str {
    match status {
        Status::Pass => "✅",
        Status::Warn => "⚠️",
        Status::Fail => "❌",
        Status::Error => "💥",
    }
}

/// "✅ pass".
pub fn status_with_icon(status: Status) -> String {
    format!("{} {}", status_icon(status), status.as_str())
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// "60,000".
pub fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The text with its first letter upper-case: "Peak …" at the start of a sentence.
pub fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// "4 CPUs".
pub fn cpus(n: usize) -> String {
    format!("{n} CPU{}", plural(n))
}

/// The first 12 characters of a commit SHA.
pub fn short_sha(sha: &str) -> String {
    sha.chars().take(12).collect()
}

/// A share of a limit as a whole percentage ("80%"), or [`NONE`].
pub fn share(share: Option<f64>) -> String {
    share.map_or_else(
        || NONE.to_string(),
        |share| format!("{:.0}%", share * 100.0),
    )
}

/// "peak 318.7 MiB, steady 300.4 MiB, growth -1.36 MiB/s".
pub fn figures(f: &Figures) -> String {
    format!(
        "peak {}, steady {}, growth {}",
        format_size(f.peak_bytes),
        format_size(f.steady_bytes),
        format_rate(f.growth_bytes_per_sec)
    )
}

/// The growth column: the rate when it was judged a leak (or in files from before growth was
/// judged), else what the judgement says in its stead ("no trend", "too short").
pub fn growth_cell(b: &BenchmarkView) -> String {
    match b.growth.and_then(|g| g.cell()) {
        Some(words) => words.to_string(),
        None => format_rate(b.figures.growth_bytes_per_sec),
    }
}

/// "peak over the runs 316.5 MiB–318.7 MiB".
pub fn peak_spread((low, high): (u64, u64)) -> String {
    format!(
        "peak over the runs {}–{}",
        format_size(low),
        format_size(high)
    )
}

/// The peak against the base's, in size and percent: "+406.0 MiB (+100%)", "new", or "—".
pub fn peak_change_with_size(b: &BenchmarkView) -> String {
    match (b.comparison, b.base) {
        (Some(Comparison::New), _) => "new".to_string(),
        (_, Some(base)) => {
            let delta = b.figures.peak_bytes as i64 - base.peak_bytes as i64;
            if base.peak_bytes > 0 {
                format!(
                    "{} ({})",
                    format_signed_size(delta),
                    format_percent_change(base.peak_bytes as f64, b.figures.peak_bytes as f64)
                )
            } else {
                format_signed_size(delta)
            }
        }
        (_, None) => NONE.to_string(),
    }
}

/// The peak against the base's, in percent only: "+100%", "new", or "—".
pub fn peak_change_percent(b: &BenchmarkView) -> String {
    match (b.comparison, b.base) {
        (Some(Comparison::New), _) => "new".to_string(),
        (_, Some(base)) => {
            format_percent_change(base.peak_bytes as f64, b.figures.peak_bytes as f64)
        }
        _ => NONE.to_string(),
    }
}

/// "Base: peak 316.5 MiB, steady 297.1 MiB, growth -1.63 MiB/s; peak +2.3 MiB (+1%)." or "New: the
/// base has no benchmark of this name."; `None` with nothing to compare.
pub fn base_sentence(b: &BenchmarkView) -> Option<String> {
    if let Some(base) = b.base_figures() {
        Some(format!(
            "Base: {}; peak {}.",
            figures(&base),
            peak_change_with_size(b)
        ))
    } else if b.comparison == Some(Comparison::New) {
        Some("New: the base has no benchmark of this name.".to_string())
    } else {
        None
    }
}

/// "✅ peak budget 600.0 MiB: 410.0 MiB (68%)", "❌ peak vs base 405.0 MiB: 812.0 MiB (+100%,
/// limit +10%)", "➖ growth budget 2.00 MiB/s: 37.70 MiB/s, not applied" (the check's detail
/// says why).
///
/// A phase check names its phase through `quote` (a code span in Markdown, backticks in plain
/// text that the caller escapes whole): "❌ phase `load` peak budget 300.0 MiB: 350.0 MiB
/// (117%)", "❌ phase `load` peak budget 300.0 MiB: never started".
pub fn check_text(c: &Check, quote: impl Fn(&str) -> String) -> String {
    let icon = if c.ok { "✅" } else { "❌" };
    let metric = c.subject(quote);
    if c.phase.is_some() && !c.ok && !c.judged {
        return format!(
            "{icon} {metric} budget {}: never started",
            format_figure(c.metric, c.limit)
        );
    }
    let actual = format_figure(c.metric, c.actual);
    match (c.kind, c.base) {
        (CheckKind::Regression, Some(base)) => format!(
            "{icon} {metric} vs base {}: {actual} ({}, limit {})",
            format_figure(c.metric, base),
            format_percent_change(base, c.actual),
            format_percent_change(base, c.limit)
        ),
        (CheckKind::Regression, None) => format!(
            "{icon} {metric} vs base: {actual}, limit {}",
            format_figure(c.metric, c.limit)
        ),
        (CheckKind::Budget, _) => match (budget_use(c), &c.detail) {
            (Some(used), _) => format!(
                "{icon} {metric} budget {}: {actual} ({:.0}%)",
                format_figure(c.metric, c.limit),
                used * 100.0
            ),
            // Why it was not applied is the check's detail, which the caller adds.
            (None, _) => format!(
                "{} {metric} budget {}: {actual}, not applied",
                if c.warn { "⚠️" } else { "➖" },
                format_figure(c.metric, c.limit),
            ),
        },
    }
}

/// Phase names shown in a sentence at most; the rest are counted.
pub const PHASES_SHOWN: usize = 20;

/// "Phase peaks: `load` 200.0 MiB, `train` 100.0 MiB, `eval` 50.0 MiB.", each name through
/// `quote` (cut to 40 characters first); `None` without phases.
pub fn phase_peaks(phases: &[PhasePeak], quote: impl Fn(&str) -> String) -> Option<String> {
    if phases.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = phases
        .iter()
        .take(PHASES_SHOWN)
        .map(|p| {
            format!(
                "{} {}",
                quote(&shorten(&p.name, 40)),
                format_size(p.peak_bytes)
            )
        })
        .collect();
    if phases.len() > PHASES_SHOWN {
        parts.push(format!("and {} more", phases.len() - PHASES_SHOWN));
    }
    Some(format!("Phase peaks: {}.", parts.join(", ")))
}

/// "run 2: the peak lies between 100.0 MiB and 120.0 MiB (sampled)", "run 1: fell back to
/// sampling"; the note's own text cut to `max_chars`.
pub fn run_note(note: &RunNote, max_chars: usize) -> String {
    match note.what {
        NoteKind::PeakBounds(bounds) => format!(
            "run {}: the peak lies between {} and {} ({})",
            note.run,
            format_size(bounds.lower_bytes),
            format_size(bounds.upper_bytes),
            shorten(&bounds.reason, max_chars)
        ),
        NoteKind::Said(text) => format!("run {}: {}", note.run, shorten(text, max_chars)),
    }
}

/// A row of a table of runs: number, peak, steady, growth, duration, processes, samples, and how
/// it ended ("exited with code 0", "was killed by SIGKILL", …). Only that last cell has words,
/// for the caller to escape.
pub fn run_cells(i: usize, run: &RunResult) -> [String; 8] {
    [
        (i + 1).to_string(),
        format_size(run.peak_bytes),
        format_size(run.steady_bytes),
        format_rate(run.growth_bytes_per_sec),
        format!("{:.2} s", run.duration_secs),
        run.processes.to_string(),
        run.samples.to_string(),
        run.ending().to_string(),
    ]
}

/// "base and head differ after setup: …" when setup left different files on the two sides of a
/// `--baseline-ref` comparison (docs/baseline.md): figures only, nothing to escape.
pub fn setup_differs(info: &crate::results::BaselineInfo) -> Option<String> {
    let setup = info.setup.as_ref().filter(|setup| setup.differ())?;
    let side = |f: &crate::results::Fingerprint| {
        format!(
            "{} file{} ({})",
            group_thousands(f.files as usize),
            plural(f.files as usize),
            format_size(f.bytes)
        )
    };
    Some(format!(
        "base and head differ after setup (base: {}, head: {}; digests {} and {}): their figures may differ for that alone",
        side(&setup.base),
        side(&setup.head),
        setup.base.digest,
        setup.head.digest
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(60_000), "60,000");
        assert_eq!(group_thousands(999), "999");
    }
}
