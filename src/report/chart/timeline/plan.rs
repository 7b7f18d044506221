//! What a timeline shows, worked out before anything is drawn: the title, the series in the
//! axis's unit, the axis ranges, the steady band, the budget lines, the peak and the legend. Pure,
//! so that it is tested without drawing.

use plotters::style::RGBColor;

use crate::measure::stats::{self, downsample};
use crate::report::chart::legend::{LegendItem, Swatch};
use crate::report::chart::style::{self, SizeUnit};
use crate::report::escape::shorten;
use crate::report::view::BenchmarkView;
use crate::results::Status;
use crate::units::{format_signed_size, format_size};

/// Points drawn per series: about two per horizontal pixel, peaks kept.
const POINTS: usize = 1600;

/// The steady state is the median after warm-up (the benchmark's `steady_after`, 20% of a run by
/// default) and before teardown (the last 2%), as the README defines it. The shaded band is that
/// window.
const STEADY_WINDOW_END: f64 = 0.98;

/// The whole timeline chart.
#[derive(Debug, PartialEq)]
pub struct Plan {
    /// The title, already cut to fit the header.
    pub title: String,
    pub content: Content,
}

#[derive(Debug, PartialEq)]
pub enum Content {
    /// Nothing to plot, and why.
    Message(String),
    Plot(Box<Plot>),
}

/// The series and marks of a timeline, in the axis's unit (x in seconds).
#[derive(Debug, PartialEq)]
pub struct Plot {
    pub unit: SizeUnit,
    pub x_max: f64,
    pub y_max: f64,
    pub steady: Option<SteadyBand>,
    /// Dashed lines across the whole axis, steady budget first.
    pub budgets: Vec<(f64, RGBColor)>,
    /// The base's run; `None` when the base has no timeline.
    pub base: Option<Vec<(f64, f64)>>,
    /// The head's other runs, drawn faint.
    pub others: Vec<Vec<(f64, f64)>>,
    /// The run with the peak; `None` when it has no timeline.
    pub head: Option<Vec<(f64, f64)>>,
    pub peak: Option<PeakMark>,
    /// The head run's phases, behind everything else.
    pub phases: Vec<PhaseBand>,
    /// In the order the series are drawn.
    pub legend: Vec<LegendItem>,
}

/// A phase of the head run: a band from its marker to the next (every other one shaded), its
/// name and peak at its top, and its budget as a dashed line across it alone.
#[derive(Debug, PartialEq)]
pub struct PhaseBand {
    pub from: f64,
    pub to: f64,
    /// "load 206.9 MiB", already cleaned; cut to the band's width when drawn.
    pub label: String,
    pub shaded: bool,
    /// The phase's budget, in the axis's unit.
    pub budget: Option<f64>,
}

/// The steady-state window of the head run: shaded over the range its memory moved in, with the
/// run's steady state as a dashed line.
#[derive(Debug, PartialEq)]
pub struct SteadyBand {
    pub from: f64,
    pub to: f64,
    pub bottom: f64,
    pub top: f64,
    /// The run's steady state, in the axis's unit and in bytes.
    pub steady: f64,
    pub steady_bytes: u64,
}

/// The peak: where the head's samples are highest, at the benchmark's peak (which a cgroup may
/// know exactly even between two samples).
#[derive(Debug, PartialEq)]
pub struct PeakMark {
    pub at: (f64, f64),
    pub label: String,
}

/// Each run's timeline, cut to what is drawn.
struct Lines {
    head: Vec<(f64, u64)>,
    others: Vec<Vec<(f64, u64)>>,
    base: Vec<(f64, u64)>,
}

impl Lines {
    fn of(b: &BenchmarkView) -> Self {
        let head = b.head_run;
        Self {
            head: b
                .head()
                .map(|run| downsample(&run.timeline, POINTS))
                .unwrap_or_default(),
            others: b
                .runs
                .iter()
                .enumerate()
                .filter(|&(i, _)| head.is_some_and(|h| h != i))
                .map(|(_, run)| downsample(&run.timeline, POINTS / 2))
                .filter(|line| !line.is_empty())
                .collect(),
            base: b
                .base
                .map(|base| downsample(&base.timeline, POINTS))
                .unwrap_or_default(),
        }
    }

