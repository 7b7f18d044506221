//! Charts (`--charts DIR`, and the HTML page's inline SVG): PNGs that decode at the stated size,
//! SVGs that parse and carry their text, safe and unique file names, the same bytes every time.

mod report_support;

use std::collections::HashSet;

use memgate::report::chart::{self, TIMELINE_SIZE};
use memgate::report::{html, mermaid};
use memgate::results::Results;
use report_support as fixture;

/// Width and height from the IHDR chunk, after checking the signature; then a full decode.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR", "IHDR first");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!(bytes[24], 8, "bit depth");
    assert_eq!(bytes[25], 2, "RGB");
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("PNG header decodes");
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).expect("PNG data decodes");
    assert_eq!((info.width, info.height), (width, height));
    // Something was drawn: not one flat colour.
    assert!(
        pixels.iter().any(|&p| p < 128),
        "no dark pixel: nothing drawn"
    );
    (width, height)
}

/// The text nodes of an SVG document, which must parse as XML.
fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("SVG is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

#[test]
fn timeline_png_is_a_valid_png_of_the_stated_size() {
    for results in [fixture::fail(), fixture::with_base(), fixture::error()] {
        for b in &results.benchmarks {
            assert_eq!(
                png_size(&chart::timeline_png(b)),
                TIMELINE_SIZE,
                "{}",
                b.name
            );
        }
    }
}

#[test]
fn summary_png_grows_with_the_benchmarks_and_stops_at_the_cap() {
    for results in [fixture::fail(), fixture::with_base(), fixture::huge()] {
        let size = png_size(&chart::summary_png(&results));
        assert_eq!(size, chart::summary_size(&results));
    }
    let five = chart::summary_size(&fixture::fail());
    let many = chart::summary_size(&fixture::huge());
    assert_eq!(five.0, many.0);
    assert!(many.1 > five.1);
    let empty = fixture::results(vec![]);
    assert_eq!(
        png_size(&chart::summary_png(&empty)),
        chart::summary_size(&empty)
    );
}

#[test]
fn timeline_svg_parses_and_carries_its_text() {
    let results = fixture::with_base();
    let b = &results.benchmarks[1];
    let texts = svg_texts(&chart::timeline_svg(b));
    let all = texts.join("\n");
    for wanted in [
        // Every failed check, the regressions against the base first (cut to the title's width).
        "train-f64 — fail: steady 781.1 MiB vs base 376.3 MiB (+108%, limit +10%); peak 813.1",
        "time (s)",
        "memory (MiB)",
        "budget 600.0 MiB",
        "peak 813.1 MiB",
    ] {
        assert!(all.contains(wanted), "{wanted:?} not in {texts:?}");
    }
    assert!(all.contains("base (peak "), "{texts:?}");
}

#[test]
fn summary_svg_parses_and_names_every_benchmark() {
    let results = fixture::with_base();
    let texts = svg_texts(&chart::summary_svg(&results));
    for b in &results.benchmarks {
        assert!(texts.contains(&b.name), "{} not in {texts:?}", b.name);
    }
    assert!(texts.contains(&"peak memory (MiB)".to_string()));
}

#[test]
fn hostile_names_are_escaped_in_svg() {
    let results = fixture::hostile();
    let summary = chart::summary_svg(&results);
    let texts = svg_texts(&summary);
    assert!(texts.contains(&"<script>alert(1)</script>".to_string()));
    assert!(!summary.contains("<script>"));
    for b in &results.benchmarks {
        let svg = chart::timeline_svg(b);
        svg_texts(&svg);
        assert!(
            !svg.contains("<script") && !svg.contains("<img"),
            "{}",
            b.name
        );
    }
}

#[test]
fn phases_are_bands_labelled_in_the_timeline_and_named_under_the_mermaid_chart() {
    let results = fixture::phased();
    let phased = &results.benchmarks[0];
    assert_eq!(png_size(&chart::timeline_png(phased)), TIMELINE_SIZE);
    let texts = svg_texts(&chart::timeline_svg(phased));
    for label in [
        "load 210.0 MiB",
        "train 110.0 MiB",
        "eval 60.0 MiB",
        "phase budgets",
    ] {
        assert!(texts.iter().any(|t| t == label), "{label} in {texts:?}");
    }
    let block = mermaid::timeline(phased).unwrap();
    assert!(
        block
            .contains("x-axis \"seconds - phases from: load 1.0, train 3.0, eval 5.0\" 0 --> 6.00"),
        "{block}"
    );
    // Each grid point's bar is its phase's peak: none before the first marker.
    let bars = block.lines().find(|l| l.starts_with("  bar [")).unwrap();
    assert!(bars.starts_with("  bar [0, "), "{bars}");
    assert!(bars.contains(" 210, ") && bars.ends_with(" 60]"), "{bars}");

    // Hostile names: well-formed SVG with the names as text, and a Mermaid block whose strings
    // hold none of the characters that would end them.
    let hostile = &results.benchmarks[1];
    let svg = chart::timeline_svg(hostile);
    let texts = svg_texts(&svg);
    assert!(
        texts.iter().any(|t| t.starts_with("@octocat <b>x</b>")),
        "{texts:?}"
    );
    assert!(!svg.contains("<b>"));
    let block = mermaid::timeline(hostile).unwrap();
    let x_axis = block.lines().find(|l| l.starts_with("  x-axis")).unwrap();
    assert_eq!(x_axis.matches('"').count(), 2, "{x_axis}");
    assert!(!x_axis.contains(['`', '<', ';', '[', '{', '#']), "{x_axis}");
    assert!(!x_axis.contains("%%"), "{x_axis}");
}

#[test]
fn charts_are_the_same_bytes_for_the_same_results() {
    let results = fixture::with_base();
    let first = chart::render_all(&results);
    let again = chart::render_all(&results.clone());
    assert_eq!(first, again);
    // And from a results file read back: what `memgate report` renders.
    let read: Results = serde_json::from_str(&results.to_json()).unwrap();
    assert_eq!(chart::render_all(&read), first);
}

#[test]
fn chart_files_have_safe_unique_names() {
    let mut results = fixture::hostile();
    let mut twin = results.benchmarks[1].clone();
    twin.name = "@OCTOCAT please look".to_string(); // the same once sanitized, but for case
    results.benchmarks.push(twin);
    let mut unnamed = results.benchmarks[1].clone();
    unnamed.name = "训练".to_string();
    results.benchmarks.push(unnamed);
    let files = chart::render_all(&results);
    assert_eq!(files.len(), 2 + 2 * results.benchmarks.len());
    let mut seen = HashSet::new();
    for file in &files {
        assert!(
            file.name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
            "{}",
            file.name
        );
        assert!(
            !file.name.starts_with('.') && file.name.len() <= 80,
            "{}",
            file.name
        );
        assert!(
            seen.insert(file.name.to_ascii_lowercase()),
            "{} twice",
            file.name
        );
    }
    let stems = chart::file_stems(&results);
    assert_eq!(stems[0], "script-alert-1-script");
    assert_eq!(stems[1], "octocat-please-look");
    assert_eq!(stems[8], "OCTOCAT-please-look-2");
    assert_eq!(stems[9], "benchmark-10");
}

#[test]
fn html_is_one_self_contained_escaped_page() {
    let results = fixture::hostile();
    let page = html::render(&results);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.ends_with("</html>\n"));
    // One inline chart per benchmark and the summary; nothing fetched from elsewhere.
    assert_eq!(page.matches("<svg ").count(), results.benchmarks.len() + 1);
    for external in [
        "<script",
        "<img",
        "<link",
        " src=\"",
        "href=\"http",
        "url(",
        "@import",
    ] {
        assert!(!page.contains(external), "{external} in the page");
    }
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_eq!(html::render(&results), page, "deterministic");
}

