//! The table: one row per benchmark with its status, figures, budget use and change against the
//! base.

use crate::report::escape::{code_span, shorten};
use crate::report::text::{self, NONE};
use crate::report::view::BenchmarkView;
use crate::units::format_size;

use super::NAME_CHARS;

/// The header and alignment lines; a "vs base" column when anything was compared.
pub(super) fn header(with_base: bool) -> String {
    let mut header = "| status | benchmark | peak | steady | growth | budget use |".to_string();
    let mut align = "| --- | --- | ---: | ---: | ---: | ---: |".to_string();
    if with_base {
        header.push_str(" vs base | limit |");
        align.push_str(" ---: | ---: |");
    }
    format!("{header}\n{align}\n")
}

pub(super) fn row(b: &BenchmarkView, with_base: bool) -> String {
    // A benchmark that never ran has no figures, not figures of zero.
    let figure = |text: String| {
        if b.measured() { text } else { NONE.to_string() }
    };
    let mut row = format!(
        "| {} | {} | {} | {} | {} | {} |",
        text::status_with_icon(b.status),
        code_span(&shorten(b.name, NAME_CHARS), true),
        figure(format_size(b.figures.peak_bytes)),
        figure(format_size(b.figures.steady_bytes)),
        figure(text::growth_cell(b)),
        text::share(b.budget_share),
    );
    if with_base {
        let limit = b.peak_limit().unwrap_or_else(|| NONE.to_string());
        row.push_str(&format!(" {} | {limit} |", text::peak_change_with_size(b)));
    }
    row.push('\n');
    row
}