    fn all(&self) -> impl Iterator<Item = &(f64, u64)> + Clone {
        self.head
            .iter()
            .chain(&self.base)
            .chain(self.others.iter().flatten())
    }
}

pub fn plan(b: &BenchmarkView) -> Plan {
    let title = shorten(&title(b), 86);
    let lines = Lines::of(b);
    if lines.head.is_empty() && lines.base.is_empty() {
        let why = match (b.reason, b.status) {
            (Some(reason), Status::Error) => format!("no measurement: {reason}"),
            _ => "no timeline was recorded".to_string(),
        };
        return Plan {
            title,
            content: Content::Message(shorten(&why, 90)),
        };
    }
    Plan {
        title,
        content: Content::Plot(Box::new(plot(b, &lines))),
    }
}

fn plot(b: &BenchmarkView, lines: &Lines) -> Plot {
    let max_bytes = lines
        .all()
        .map(|p| p.1)
        .chain([b.figures.peak_bytes])
        .chain(b.peak_budget)
        .chain(b.steady_budget)
        .chain(b.phase_budgets.iter().map(|p| p.peak_bytes))
        .max()
        .unwrap_or(0) as f64;
    let unit = SizeUnit::for_max(max_bytes);
    let y_max = style::headroom(unit.of(max_bytes));
    let x_end = lines
        .all()
        .map(|p| p.0)
        .filter(|t| t.is_finite())
        .fold(0.0f64, f64::max);
    let x_max = if x_end > 0.0 { x_end } else { 1.0 };

    let mut legend = Vec::new();
    let steady = steady_band(b, &lines.head, unit, y_max);
    if let Some(band) = &steady {
        legend.push(LegendItem::new(
            Swatch::Band,
            if b.runs.len() > 1 {
                format!(
                    "steady {} (median of {} runs; window shaded)",
                    format_size(band.steady_bytes),
                    b.runs.len()
                )
            } else {
                format!("steady {} (window shaded)", format_size(band.steady_bytes))
            },
        ));
    }
    let budgets = budget_lines(b, unit, &mut legend);
    let base = (!lines.base.is_empty()).then(|| points(&lines.base, unit));
    if base.is_some() {
        let base_peak = b.base.map_or(0, |base| base.peak_bytes);
        legend.push(LegendItem::new(
            Swatch::Line(style::BASE),
            format!("base (peak {})", format_size(base_peak)),
        ));
    }
    let head = (!lines.head.is_empty()).then(|| points(&lines.head, unit));
    let peak = head.as_ref().map(|_| peak_mark(b, &lines.head, unit));
    if head.is_some() {
        legend.extend(head_legend(b, !lines.others.is_empty()));
    }
    let phases = phase_bands(b, unit);
    if phases.iter().any(|p| p.budget.is_some()) {
        legend.push(LegendItem::new(
            Swatch::Dashed(style::PHASE_EDGE),
            "phase budgets",
        ));
    }
    Plot {
        unit,
        x_max,
        y_max,
        steady,
        budgets,
        base,
        others: lines.others.iter().map(|line| points(line, unit)).collect(),
        head,
        peak,
        phases,
        legend,
    }
}

/// The steady and peak budgets as lines across the axis, each named in the legend.
fn budget_lines(
    b: &BenchmarkView,
    unit: SizeUnit,
    legend: &mut Vec<LegendItem>,
) -> Vec<(f64, RGBColor)> {
    let mut budgets = Vec::new();
    for (bytes, color, name) in [
        (b.steady_budget, style::STEADY_BUDGET, "steady budget"),
        (b.peak_budget, style::BUDGET, "budget"),
    ] {
        if let Some(bytes) = bytes {
            budgets.push((unit.of(bytes as f64), color));
            legend.push(LegendItem::new(
                Swatch::Dashed(color),
                format!("{name} {}", format_size(bytes)),
            ));
        }
    }
    budgets
}

/// The bands of the head run's phases, each labelled with its name and peak.
fn phase_bands(b: &BenchmarkView, unit: SizeUnit) -> Vec<PhaseBand> {
    b.head_phases()
        .iter()
        .enumerate()
        .map(|(i, phase)| PhaseBand {
            from: phase.start_secs,
            to: phase.end_secs.max(phase.start_secs),
            label: format!(
                "{} {}",
                shorten(&phase.name, 40),
                format_size(phase.peak_bytes)
            ),
            shaded: i % 2 == 0,
            budget: b
                .phase_budgets
                .iter()
                .find(|budget| budget.name == phase.name)
                .map(|budget| unit.of(budget.peak_bytes as f64)),
        })
        .collect()
}