#[test]
fn mermaid_timelines_have_at_most_100_points_and_the_peak() {
    let results = fixture::huge();
    for b in results.benchmarks.iter().take(20) {
        let block = mermaid::timeline(b).unwrap();
        for line in block
            .lines()
            .filter(|l| l.trim_start().starts_with("line ["))
        {
            let points = line.matches(',').count() + 1;
            assert!(points <= mermaid::MAX_POINTS, "{points} points");
        }
        let peak_mib = (b.peak_bytes as f64 / (1 << 20) as f64).round() as u64;
        assert!(
            block.contains(&format!("{peak_mib},")) || block.contains(&format!("{peak_mib}]")),
            "peak {peak_mib} MiB not drawn"
        );
    }
    let summary = mermaid::summary(&results).unwrap();
    let bars = summary.lines().find(|l| l.contains("bar [")).unwrap();
    assert_eq!(bars.matches(',').count() + 1, mermaid::MAX_BARS);
    assert!(summary.contains("30 of 400 shown"));
}

/// A fork's results file may hold 10,000 benchmarks: timelines are drawn for the 100 most telling
/// only (drawing all took 737 MiB and 155 s), the failing one among them, and the page says why
/// the others have none.
#[test]
fn only_the_most_telling_timelines_are_drawn() {
    use memgate::testing;
    let mib = testing::MIB;
    let mut benchmarks: Vec<_> = (0..chart::MAX_TIMELINE_CHARTS + 20)
        .map(|i| {
            let run = testing::run(vec![(0.0, mib), (1.0, (i as u64 + 1) * mib)], 1.0);
            testing::judged(&format!("b{i}"), "true", vec![run], None)
        })
        .collect();
    // The smallest peak, but failing: it must be drawn.
    let small = testing::run(vec![(0.0, mib), (1.0, 2 * mib)], 1.0);
    benchmarks.push(testing::judged(
        "failing",
        "true",
        vec![small],
        Some(testing::budget(Some(1))),
    ));
    let results = testing::results(
        testing::environment(memgate::results::Method::CgroupV2),
        benchmarks,
    );

    let page = html::render(&results);
    let timelines = page.matches("<svg").count() - 1; // less the summary
    assert_eq!(timelines, chart::MAX_TIMELINE_CHARTS, "inline timelines");
    assert_eq!(page.matches("No chart: ").count(), 21, "the others say why");
    let failing = &page[page
        .find("id=\"b-failing\"")
        .expect("the failing benchmark's section")..];
    let section = &failing[..failing.find("</details>").unwrap()];
    assert!(
        section.contains("<svg"),
        "the failing benchmark's timeline is drawn"
    );
}
