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

mod style;
mod summary;
mod text;
mod timeline;

use std::collections::HashSet;

use plotters::prelude::*;

use crate::results::{BenchmarkResult, Results, RunResult};

pub use summary::{SUMMARY_MAX_BENCHMARKS, summary_size};
pub use timeline::TIMELINE_SIZE;

/// One file of `--charts DIR`: its name (no folder) and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Every chart of the results, as SVG and PNG: `summary.svg`, `summary.png`, then
/// `timeline-NAME.svg` and `timeline-NAME.png` per benchmark (see [`file_stems`]).
pub fn render_all(results: &Results) -> Vec<ChartFile> {
    let mut files = vec![
        ChartFile {
            name: "summary.svg".to_string(),
            bytes: summary_svg(results).into_bytes(),
        },
        ChartFile {
            name: "summary.png".to_string(),
            bytes: summary_png(results),
        },
    ];
    for (benchmark, stem) in results.benchmarks.iter().zip(file_stems(results)) {
        files.push(ChartFile {
            name: format!("timeline-{stem}.svg"),
            bytes: timeline_svg(benchmark).into_bytes(),
        });
        files.push(ChartFile {
            name: format!("timeline-{stem}.png"),
            bytes: timeline_png(benchmark),
        });
    }
    files
}

/// The timeline of one benchmark as an SVG document.
pub fn timeline_svg(benchmark: &BenchmarkResult) -> String {
    svg(TIMELINE_SIZE, Chart::Timeline(benchmark))
}

/// The timeline of one benchmark as a PNG of [`TIMELINE_SIZE`].
pub fn timeline_png(benchmark: &BenchmarkResult) -> Vec<u8> {
    png(TIMELINE_SIZE, Chart::Timeline(benchmark))
}

/// The summary bar chart as an SVG document.
pub fn summary_svg(results: &Results) -> String {
    svg(summary_size(results), Chart::Summary(results))
}

/// The summary bar chart as a PNG of [`summary_size`].
pub fn summary_png(results: &Results) -> Vec<u8> {
    png(summary_size(results), Chart::Summary(results))
}

/// File-name stems for the benchmarks' charts, in order: safe on every file system (ASCII letters,
/// digits, `-`, `_`, `.`; no leading dot; at most 60 characters), and unique even where names
/// differ only in case or in characters that had to be replaced.
pub fn file_stems(results: &Results) -> Vec<String> {
    let mut taken: HashSet<String> = HashSet::new();
    results
        .benchmarks
        .iter()
        .enumerate()
        .map(|(index, benchmark)| {
            let base =
                sanitize(&benchmark.name).unwrap_or_else(|| format!("benchmark-{}", index + 1));
            let mut stem = base.clone();
            let mut n = 2;
            while !taken.insert(stem.to_ascii_lowercase()) {
                stem = format!("{base}-{n}");
                n += 1;
            }
            stem
        })
        .collect()
}

/// A name reduced to `[A-Za-z0-9._-]`, runs of anything else made one `-`; `None` when nothing is
/// left.
fn sanitize(name: &str) -> Option<String> {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.') {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed: String = out
        .trim_matches(|c| c == '-' || c == '.')
        .chars()
        .take(60)
        .collect();
    let trimmed = trimmed.trim_end_matches(['-', '.']).to_string();
    (!trimmed.is_empty()).then_some(trimmed)
}

/// The run a timeline shows: the one with the benchmark's peak (peak = max of runs).
pub fn head_run(benchmark: &BenchmarkResult) -> Option<&RunResult> {
    benchmark
        .runs
        .iter()
        .find(|run| run.peak_bytes == benchmark.peak_bytes)
        .or_else(|| benchmark.runs.first())
}

/// At most `max` benchmarks, in their order: errors and failures first, then warnings, then the
/// largest peaks — what a reader of a cut chart most needs to see.
pub fn most_telling(benchmarks: &[BenchmarkResult], max: usize) -> Vec<&BenchmarkResult> {
    if benchmarks.len() <= max {
        return benchmarks.iter().collect();
    }
    let mut order: Vec<usize> = (0..benchmarks.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&benchmarks[a], &benchmarks[b]);
        b.status
            .cmp(&a.status)
            .then(b.peak_bytes.cmp(&a.peak_bytes))
    });
    let mut keep: Vec<usize> = order.into_iter().take(max).collect();
    keep.sort_unstable();
    keep.into_iter().map(|i| &benchmarks[i]).collect()
}

type Area<DB> = DrawingArea<DB, plotters::coord::Shift>;
type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A muted message in the middle of an area that has nothing to plot.
fn draw_message<DB: DrawingBackend>(area: &Area<DB>, message: &str) -> DrawResult<DB> {
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

#[derive(Clone, Copy)]
enum Chart<'r> {
    Timeline(&'r BenchmarkResult),
    Summary(&'r Results),
}

impl Chart<'_> {
    fn draw<DB: DrawingBackend>(self, area: &Area<DB>) -> DrawResult<DB> {
        match self {
            Self::Timeline(benchmark) => timeline::draw(area, benchmark),
            Self::Summary(results) => summary::draw(area, results),
        }
    }
}

fn svg(size: (u32, u32), chart: Chart<'_>) -> String {
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

fn png((width, height): (u32, u32), chart: Chart<'_>) -> Vec<u8> {
    style::register_fonts();
    let mut pixels = vec![255u8; width as usize * height as usize * 3];
    {
        let backend = text::Text(BitMapBackend::with_buffer(&mut pixels, (width, height)));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_keeps_safe_characters_and_replaces_the_rest() {
        assert_eq!(sanitize("train-f64").as_deref(), Some("train-f64"));
        assert_eq!(sanitize("a/b c").as_deref(), Some("a-b-c"));
        assert_eq!(sanitize("../etc/passwd").as_deref(), Some("etc-passwd"));
        assert_eq!(sanitize("训练").as_deref(), None);
        assert_eq!(sanitize("naïve résumé").as_deref(), Some("na-ve-r-sum"));
        assert_eq!(sanitize(&"x".repeat(100)).map(|s| s.len()), Some(60));
    }
}
