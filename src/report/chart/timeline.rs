//! The timeline of one benchmark: memory over time of the head run with the peak, the base's run
//! under it, the budget as a line, the peak marked and the steady-state window shaded.

use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{self, FONT, SizeUnit};
use super::{Area, DrawResult, head_run};
use crate::results::{BenchmarkResult, Status};
use crate::stats::downsample;
use crate::units::{format_signed_size, format_size};

/// Width and height of a timeline PNG, in pixels (and of the SVG, in user units).
pub const TIMELINE_SIZE: (u32, u32) = (960, 480);

/// Points drawn per series: about two per horizontal pixel, peaks kept.
const POINTS: usize = 1600;

/// The steady state is the median after warm-up (first 20% of a run) and before teardown (last
/// 2%): DESIGN §5. The shaded band is that window.
const STEADY_WINDOW: (f64, f64) = (0.20, 0.98);

const HEADER: u32 = 74;

pub fn draw<DB: DrawingBackend>(root: &Area<DB>, b: &BenchmarkResult) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let (header, body) = root.split_vertically(HEADER);
    header.draw(&Text::new(
        style::label(&title(b), 86),
        (16, 10),
        (FONT, 20)
            .into_font()
            .style(FontStyle::Bold)
            .color(&style::INK),
    ))?;

    let head = head_run(b);
    let head_line = head
        .map(|run| downsample(&run.timeline, POINTS))
        .unwrap_or_default();
    let others: Vec<Vec<(f64, u64)>> = b
        .runs
        .iter()
        .filter(|run| head.is_some_and(|h| !std::ptr::eq(*run, h)))
        .map(|run| downsample(&run.timeline, POINTS / 2))
        .filter(|line| !line.is_empty())
        .collect();
    let base_line = b
        .baseline
        .as_ref()
        .map(|base| downsample(&base.timeline, POINTS))
        .unwrap_or_default();
    let peak_budget = b.budget.as_ref().and_then(|budget| budget.peak_bytes);
    let steady_budget = b.budget.as_ref().and_then(|budget| budget.steady_bytes);

    if head_line.is_empty() && base_line.is_empty() {
        let why = match (&b.reason, b.status) {
            (Some(reason), Status::Error) => format!("no measurement: {reason}"),
            _ => "no timeline was recorded".to_string(),
        };
        return super::draw_message(&body, &style::label(&why, 90));
    }

    let max_bytes = head_line
        .iter()
        .chain(&base_line)
        .chain(others.iter().flatten())
        .map(|p| p.1)
        .chain([b.peak_bytes])
        .chain(peak_budget)
        .chain(steady_budget)
        .max()
        .unwrap_or(0) as f64;
    let unit = SizeUnit::for_max(max_bytes);
    let y_max = style::headroom(unit.of(max_bytes));
    let x_end = head_line
        .iter()
        .chain(&base_line)
        .chain(others.iter().flatten())
        .map(|p| p.0)
        .filter(|t| t.is_finite())
        .fold(0.0f64, f64::max);
    let x_max = if x_end > 0.0 { x_end } else { 1.0 };

    let mut chart = ChartBuilder::on(&body)
        .margin_left(12)
        .margin_right(28)
        .margin_bottom(8)
        .x_label_area_size(46)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..x_max, 0f64..y_max)?;
    let y_decimals = if y_max < 10.0 { 1 } else { 0 };
    let x_decimals = if x_max < 10.0 { 1 } else { 0 };
    chart
        .configure_mesh()
        .x_desc("time (s)")
        .y_desc(format!("memory ({})", unit.name))
        .x_labels(10)
        .y_labels(8)
        .x_label_formatter(&|x| format!("{x:.x_decimals$}"))
        .y_label_formatter(&|y| format!("{y:.y_decimals$}"))
        .label_style((FONT, 13).into_font().color(&style::INK))
        .axis_desc_style((FONT, 14).into_font().color(&style::INK))
        .max_light_lines(1)
        .light_line_style(style::GRID.mix(0.4))
        .bold_line_style(style::GRID)
        .axis_style(style::MUTED)
        .draw()?;

    let mut legend: Vec<LegendItem> = Vec::new();

    // The steady window of the head run, shaded over the range its memory moved in.
    if let Some(run) = head {
        let end = head_line.last().map_or(0.0, |p| p.0).max(run.duration_secs);
        let (from, to) = (end * STEADY_WINDOW.0, end * STEADY_WINDOW.1);
        let inside = head_line.iter().filter(|p| p.0 >= from && p.0 <= to);
        let low = inside.clone().map(|p| p.1).min();
        let high = inside.map(|p| p.1).max();
        if let (Some(low), Some(high)) = (low, high) {
            let pad = (y_max * 0.01).max(unit.of((high - low) as f64) * 0.02);
            chart.draw_series(std::iter::once(Rectangle::new(
                [
                    (from, (unit.of(low as f64) - pad).max(0.0)),
                    (to, unit.of(high as f64) + pad),
                ],
                style::STEADY.mix(0.18).filled(),
            )))?;
            // The steady state of the run drawn (the benchmark's is the median over its runs).
            let steady = unit.of(run.steady_bytes as f64);
            chart.draw_series(std::iter::once(DashedPathElement::new(
                vec![(from, steady), (to, steady)],
                6,
                4,
                style::STEADY.stroke_width(1),
            )))?;
            legend.push(LegendItem::Band(format!(
                "steady {} (window shaded)",
                format_size(run.steady_bytes)
            )));
        }
    }

    for (bytes, color, name) in [
        (steady_budget, style::STEADY_BUDGET, "steady budget"),
        (peak_budget, style::BUDGET, "budget"),
    ] {
        if let Some(bytes) = bytes {
            let y = unit.of(bytes as f64);
            chart.draw_series(std::iter::once(DashedPathElement::new(
                vec![(0.0, y), (x_max, y)],
                10,
                6,
                color.stroke_width(2),
            )))?;
            legend.push(LegendItem::Dashed(
                color,
                format!("{name} {}", format_size(bytes)),
            ));
        }
    }

    if !base_line.is_empty() {
        chart.draw_series(std::iter::once(PathElement::new(
            points(&base_line, unit),
            style::BASE.stroke_width(2),
        )))?;
        let base_peak = b.baseline.as_ref().map_or(0, |base| base.peak_bytes);
        legend.push(LegendItem::Line(
            style::BASE,
            format!("base (peak {})", format_size(base_peak)),
        ));
    }
    for line in &others {
        chart.draw_series(std::iter::once(PathElement::new(
            points(line, unit),
            style::HEAD_FAINT.stroke_width(1),
        )))?;
    }
    if !head_line.is_empty() {
        chart.draw_series(std::iter::once(PathElement::new(
            points(&head_line, unit),
            style::HEAD.stroke_width(2),
        )))?;
        let mut name = "head".to_string();
        if b.runs.len() > 1 {
            let index = head
                .and_then(|h| b.runs.iter().position(|r| std::ptr::eq(r, h)))
                .unwrap_or(0);
            name = format!("head (run {} of {})", index + 1, b.runs.len());
        }
        legend.push(LegendItem::Line(style::HEAD, name));
        if !others.is_empty() {
            legend.push(LegendItem::Line(
                style::HEAD_FAINT,
                "other runs".to_string(),
            ));
        }

        // The peak: where the samples reach their highest, at the benchmark's peak (which a
        // cgroup may know exactly even between two samples).
        let at = head_line
            .iter()
            .fold(head_line[0], |best, &p| if p.1 > best.1 { p } else { best });
        let peak = unit.of(b.peak_bytes.max(at.1) as f64);
        chart.draw_series(std::iter::once(Circle::new(
            (at.0, peak),
            6,
            style::INK.stroke_width(2),
        )))?;
        chart.draw_series(std::iter::once(Circle::new(
            (at.0, peak),
            4,
            style::HEAD.filled(),
        )))?;
        let (px, py) = chart.backend_coord(&(at.0, peak));
        let (width, _) = body.dim_in_pixel();
        let text = format!("peak {}", format_size(b.peak_bytes));
        let anchor = if px > width as i32 - 160 {
            HPos::Right
        } else {
            HPos::Left
        };
        let dx = if matches!(anchor, HPos::Right) {
            -10
        } else {
            10
        };
        root.draw(&Text::new(
            text,
            (px + dx, py - 12),
            (FONT, 14)
                .into_font()
                .style(FontStyle::Bold)
                .color(&style::INK)
                .pos(Pos::new(anchor, VPos::Bottom)),
        ))?;
        legend.push(LegendItem::Dot("peak".to_string()));
    }

    draw_legend(&header, &legend)
}