/// The head run's steady window, shaded over the range its memory moved in within it; `None`
/// when no sample falls in the window.
fn steady_band(
    b: &BenchmarkView,
    head_line: &[(f64, u64)],
    unit: SizeUnit,
    y_max: f64,
) -> Option<SteadyBand> {
    let run = b.head()?;
    let end = head_line.last().map_or(0.0, |p| p.0).max(run.duration_secs);
    let from = stats::warm_up_secs(end, b.window.warm_up).min(end);
    let to = (end * STEADY_WINDOW_END).max(from);
    let inside = head_line.iter().filter(|p| p.0 >= from && p.0 <= to);
    let low = inside.clone().map(|p| p.1).min()?;
    let high = inside.map(|p| p.1).max()?;
    let pad = (y_max * 0.01).max(unit.of((high - low) as f64) * 0.02);
    Some(SteadyBand {
        from,
        to,
        bottom: (unit.of(low as f64) - pad).max(0.0),
        top: unit.of(high as f64) + pad,
        // The benchmark's steady state, as the table shows it (the median over its runs), not
        // the drawn run's own.
        steady: unit.of(b.figures.steady_bytes as f64),
        steady_bytes: b.figures.steady_bytes,
    })
}

fn peak_mark(b: &BenchmarkView, head_line: &[(f64, u64)], unit: SizeUnit) -> PeakMark {
    let at = head_line
        .iter()
        .fold(head_line[0], |best, &p| if p.1 > best.1 { p } else { best });
    PeakMark {
        at: (at.0, unit.of(b.figures.peak_bytes.max(at.1) as f64)),
        label: format!("peak {}", format_size(b.figures.peak_bytes)),
    }
}

/// "head (run 2 of 3)", "other runs" when there are, and the peak's dot.
fn head_legend(b: &BenchmarkView, others: bool) -> Vec<LegendItem> {
    let mut name = "head".to_string();
    if b.runs.len() > 1 {
        let index = b.head_run.unwrap_or(0);
        name = format!("head (run {} of {})", index + 1, b.runs.len());
    }
    let mut legend = vec![LegendItem::new(Swatch::Line(style::HEAD), name)];
    if others {
        legend.push(LegendItem::new(
            Swatch::Line(style::HEAD_FAINT),
            "other runs",
        ));
    }
    legend.push(LegendItem::new(Swatch::Dot, "peak"));
    legend
}

fn points(line: &[(f64, u64)], unit: SizeUnit) -> Vec<(f64, f64)> {
    line.iter()
        .filter(|p| p.0.is_finite())
        .map(|&(t, bytes)| (t, unit.of(bytes as f64)))
        .collect()
}

