//! The summary: one row per benchmark with its head peak (bar), its base peak (thinner bar under
//! it) and its peak budget (a tick), on one memory axis. What to draw is worked out in [`plan`];
//! this module only draws it.

mod plan;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{self, Area, Cartesian as Chart, DrawResult, HEADER};
use super::legend;
use super::style::{self, FONT};
use crate::report::view::SuiteView;
use crate::results::Results;
use plan::{Bars, Row};

pub use plan::SUMMARY_MAX_BENCHMARKS;

const WIDTH: u32 = 960;
const ROW: u32 = 36;
const AXIS: u32 = 46;
const NAMES: u32 = 230;

/// The size of the summary chart: a fixed width, a height that grows with the rows shown.
pub fn summary_size(results: &Results) -> (u32, u32) {
    size_for(results.benchmarks.len())
}

/// [`summary_size`] for a number of benchmarks.
pub(super) fn size_for(benchmarks: usize) -> (u32, u32) {
    let rows = benchmarks.clamp(1, SUMMARY_MAX_BENCHMARKS) as u32;
    (WIDTH, HEADER + 16 + rows * ROW + AXIS + 8)
}

pub fn draw<DB: DrawingBackend>(root: &Area<DB>, suite: &SuiteView) -> DrawResult<DB> {
    let plan = plan::plan(suite);
    let (header, body) = frame::titled(root, plan.title)?;
    legend::draw(&header, &plan.legend, 24)?;
    let Some(bars) = plan.bars else {
        return frame::draw_message(&body, "no benchmarks");
    };
    let mut chart = axes(&body, &bars)?;
    for row in &bars.rows {
        draw_row(root, &mut chart, row)?;
    }
    Ok(())
}

/// The chart's frame: margins, the memory axis and its grid; no labels on the other axis.
fn axes<'a, DB: DrawingBackend>(body: &'a Area<DB>, bars: &Bars) -> DrawResult<DB, Chart<'a, DB>> {
    let mut chart = ChartBuilder::on(body)
        .margin_top(16)
        .margin_right(28)
        .margin_bottom(8)
        .x_label_area_size(AXIS - 8)
        .y_label_area_size(NAMES)
        .build_cartesian_2d(0f64..bars.x_max, 0f64..bars.rows.len() as f64)?;
    let x_decimals = if bars.x_max < 10.0 { 1 } else { 0 };
    frame::mesh(&mut chart)
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(8)
        .x_desc(format!("peak memory ({})", bars.unit.name))
        .x_label_formatter(&|x| format!("{x:.x_decimals$}"))
        .draw()?;
    Ok(chart)
}

/// One benchmark's bars and tick, its name left of the axis and its figures after the bars.
fn draw_row<DB: DrawingBackend>(
    root: &Area<DB>,
    chart: &mut Chart<'_, DB>,
    row: &Row,
) -> DrawResult<DB> {
    let top = row.top;
    chart.draw_series(std::iter::once(Rectangle::new(
        [(0.0, top - 0.16), (row.head, top - 0.52)],
        style::HEAD.filled(),
    )))?;
    if let Some(base) = row.base {
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, top - 0.55), (base, top - 0.80)],
            style::BASE.filled(),
        )))?;
    }
    if let Some(x) = row.budget {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, top - 0.06), (x, top - 0.90)],
            style::BUDGET.stroke_width(3),
        )))?;
    }
    let (_, y) = chart.backend_coord(&(0.0, top - 0.5));
    let (x0, _) = chart.backend_coord(&(0.0, 0.0));
    root.draw(&Text::new(
        row.name.as_str(),
        (x0 - 10, y),
        (FONT, 13)
            .into_font()
            .color(&style::INK)
            .pos(Pos::new(HPos::Right, VPos::Center)),
    ))?;
    let (x, _) = chart.backend_coord(&(row.right, 0.0));
    root.draw(&Text::new(
        row.figures.as_str(),
        (x + 8, y),
        (FONT, 12)
            .into_font()
            .color(&style::INK)
            .pos(Pos::new(HPos::Left, VPos::Center)),
    ))
}