fn points(line: &[(f64, u64)], unit: SizeUnit) -> Vec<(f64, f64)> {
    line.iter()
        .filter(|p| p.0.is_finite())
        .map(|&(t, bytes)| (t, unit.of(bytes as f64)))
        .collect()
}

/// "train-f64 — fail: peak 812.0 MiB exceeds budget 600.0 MiB"; "… — pass: peak 310.0 MiB,
/// +2.0 MiB vs base".
fn title(b: &BenchmarkResult) -> String {
    let detail = match &b.reason {
        Some(reason) => reason.clone(),
        None => {
            let mut text = format!("peak {}", format_size(b.peak_bytes));
            if let Some(base) = &b.baseline {
                text.push_str(&format!(
                    ", {} vs base",
                    format_signed_size(b.peak_bytes as i64 - base.peak_bytes as i64)
                ));
            }
            text
        }
    };
    format!("{} — {}: {detail}", b.name, b.status.as_str())
}

enum LegendItem {
    Line(RGBColor, String),
    Dashed(RGBColor, String),
    Band(String),
    Dot(String),
}

/// One row of swatches and labels under the title, so that no legend box hides the data.
fn draw_legend<DB: DrawingBackend>(area: &Area<DB>, items: &[LegendItem]) -> DrawResult<DB> {
    let font = (FONT, 13).into_font().color(&style::INK);
    let y = 52;
    let mut x = 16;
    for item in items {
        let label = match item {
            LegendItem::Line(color, label) => {
                area.draw(&PathElement::new(
                    vec![(x, y), (x + 24, y)],
                    color.stroke_width(3),
                ))?;
                label
            }
            LegendItem::Dashed(color, label) => {
                area.draw(&DashedPathElement::new(
                    vec![(x, y), (x + 24, y)],
                    7,
                    4,
                    color.stroke_width(2),
                ))?;
                label
            }
            LegendItem::Band(label) => {
                area.draw(&Rectangle::new(
                    [(x, y - 7), (x + 24, y + 7)],
                    style::STEADY.mix(0.25).filled(),
                ))?;
                area.draw(&DashedPathElement::new(
                    vec![(x, y), (x + 24, y)],
                    5,
                    3,
                    style::STEADY.stroke_width(1),
                ))?;
                label
            }
            LegendItem::Dot(label) => {
                area.draw(&Circle::new((x + 12, y), 6, style::INK.stroke_width(2)))?;
                area.draw(&Circle::new((x + 12, y), 4, style::HEAD.filled()))?;
                label
            }
        };
        let text_x = x + 30;
        area.draw(&Text::new(
            label.clone(),
            (text_x, y),
            font.clone().pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        let (width, _) = area.estimate_text_size(label, &font)?;
        x = text_x + width as i32 + 22;
    }
    Ok(())
}