/// "train-f64 — fail: peak 812.0 MiB exceeds budget 600.0 MiB"; "… — pass: peak 310.0 MiB,
/// +2.0 MiB vs base".
fn title(b: &BenchmarkView) -> String {
    let detail = match b.reason {
        Some(reason) => reason.to_string(),
        None => {
            let mut text = format!("peak {}", format_size(b.figures.peak_bytes));
            if let Some(base) = b.base {
                text.push_str(&format!(
                    ", {} vs base",
                    format_signed_size(b.figures.peak_bytes as i64 - base.peak_bytes as i64)
                ));
            }
            text
        }
    };
    format!("{} — {}: {detail}", b.name, b.status.as_str())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::report::fixtures::{MIB, benchmark, budget, run};

    fn labels(plot: &Plot) -> Vec<&str> {
        plot.legend.iter().map(|item| item.label.as_str()).collect()
    }

    fn plot_of(b: &crate::results::BenchmarkResult) -> Plot {
        match plan(&BenchmarkView::new(b)).content {
            Content::Plot(plot) => *plot,
            Content::Message(message) => panic!("no plot: {message}"),
        }
    }

    #[test]
    fn head_is_the_run_with_the_peak_over_the_others_and_the_base() {
        let short = run(&[(0.0, 10), (1.0, 100), (2.0, 90)]);
        let high = run(&[(0.0, 10), (1.0, 200), (3.0, 150), (4.0, 20)]);
        let b = benchmark(
            "train",
            vec![short, high],
            json!({
                "budget": budget(300),
                "baseline": {"peak_bytes": 120 * MIB, "steady_bytes": 0, "growth_bytes_per_sec": 0.0,
                             "timeline": [[0.0, 0], [5.0, 120 * MIB]]},
                "comparison": "compared",
                // The table's figure, the median over the runs: not the drawn run's 100 MiB.
                "steady_bytes": 123 * MIB,
            }),
        );
        let plot = plot_of(&b);
        assert_eq!(
            labels(&plot),
            [
                "steady 123.0 MiB (median of 2 runs; window shaded)",
                "budget 300.0 MiB",
                "base (peak 120.0 MiB)",
                "head (run 2 of 2)",
                "other runs",
                "peak",
            ]
        );
        assert_eq!(plot.unit.name, "MiB");
        // The axes reach the longest timeline (the base's) and above the budget.
        assert_eq!(plot.x_max, 5.0);
        assert_eq!(plot.y_max, style::headroom(300.0));
        assert_eq!(plot.budgets, [(300.0, style::BUDGET)]);
        assert_eq!(plot.head.as_ref().map(Vec::len), Some(4));
        assert_eq!(plot.others.len(), 1);
        assert_eq!(
            plot.peak,
            Some(PeakMark {
                at: (1.0, 200.0),
                label: "peak 200.0 MiB".to_string()
            })
        );
        let band = plot.steady.expect("a steady band");
        assert_eq!((band.from, band.to), (0.8, 3.92));
        assert!(band.bottom < 150.0 && band.top > 200.0);
    }

    #[test]
    fn the_head_runs_phases_are_bands_with_their_peaks_and_budgets() {
        let mut head = run(&[(0.0, 10), (1.0, 200), (2.0, 100), (3.0, 50)]);
        head["phases"] = json!([
            {"name": "load", "start_secs": 0.5, "end_secs": 1.5, "peak_bytes": 200 * MIB},
            {"name": "train\u{1b}", "start_secs": 1.5, "end_secs": 3.0, "peak_bytes": 100 * MIB},
        ]);
        let mut budget = budget(300);
        budget["phases"] = json!([{"name": "load", "peak_bytes": 400 * MIB}]);
        let b = benchmark("phased", vec![head], json!({ "budget": budget }));
        let plot = plot_of(&b);
        assert_eq!(
            plot.phases,
            [
                PhaseBand {
                    from: 0.5,
                    to: 1.5,
                    label: "load 200.0 MiB".into(),
                    shaded: true,
                    budget: Some(400.0),
                },
                PhaseBand {
                    from: 1.5,
                    to: 3.0,
                    label: "train? 100.0 MiB".into(),
                    shaded: false,
                    budget: None,
                },
            ]
        );
        // The axis reaches the phase budget; the legend names it.
        assert_eq!(plot.y_max, style::headroom(400.0));
        assert_eq!(labels(&plot).last(), Some(&"phase budgets"));
    }

    #[test]
    fn a_benchmark_that_never_ran_says_why_instead_of_a_plot() {
        let b = benchmark(
            "embed",
            vec![],
            json!({"status": "error", "reason": "could not start `bin/embed`"}),
        );
        let plan = plan(&BenchmarkView::new(&b));
        assert_eq!(
            plan.content,
            Content::Message("no measurement: could not start `bin/embed`".to_string())
        );
        assert_eq!(
            plan.title,
            "embed — error: could not start `bin/embed`".to_string()
        );
    }

    #[test]
    fn one_run_without_budget_or_base_has_no_other_lines() {
        let b = benchmark("x", vec![run(&[(0.0, 1), (0.5, 2)])], json!({}));
        let plot = plot_of(&b);
        assert_eq!(labels(&plot), ["head", "peak"]);
        assert_eq!(plot.unit.name, "MiB");
        assert!(plot.base.is_none() && plot.others.is_empty() && plot.budgets.is_empty());
        // Too few samples fall in the steady window for a band.
        assert_eq!(plot.steady, None);
        assert_eq!(
            plan(&BenchmarkView::new(&b)).title,
            "x — pass: peak 2.0 MiB"
        );
    }
}
