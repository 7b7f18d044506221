//! Mermaid `xychart-beta` charts for the Markdown report: GitHub draws them in a comment, so the
//! pull request shows a picture with no image hosting and no extra permission.
//!
//! `xychart-beta` (not `xychart`, which needs Mermaid ≥ 11.10) has no legend, so each title names
//! its series and their colours; the colours are set by an `init` directive to the same
//! Okabe–Ito palette as the PNG charts. Titles and labels are reduced to characters that cannot end
//! a string or the block (no `"`, brackets, backticks, `;`). Series on a numeric x axis are spread
//! evenly over it, so a timeline is put on an even grid of at most [`MAX_POINTS`] points: the
//! samples are first cut with [`downsample`] (which keeps each stretch's lowest and highest), then
//! each grid step takes the highest sample in it, so the chart's peak is the timeline's peak.

use crate::measure::stats::downsample;
use crate::report::escape::mermaid_label;
use crate::report::view::{BenchmarkView, SuiteView};
use crate::results::{BenchmarkResult, Phase, Results};

/// Points per timeline series at most.
pub const MAX_POINTS: usize = 100;

/// Benchmarks in the summary chart at most (failures and the largest first when there are more).
pub const MAX_BARS: usize = 30;

/// Characters of a label on the x axis at most.
const LABEL_CHARS: usize = 24;

const MIB: f64 = 1024.0 * 1024.0;

const BLUE: &str = "#0072B2";
const ORANGE: &str = "#E69F00";
const VERMILLION: &str = "#D55E00";
const GREY: &str = "#BBBBBB";

/// Phases named under a timeline at most, characters of each name there, and of the whole
/// x axis title (about what fits under a chart as GitHub draws it).
const TITLE_PHASES: usize = 6;
const TITLE_PHASE_CHARS: usize = 12;
const X_TITLE_CHARS: usize = 90;

/// The summary: head peak per benchmark as bars, with the base's peak as a line (or, with no base,
/// the peak budget when every benchmark shown has one). A fenced block, or `None` with no
/// benchmarks.
pub fn summary(results: &Results) -> Option<String> {
    summary_for(&SuiteView::new(results))
}

/// [`summary`] of a suite already viewed.
pub fn summary_for(suite: &SuiteView) -> Option<String> {
    if suite.benchmarks.is_empty() {
        return None;
    }
    let shown = suite.most_telling(MAX_BARS);
    let line: Option<(&str, &str, Vec<u64>)> = if shown.iter().any(|b| b.base.is_some()) {
        Some((
            "base",
            ORANGE,
            shown
                .iter()
                .map(|b| b.base.map_or(0, |base| base.peak_bytes))
                .collect(),
        ))
    } else if shown.iter().all(|b| b.peak_budget.is_some()) {
        Some((
            "budget",
            VERMILLION,
            shown.iter().map(|b| b.peak_budget.unwrap_or(0)).collect(),
        ))
    } else {
        None
    };
    let bars: Vec<u64> = shown.iter().map(|b| b.figures.peak_bytes).collect();
    let mut title = "Peak MiB: head (blue bars)".to_string();
    if let Some((name, _, _)) = &line {
        title.push_str(&format!(
            ", {name} ({} line)",
            if *name == "base" { "orange" } else { "red" }
        ));
    }
    if shown.len() < suite.benchmarks.len() {
        title.push_str(&format!(
            ", {} of {} shown",
            shown.len(),
            suite.benchmarks.len()
        ));
    }
    let max = bars
        .iter()
        .chain(line.iter().flat_map(|(_, _, values)| values))
        .copied()
        .max()
        .unwrap_or(0);
    let mut palette = vec![BLUE];
    if let Some((_, colour, _)) = &line {
        palette.push(colour);
    }
    let categories: Vec<String> = shown
        .iter()
        .map(|b| format!("\"{}\"", mermaid_label(b.name, LABEL_CHARS)))
        .collect();
    let mut out = header(&palette);
    out.push_str(&format!("  title \"{}\"\n", mermaid_label(&title, 200)));
    out.push_str(&format!("  x-axis [{}]\n", categories.join(", ")));
    let top = axis_top(max);
    out.push_str(&format!("  y-axis \"MiB\" 0 --> {}\n", format_top(top)));
    out.push_str(&format!("  bar [{}]\n", values(&bars, top)));
    if let Some((_, _, points)) = &line {
        out.push_str(&format!("  line [{}]\n", values(points, top)));
    }
    out.push_str("```\n");
    Some(out)
}

