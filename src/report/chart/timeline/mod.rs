//! The timeline of one benchmark: memory over time of the head run with the peak, the base's run
//! under it, the budget as a line, the peak marked and the steady-state window shaded. What to
//! draw is worked out in [`plan`]; this module only draws it.

mod plan;

use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{self, Area, Cartesian as Chart, DrawResult};
use super::legend;
use super::style::{self, FONT};
use crate::report::view::BenchmarkView;
use plan::{Content, PeakMark, PhaseBand, Plot};

/// Width and height of a timeline PNG, in pixels (and of the SVG, in user units).
pub const TIMELINE_SIZE: (u32, u32) = (960, 480);

pub fn draw<DB: DrawingBackend>(root: &Area<DB>, b: &BenchmarkView) -> DrawResult<DB> {
    let plan = plan::plan(b);
    let (header, body) = frame::titled(root, plan.title)?;
    let plot = match plan.content {
        Content::Message(message) => return frame::draw_message(&body, &message),
        Content::Plot(plot) => plot,
    };
    let mut chart = axes(&body, &plot)?;
    draw_phases(root, &mut chart, &plot)?;
    draw_series(&mut chart, &plot)?;
    if let Some(peak) = &plot.peak {
        draw_peak(root, &body, &mut chart, peak)?;
    }
    legend::draw(&header, &plot.legend, 22)
}

/// The chart's frame: margins, axes, their labels and the grid.
fn axes<'a, DB: DrawingBackend>(body: &'a Area<DB>, plot: &Plot) -> DrawResult<DB, Chart<'a, DB>> {
    let mut chart = ChartBuilder::on(body)
        .margin_left(12)
        .margin_right(28)
        .margin_bottom(8)
        .x_label_area_size(46)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..plot.x_max, 0f64..plot.y_max)?;
    let y_decimals = if plot.y_max < 10.0 { 1 } else { 0 };
    let x_decimals = if plot.x_max < 10.0 { 1 } else { 0 };
    frame::mesh(&mut chart)
        .x_desc("time (s)")
        .y_desc(format!("memory ({})", plot.unit.name))
        .x_labels(10)
        .y_labels(8)
        .x_label_formatter(&|x| format!("{x:.x_decimals$}"))
        .y_label_formatter(&|y| format!("{y:.y_decimals$}"))
        .draw()?;
    Ok(chart)
}

/// Width of a label character at the phase labels' size, in pixels (DejaVu Sans at 12 px averages
/// under 7): a label is cut to what its band holds.
const PHASE_LABEL_CHAR_PX: i32 = 7;

/// The phases behind everything: every other band shaded, a thin line where each starts, its
/// budget dashed across it, and its name and peak at its top (cut to the band's width; none in a
/// band too narrow for three characters).
fn draw_phases<DB: DrawingBackend>(
    root: &Area<DB>,
    chart: &mut Chart<'_, DB>,
    plot: &Plot,
) -> DrawResult<DB> {
    let top = plot.y_max;
    for band in &plot.phases {
        if band.shaded {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(band.from, 0.0), (band.to, top)],
                style::PHASE_BAND.filled(),
            )))?;
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(band.from, 0.0), (band.from, top)],
            style::PHASE_EDGE.stroke_width(1),
        )))?;
        if let Some(budget) = band.budget {
            chart.draw_series(std::iter::once(DashedPathElement::new(
                vec![(band.from, budget), (band.to, budget)],
                6,
                4,
                style::PHASE_EDGE.stroke_width(2),
            )))?;
        }
    }
    for band in &plot.phases {
        draw_phase_label(root, chart, band, top)?;
    }
    Ok(())
}

fn draw_phase_label<DB: DrawingBackend>(
    root: &Area<DB>,
    chart: &Chart<'_, DB>,
    band: &PhaseBand,
    top: f64,
) -> DrawResult<DB> {
    let (left, y) = chart.backend_coord(&(band.from, top));
    let (right, _) = chart.backend_coord(&(band.to, top));
    let fits = ((right - left - 6) / PHASE_LABEL_CHAR_PX).max(0) as usize;
    if fits < 3 {
        return Ok(());
    }
    root.draw(&Text::new(
        crate::report::escape::shorten(&band.label, fits),
        (left + 4, y + 4),
        (FONT, 12)
            .into_font()
            .color(&style::MUTED)
            .pos(Pos::new(HPos::Left, VPos::Top)),
    ))
}

/// The steady band, the budget lines, then base, other runs and head, each over the last.
fn draw_series<DB: DrawingBackend>(chart: &mut Chart<'_, DB>, plot: &Plot) -> DrawResult<DB> {
    if let Some(band) = &plot.steady {
        chart.draw_series(std::iter::once(Rectangle::new(
            [(band.from, band.bottom), (band.to, band.top)],
            style::STEADY.mix(0.18).filled(),
        )))?;
        chart.draw_series(std::iter::once(DashedPathElement::new(
            vec![(band.from, band.steady), (band.to, band.steady)],
            6,
            4,
            style::STEADY.stroke_width(1),
        )))?;
    }
    for &(y, color) in &plot.budgets {
        chart.draw_series(std::iter::once(DashedPathElement::new(
            vec![(0.0, y), (plot.x_max, y)],
            10,
            6,
            color.stroke_width(2),
        )))?;
    }
    let lines = plot
        .base
        .iter()
        .map(|line| (line, style::BASE.stroke_width(2)))
        .chain(
            plot.others
                .iter()
                .map(|line| (line, style::HEAD_FAINT.stroke_width(1))),
        )
        .chain(
            plot.head
                .iter()
                .map(|line| (line, style::HEAD.stroke_width(2))),
        );
    for (line, stroke) in lines {
        chart.draw_series(std::iter::once(PathElement::new(line.clone(), stroke)))?;
    }
    Ok(())
}

/// The peak's dot and its figure beside it (to the left near the right edge).
fn draw_peak<DB: DrawingBackend>(
    root: &Area<DB>,
    body: &Area<DB>,
    chart: &mut Chart<'_, DB>,
    peak: &PeakMark,
) -> DrawResult<DB> {
    chart.draw_series(std::iter::once(Circle::new(
        peak.at,
        6,
        style::INK.stroke_width(2),
    )))?;
    chart.draw_series(std::iter::once(Circle::new(
        peak.at,
        4,
        style::HEAD.filled(),
    )))?;
    let (px, py) = chart.backend_coord(&peak.at);
    let (width, _) = body.dim_in_pixel();
    let (anchor, dx) = if px > width as i32 - 160 {
        (HPos::Right, -10)
    } else {
        (HPos::Left, 10)
    };
    root.draw(&Text::new(
        peak.label.clone(),
        (px + dx, py - 12),
        (FONT, 14)
            .into_font()
            .style(FontStyle::Bold)
            .color(&style::INK)
            .pos(Pos::new(anchor, VPos::Bottom)),
    ))
}
