//! Charts drawn with plotters, as SVG and PNG (`--charts DIR`, and inline SVG in the HTML page).
//!
//! A timeline per benchmark (head over base, the budget as a line, the peak marked, the steady
//! window shaded) and a summary bar chart (base, head and budget per benchmark). Pure: results in,
//! text or bytes out; the caller writes the files.
//!
//! Text is drawn with DejaVu Sans embedded in the binary (plotters' `ab_glyph` backend), so a PNG
//! looks the same in a slim container with no fonts as on a laptop, and the same input gives the
//! same bytes. Colours are from the Okabe–Ito palette, which colour-blind readers can tell apart;
//! head and base also differ in line style.

mod frame;
mod legend;
mod png_text;
mod style;
mod summary;
mod timeline;

use plotters::prelude::*;

use crate::report::escape;
use crate::report::view::{BenchmarkView, SuiteView};
use crate::results::{BenchmarkResult, Results};
use frame::{Area, DrawResult};

pub use summary::{SUMMARY_MAX_BENCHMARKS, summary_size};
pub use timeline::TIMELINE_SIZE;

/// One file of `--charts DIR`: its name (no folder) and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// At most this many timeline charts are drawn, for the most telling benchmarks (failures and
/// errors first, then the largest peaks).
pub const MAX_TIMELINE_CHARTS: usize = 100;

/// Every chart of the results, as SVG and PNG: `summary.svg`, `summary.png`, then
/// `timeline-NAME.svg` and `timeline-NAME.png` per benchmark (see [`file_stems`]), for at most
/// [`MAX_TIMELINE_CHARTS`] benchmarks, the most telling.
pub fn render_all(results: &Results) -> Vec<ChartFile> {
    // A results file may come from a fork with 10,000 benchmarks: drawing a timeline for each took
    // 737 MiB and 155 s. The most telling ones are drawn; the summary and table name the rest.
    let suite = SuiteView::new(results);
    let mut files = vec![
        ChartFile {
            name: "summary.svg".to_string(),
            bytes: summary_svg_for(&suite).into_bytes(),
        },
        ChartFile {
            name: "summary.png".to_string(),
            bytes: summary_png_for(&suite),
        },
    ];
    for benchmark in suite.most_telling(MAX_TIMELINE_CHARTS) {
        files.push(ChartFile {
            name: format!("timeline-{}.svg", benchmark.stem),
            bytes: timeline_svg_for(benchmark).into_bytes(),
        });
        files.push(ChartFile {
            name: format!("timeline-{}.png", benchmark.stem),
            bytes: png(TIMELINE_SIZE, Chart::Timeline(benchmark)),
        });
    }
    files
}

/// The timeline of one benchmark as an SVG document.
pub fn timeline_svg(benchmark: &BenchmarkResult) -> String {
    timeline_svg_for(&BenchmarkView::new(benchmark))
}

/// [`timeline_svg`] of a benchmark already viewed.
pub fn timeline_svg_for(benchmark: &BenchmarkView) -> String {
    svg(TIMELINE_SIZE, Chart::Timeline(benchmark))
}

/// The timeline of one benchmark as a PNG of [`TIMELINE_SIZE`].
pub fn timeline_png(benchmark: &BenchmarkResult) -> Vec<u8> {
    png(
        TIMELINE_SIZE,
        Chart::Timeline(&BenchmarkView::new(benchmark)),
    )
}

/// The summary bar chart as an SVG document.
pub fn summary_svg(results: &Results) -> String {
    summary_svg_for(&SuiteView::new(results))
}

/// [`summary_svg`] of a suite already viewed.
pub fn summary_svg_for(suite: &SuiteView) -> String {
    svg(
        summary::size_for(suite.benchmarks.len()),
        Chart::Summary(suite),
    )
}

/// The summary bar chart as a PNG of [`summary_size`].
pub fn summary_png(results: &Results) -> Vec<u8> {
    summary_png_for(&SuiteView::new(results))
}

fn summary_png_for(suite: &SuiteView) -> Vec<u8> {
    png(
        summary::size_for(suite.benchmarks.len()),
        Chart::Summary(suite),
    )
}

/// File-name stems for the benchmarks' charts, in order: safe on every file system (ASCII letters,
/// digits, `-`, `_`, `.`; no leading dot; at most 60 characters), and unique even where names
/// differ only in case or in characters that had to be replaced.
pub fn file_stems(results: &Results) -> Vec<String> {
    escape::unique_file_stems(results.benchmarks.iter().map(|b| b.name.as_str()))
}

#[derive(Clone, Copy)]
enum Chart<'v, 'r> {
    Timeline(&'v BenchmarkView<'r>),
    Summary(&'v SuiteView<'r>),
}

impl Chart<'_, '_> {
    fn draw<DB: DrawingBackend>(self, area: &Area<DB>) -> DrawResult<DB> {
        match self {
            Self::Timeline(benchmark) => timeline::draw(area, benchmark),
            Self::Summary(suite) => summary::draw(area, suite),
        }
    }
}

fn svg(size: (u32, u32), chart: Chart<'_, '_>) -> String {
    style::register_fonts();
    let mut text = String::new();
    {
        let area = SVGBackend::with_string(&mut text, size).into_drawing_area();
        // Drawing into memory cannot fail short of a plotters bug; a chart is worth less than the
        // rest of the report, so an error leaves what was drawn.
        let _ = chart.draw(&area);
        let _ = area.present();
    }
    text.push('\n');
    text
}

fn png((width, height): (u32, u32), chart: Chart<'_, '_>) -> Vec<u8> {
    style::register_fonts();
    let mut pixels = vec![255u8; width as usize * height as usize * 3];
    {
        let backend =
            png_text::TextLayout(BitMapBackend::with_buffer(&mut pixels, (width, height)));
        let area = backend.into_drawing_area();
        let _ = chart.draw(&area);
        let _ = area.present();
    }
    encode_png(&pixels, width, height)
}

/// RGB pixels to PNG bytes; deterministic (no time or text chunks).
fn encode_png(pixels: &[u8], width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Balanced);
    let mut writer = encoder.write_header().expect("PNG header to memory");
    writer.write_image_data(pixels).expect("PNG data to memory");
    writer.finish().expect("PNG end to memory");
    out
}