/// The timeline of one benchmark: head (the run with the peak) and base over time, the peak
/// budget as a flat line, and the head run's phases as bars of their peaks. A fenced block, or `None` when there is no timeline.
pub fn timeline(b: &BenchmarkResult) -> Option<String> {
    timeline_for(&BenchmarkView::new(b))
}

/// [`timeline`] of a benchmark already viewed.
pub fn timeline_for(b: &BenchmarkView) -> Option<String> {
    let head = b.head().map_or(&[][..], |run| run.timeline.as_slice());
    let base = b.base.map_or(&[][..], |base| base.timeline.as_slice());
    if head.is_empty() && base.is_empty() {
        return None;
    }
    let end = head
        .iter()
        .chain(base)
        .map(|p| p.0)
        .filter(|t| t.is_finite())
        .fold(0.0f64, f64::max);
    let end = if end > 0.0 { end } else { 1.0 };
    let points = head.len().max(base.len()).clamp(2, MAX_POINTS);

    let series = timeline_series(b, head, base, end, points);
    let phases = b.head_phases();
    let colour_name = |colour: &str| match colour {
        BLUE => "blue",
        ORANGE => "orange",
        GREY => "grey bars",
        _ => "red",
    };
    let named: Vec<String> = series
        .iter()
        .map(|(name, colour, _)| format!("{name} ({})", colour_name(colour)))
        .collect();
    let title = format!("{}: {}", mermaid_label(b.name, 48), named.join(", "));
    // The x axis's title names the phases where they start: the chart's title has no room left.
    let x_title = if phases.is_empty() {
        "seconds".to_string()
    } else {
        mermaid_label(
            &format!("seconds - phases from: {}", phase_starts(phases)),
            X_TITLE_CHARS,
        )
    };
    let max = series
        .iter()
        .flat_map(|(_, _, values)| values)
        .copied()
        .chain([b.figures.peak_bytes])
        .max()
        .unwrap_or(0);
    let palette: Vec<&str> = series.iter().map(|(_, colour, _)| *colour).collect();
    let mut out = header(&palette);
    out.push_str(&format!("  title \"{}\"\n", mermaid_label(&title, 200)));
    out.push_str(&format!("  x-axis \"{x_title}\" 0 --> {}\n", seconds(end)));
    let top = axis_top(max);
    out.push_str(&format!("  y-axis \"MiB\" 0 --> {}\n", format_top(top)));
    for (_, colour, points) in &series {
        let kind = if *colour == GREY { "bar" } else { "line" };
        out.push_str(&format!("  {kind} [{}]\n", values(points, top)));
    }
    out.push_str("```\n");
    Some(out)
}

/// Each grid point's phase peak: the peak of the phase under way at its time, 0 before the first
/// phase.
fn phase_steps(phases: &[Phase], end: f64, points: usize) -> Vec<u64> {
    let step = end / (points - 1) as f64;
    (0..points)
        .map(|i| {
            let time = step * i as f64;
            phases
                .iter()
                .rev()
                .find(|p| p.start_secs <= time)
                .filter(|p| time <= p.end_secs.max(p.start_secs + step))
                .map_or(0, |p| p.peak_bytes)
        })
        .collect()
}

/// "idle 0.1, load 0.9, train 1.8" (seconds) for the x axis's title (cleaned there), the first
/// few phases.
fn phase_starts(phases: &[Phase]) -> String {
    let mut parts: Vec<String> = phases
        .iter()
        .take(TITLE_PHASES)
        .map(|p| {
            format!(
                "{} {:.1}",
                mermaid_label(&p.name, TITLE_PHASE_CHARS),
                p.start_secs
            )
        })
        .collect();
    if phases.len() > TITLE_PHASES {
        parts.push(format!("{} more", phases.len() - TITLE_PHASES));
    }
    parts.join(", ")
}

/// The series of a timeline, in drawing order: the phases' peaks as bars behind the lines
/// (xychart-beta draws no bands), head, base, and the peak budget as a flat line.
fn timeline_series(
    b: &BenchmarkView,
    head: &[(f64, u64)],
    base: &[(f64, u64)],
    end: f64,
    points: usize,
) -> Vec<(&'static str, &'static str, Vec<u64>)> {
    let mut series: Vec<(&str, &str, Vec<u64>)> = Vec::new();
    // Each bar as high as its phase's peak; the x axis's title names where the phases start.
    let phases = b.head_phases();
    if !phases.is_empty() {
        series.push(("phase peaks", GREY, phase_steps(phases, end, points)));
    }
    if !head.is_empty() {
        let mut line = on_grid(head, end, points);
        // A cgroup knows the exact peak even between two samples: the line reaches it where the
        // samples are highest, so that the chart's peak is the reported one.
        let run_peak = b.head().map_or(0, |run| run.peak_bytes);
        if let Some(highest) = line.iter_mut().max_by_key(|v| **v)
            && *highest < run_peak
        {
            *highest = run_peak;
        }
        series.push(("head", BLUE, line));
    }
    if !base.is_empty() {
        series.push(("base", ORANGE, on_grid(base, end, points)));
    }
    if let Some(budget) = b.peak_budget {
        // A series spans the whole axis whatever its length: two points make the flat line.
        series.push(("budget", VERMILLION, vec![budget; 2]));
    }
    series
}

