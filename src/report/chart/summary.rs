//! The summary: one row per benchmark with its head peak (bar), its base peak (thinner bar under
//! it) and its peak budget (a tick), on one memory axis.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{self, FONT, SizeUnit};
use super::{Area, DrawResult, most_telling};
use crate::results::{BenchmarkResult, Results, Status};
use crate::units::format_size;
use crate::verdict::format_percent_change;

/// Rows drawn at most; beyond that the failing and largest are shown, and the title says so.
pub const SUMMARY_MAX_BENCHMARKS: usize = 60;

const WIDTH: u32 = 960;
const HEADER: u32 = 74;
const ROW: u32 = 36;
const AXIS: u32 = 46;
const NAMES: u32 = 230;

/// The size of the summary chart: a fixed width, a height that grows with the rows shown.
pub fn summary_size(results: &Results) -> (u32, u32) {
    let rows = results.benchmarks.len().clamp(1, SUMMARY_MAX_BENCHMARKS) as u32;
    (WIDTH, HEADER + 16 + rows * ROW + AXIS + 8)
}

pub fn draw<DB: DrawingBackend>(root: &Area<DB>, results: &Results) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let (header, body) = root.split_vertically(HEADER);
    let shown = most_telling(&results.benchmarks, SUMMARY_MAX_BENCHMARKS);
    let mut title = "Peak memory per benchmark".to_string();
    if shown.len() < results.benchmarks.len() {
        title.push_str(&format!(
            " ({} of {}: failures and largest first)",
            shown.len(),
            results.benchmarks.len()
        ));
    }
    header.draw(&Text::new(
        title,
        (16, 10),
        (FONT, 20)
            .into_font()
            .style(FontStyle::Bold)
            .color(&style::INK),
    ))?;
    let any_base = shown.iter().any(|b| b.baseline.is_some());
    let any_budget = shown.iter().any(|b| peak_budget(b).is_some());
    draw_legend(&header, any_base, any_budget)?;

    if shown.is_empty() {
        return super::draw_message(&body, "no benchmarks");
    }

    let max_bytes = shown
        .iter()
        .flat_map(|b| {
            [
                Some(b.peak_bytes),
                b.baseline.as_ref().map(|base| base.peak_bytes),
                peak_budget(b),
            ]
        })
        .flatten()
        .max()
        .unwrap_or(0) as f64;
    let unit = SizeUnit::for_max(max_bytes);
    // Room on the right for the figures written after the bars.
    let x_max = style::headroom(unit.of(max_bytes)) * 1.3;
    let rows = shown.len() as f64;

    let mut chart = ChartBuilder::on(&body)
        .margin_top(16)
        .margin_right(28)
        .margin_bottom(8)
        .x_label_area_size(AXIS - 8)
        .y_label_area_size(NAMES)
        .build_cartesian_2d(0f64..x_max, 0f64..rows)?;
    let x_decimals = if x_max < 10.0 { 1 } else { 0 };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(8)
        .x_desc(format!("peak memory ({})", unit.name))
        .x_label_formatter(&|x| format!("{x:.x_decimals$}"))
        .label_style((FONT, 13).into_font().color(&style::INK))
        .axis_desc_style((FONT, 14).into_font().color(&style::INK))
        .max_light_lines(1)
        .light_line_style(style::GRID.mix(0.4))
        .bold_line_style(style::GRID)
        .axis_style(style::MUTED)
        .draw()?;

    let name_font = (FONT, 13).into_font().color(&style::INK);
    let figure_font = (FONT, 12).into_font().color(&style::INK);
    for (i, b) in shown.iter().enumerate() {
        // Row i from the top spans [top - 1, top].
        let top = rows - i as f64;
        let head = unit.of(b.peak_bytes as f64);
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, top - 0.16), (head, top - 0.52)],
            style::HEAD.filled(),
        )))?;
        let mut right = head;
        if let Some(base) = &b.baseline {
            let base = unit.of(base.peak_bytes as f64);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0.0, top - 0.55), (base, top - 0.80)],
                style::BASE.filled(),
            )))?;
            right = right.max(base);
        }
        if let Some(budget) = peak_budget(b) {
            let x = unit.of(budget as f64);
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x, top - 0.06), (x, top - 0.90)],
                style::BUDGET.stroke_width(3),
            )))?;
            right = right.max(x);
        }
        let (_, y) = chart.backend_coord(&(0.0, top - 0.5));
        let (x0, _) = chart.backend_coord(&(0.0, 0.0));
        root.draw(&Text::new(
            style::label(&b.name, 30),
            (x0 - 10, y),
            name_font.clone().pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
        let (x, _) = chart.backend_coord(&(right, 0.0));
        root.draw(&Text::new(
            style::label(&figures(b), 60),
            (x + 8, y),
            figure_font.clone().pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}

fn peak_budget(b: &BenchmarkResult) -> Option<u64> {
    b.budget.as_ref().and_then(|budget| budget.peak_bytes)
}

/// "812.0 MiB · fail · +100% vs base"; an error says what happened.
fn figures(b: &BenchmarkResult) -> String {
    if b.status == Status::Error {
        return format!("error: {}", b.reason.as_deref().unwrap_or("no measurement"));
    }
    let mut text = format!("{} · {}", format_size(b.peak_bytes), b.status.as_str());
    if let Some(base) = &b.baseline {
        text.push_str(&format!(
            " · {} vs base",
            format_percent_change(base.peak_bytes as f64, b.peak_bytes as f64)
        ));
    }
    text
}

fn draw_legend<DB: DrawingBackend>(
    area: &Area<DB>,
    any_base: bool,
    any_budget: bool,
) -> DrawResult<DB> {
    let font = (FONT, 13).into_font().color(&style::INK);
    let y = 52;
    let mut x = 16;
    let mut items: Vec<(&str, u8)> = vec![("head peak", 0)];
    if any_base {
        items.push(("base peak", 1));
    }
    if any_budget {
        items.push(("peak budget", 2));
    }
    for (label, kind) in items {
        match kind {
            0 => area.draw(&Rectangle::new(
                [(x, y - 6), (x + 22, y + 6)],
                style::HEAD.filled(),
            ))?,
            1 => area.draw(&Rectangle::new(
                [(x, y - 4), (x + 22, y + 4)],
                style::BASE.filled(),
            ))?,
            _ => area.draw(&PathElement::new(
                vec![(x + 11, y - 9), (x + 11, y + 9)],
                style::BUDGET.stroke_width(3),
            ))?,
        }
        let text_x = x + 30;
        area.draw(&Text::new(
            label,
            (text_x, y),
            font.clone().pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        let (width, _) = area.estimate_text_size(label, &font)?;
        x = text_x + width as i32 + 24;
    }
    Ok(())
}
