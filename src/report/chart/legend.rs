//! A legend as one row of swatches and labels under a chart's title, so that no legend box hides
//! the data.

use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{Area, DrawResult};
use super::style::{self, FONT};

/// The baseline of the legend row, in pixels from the top of the header.
const Y: i32 = 52;

/// How an item's swatch is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Swatch {
    /// A solid line.
    Line(RGBColor),
    /// A dashed line.
    Dashed(RGBColor),
    /// The shaded steady-state band with its dashed line.
    Band,
    /// The peak's dot.
    Dot,
    /// A filled bar `half_height` pixels above and below the row.
    Bar(RGBColor, i32),
    /// A vertical tick.
    Tick(RGBColor),
}

#[derive(Debug, Clone, PartialEq)]
pub struct LegendItem {
    pub swatch: Swatch,
    pub label: String,
}

impl LegendItem {
    pub fn new(swatch: Swatch, label: impl Into<String>) -> Self {
        Self {
            swatch,
            label: label.into(),
        }
    }
}

/// The items left to right from x = 16, `gap` pixels between a label and the next swatch.
pub fn draw<DB: DrawingBackend>(area: &Area<DB>, items: &[LegendItem], gap: i32) -> DrawResult<DB> {
    let font = (FONT, 13).into_font().color(&style::INK);
    let mut x = 16;
    for item in items {
        draw_swatch(area, item.swatch, x)?;
        let text_x = x + 30;
        area.draw(&Text::new(
            item.label.clone(),
            (text_x, Y),
            font.clone().pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        let (width, _) = area.estimate_text_size(&item.label, &font)?;
        x = text_x + width as i32 + gap;
    }
    Ok(())
}

fn draw_swatch<DB: DrawingBackend>(area: &Area<DB>, swatch: Swatch, x: i32) -> DrawResult<DB> {
    let y = Y;
    match swatch {
        Swatch::Line(color) => area.draw(&PathElement::new(
            vec![(x, y), (x + 24, y)],
            color.stroke_width(3),
        )),
        Swatch::Dashed(color) => area.draw(&DashedPathElement::new(
            vec![(x, y), (x + 24, y)],
            7,
            4,
            color.stroke_width(2),
        )),
        Swatch::Band => {
            area.draw(&Rectangle::new(
                [(x, y - 7), (x + 24, y + 7)],
                style::STEADY.mix(0.25).filled(),
            ))?;
            area.draw(&DashedPathElement::new(
                vec![(x, y), (x + 24, y)],
                5,
                3,
                style::STEADY.stroke_width(1),
            ))
        }
        Swatch::Dot => {
            area.draw(&Circle::new((x + 12, y), 6, style::INK.stroke_width(2)))?;
            area.draw(&Circle::new((x + 12, y), 4, style::HEAD.filled()))
        }
        Swatch::Bar(color, half_height) => area.draw(&Rectangle::new(
            [(x, y - half_height), (x + 22, y + half_height)],
            color.filled(),
        )),
        Swatch::Tick(color) => area.draw(&PathElement::new(
            vec![(x + 11, y - 9), (x + 11, y + 9)],
            color.stroke_width(3),
        )),
    }
}
