//! What every chart draws the same way: a white page with the title on top, the mesh in the
//! charts' style, a message where there is nothing to plot; and the types drawing code shares.

use plotters::chart::MeshStyle;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::style;

pub type Area<DB> = DrawingArea<DB, plotters::coord::Shift>;
/// What drawing gives: `T` (nothing by default), or the backend's error.
pub type DrawResult<DB, T = ()> =
    Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;
/// A chart with numbers on both axes (memory, seconds, rows).
pub type Cartesian<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Height of the header: the title and, under it, the legend.
pub const HEADER: u32 = 74;

/// A white chart with its title in bold at the top left: the header (for the legend) and the body
/// under it.
pub fn titled<DB: DrawingBackend>(
    root: &Area<DB>,
    title: String,
) -> DrawResult<DB, (Area<DB>, Area<DB>)> {
    root.fill(&WHITE)?;
    let (header, body) = root.split_vertically(HEADER);
    header.draw(&Text::new(
        title,
        (16, 10),
        (style::FONT, 20)
            .into_font()
            .style(FontStyle::Bold)
            .color(&style::INK),
    ))?;
    Ok((header, body))
}

/// The mesh in every chart's style: labels in ink, a light grid, muted axes. The caller adds its
/// axis descriptions and labels, and draws it.
pub fn mesh<'a, 'b, DB: DrawingBackend>(
    chart: &'b mut Cartesian<'a, DB>,
) -> MeshStyle<'a, 'b, RangedCoordf64, RangedCoordf64, DB> {
    let mut mesh = chart.configure_mesh();
    mesh.label_style((style::FONT, 13).into_font().color(&style::INK))
        .axis_desc_style((style::FONT, 14).into_font().color(&style::INK))
        .max_light_lines(1)
        .light_line_style(style::GRID.mix(0.4))
        .bold_line_style(style::GRID)
        .axis_style(style::MUTED);
    mesh
}

/// A muted message in the middle of an area that has nothing to plot.
pub fn draw_message<DB: DrawingBackend>(area: &Area<DB>, message: &str) -> DrawResult<DB> {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    let (w, h) = area.dim_in_pixel();
    area.draw(&Text::new(
        message,
        (w as i32 / 2, h as i32 / 2),
        (style::FONT, 16)
            .into_font()
            .color(&style::MUTED)
            .pos(Pos::new(HPos::Center, VPos::Center)),
    ))
}