fn header(palette: &[&str]) -> String {
    format!(
        "```mermaid\n%%{{init: {{\"themeVariables\": {{\"xyChart\": {{\"plotColorPalette\": \"{}\"}}}}}}}}%%\nxychart-beta\n",
        palette.join(", ")
    )
}

/// The timeline on `points` evenly spaced times from 0 to `end`: each point the highest sample
/// within half a step of it; where a step has no sample, the last value before it; after the
/// timeline ends, 0 (the process is gone).
fn on_grid(timeline: &[(f64, u64)], end: f64, points: usize) -> Vec<u64> {
    let samples = downsample(timeline, MAX_POINTS * 4);
    let step = end / (points - 1) as f64;
    let last_time = samples.last().map_or(0.0, |p| p.0);
    let mut out = Vec::with_capacity(points);
    let mut next = 0;
    let mut held: Option<u64> = None;
    for i in 0..points {
        let until = step * (i as f64 + 0.5);
        let mut highest: Option<u64> = None;
        while next < samples.len() && (samples[next].0 < until || i + 1 == points) {
            let bytes = samples[next].1;
            highest = Some(highest.map_or(bytes, |h: u64| h.max(bytes)));
            held = Some(bytes);
            next += 1;
        }
        let time = step * i as f64;
        let value = match highest {
            Some(bytes) => bytes,
            None if time <= last_time => held.unwrap_or(0),
            None => 0,
        };
        out.push(value);
    }
    out
}

/// Values in MiB: whole numbers on an axis of 100 MiB or more (a pixel is more than 0.2 MiB
/// there), one decimal below.
fn values(bytes: &[u64], top: f64) -> String {
    let decimals = if top >= 100.0 { 0 } else { 1 };
    bytes
        .iter()
        .map(|&b| format!("{:.decimals$}", b as f64 / MIB))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A round axis maximum above `max_bytes` (in MiB): 1, 2 or 5 times a power of ten, at least 10%
/// above the highest value.
fn axis_top(max_bytes: u64) -> f64 {
    let want = (max_bytes as f64 / MIB * 1.1).max(1.0);
    let magnitude = 10f64.powf(want.log10().floor());
    let top = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|&t| t >= want)
        .unwrap_or(10.0 * magnitude);
    // Round away the float noise of `m * 10^k` (0.30000000000000004).
    (top * 1000.0).round() / 1000.0
}

fn format_top(top: f64) -> String {
    format!("{top}")
}

fn seconds(end: f64) -> String {
    if end >= 10.0 {
        format!("{end:.0}")
    } else {
        format!("{:.2}", end.max(0.01))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_keeps_the_peak_and_ends_at_zero_after_the_run() {
        let timeline: Vec<(f64, u64)> = (0..1000)
            .map(|i| (i as f64 * 0.01, if i == 537 { 900 } else { 100 }))
            .collect();
        let grid = on_grid(&timeline, 20.0, 100);
        assert_eq!(grid.len(), 100);
        assert_eq!(grid.iter().max(), Some(&900));
        assert_eq!(grid[99], 0);
        assert_eq!(grid[0], 100);
    }

    #[test]
    fn phase_steps_follow_the_phases_and_are_zero_before_the_first() {
        let phase = |name: &str, start_secs: f64, end_secs: f64, peak_bytes: u64| Phase {
            name: name.into(),
            start_secs,
            end_secs,
            peak_bytes,
        };
        let phases = [phase("load", 1.0, 2.0, 200), phase("eval", 2.0, 4.0, 50)];
        assert_eq!(
            phase_steps(&phases, 4.0, 9),
            [0, 0, 200, 200, 50, 50, 50, 50, 50]
        );
        assert_eq!(phase_starts(&phases), "load 1.0, eval 2.0");
    }

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(format_top(axis_top(812 << 20)), "1000");
        assert_eq!(format_top(axis_top(100 << 20)), "200");
        assert_eq!(format_top(axis_top(3 << 20)), "5");
        assert_eq!(format_top(axis_top(0)), "1");
    }
}
