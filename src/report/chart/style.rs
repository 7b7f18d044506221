//! What every chart shares: the embedded font, the palette, the size unit of an axis.

use std::sync::Once;

use plotters::style::{FontStyle, RGBColor, register_font};

/// The family name the embedded font is registered under.
pub const FONT: &str = "sans-serif";

/// Okabe–Ito colours (Okabe & Ito, "Color Universal Design"), distinguishable with the common
/// colour-vision deficiencies.
pub const HEAD: RGBColor = RGBColor(0x00, 0x72, 0xB2); // blue
/// The head colour lightened towards white, for runs other than the one with the peak.
pub const HEAD_FAINT: RGBColor = RGBColor(0xA6, 0xCB, 0xE3);
pub const BASE: RGBColor = RGBColor(0xE6, 0x9F, 0x00); // orange
pub const BUDGET: RGBColor = RGBColor(0xD5, 0x5E, 0x00); // vermillion
pub const STEADY_BUDGET: RGBColor = RGBColor(0xCC, 0x79, 0xA7); // reddish purple
pub const STEADY: RGBColor = RGBColor(0x56, 0xB4, 0xE9); // sky blue
/// Phase bands: every other one shaded this light grey, so that neighbours part.
pub const PHASE_BAND: RGBColor = RGBColor(0xEE, 0xEE, 0xEE);
/// A phase's start and its budget.
pub const PHASE_EDGE: RGBColor = RGBColor(0x99, 0x99, 0x99);
pub const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
pub const MUTED: RGBColor = RGBColor(0x66, 0x66, 0x66);
pub const GRID: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);

/// Registers DejaVu Sans (regular and bold) for the `ab_glyph` text backend, once per process.
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TTF shipped by the `dejavu` crate; should plotters refuse them,
        // text is left out rather than the chart.
        let _ = register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// The unit of a memory axis: KiB, MiB or GiB, chosen so that the largest value reads well.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SizeUnit {
    pub name: &'static str,
    pub bytes: f64,
}

impl SizeUnit {
    pub fn for_max(max_bytes: f64) -> Self {
        const KIB: f64 = 1024.0;
        if max_bytes >= 2.0 * KIB * KIB * KIB {
            Self {
                name: "GiB",
                bytes: KIB * KIB * KIB,
            }
        } else if max_bytes >= KIB * KIB {
            Self {
                name: "MiB",
                bytes: KIB * KIB,
            }
        } else {
            Self {
                name: "KiB",
                bytes: KIB,
            }
        }
    }

    pub fn of(self, bytes: f64) -> f64 {
        bytes / self.bytes
    }
}

/// An axis maximum a little above `value`, so that the highest line does not touch the frame.
pub fn headroom(value: f64) -> f64 {
    if value > 0.0 && value.is_finite() {
        value * 1.12
    } else {
        1.0
    }
}
