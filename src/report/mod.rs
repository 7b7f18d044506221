//! Reporters: each reads only [`Results`](crate::results::Results) and returns text or bytes, so
//! that `memgate report` can render again what `check` wrote.

pub mod chart;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod mermaid;
pub mod terminal;

use crate::results::BenchmarkResult;
use crate::units::format_size;

/// What a reader should know about a benchmark's runs, one plain-text line each: a peak only
/// known between bounds, and the measurement's notes. Each reporter escapes the lines its own way.
pub fn run_notes(benchmark: &BenchmarkResult, max_chars: usize) -> Vec<String> {
    benchmark
        .runs
        .iter()
        .enumerate()
        .flat_map(|(i, run)| {
            let uncertainty = run.uncertainty.as_ref().map(|u| {
                format!(
                    "run {}: the peak lies between {} and {} ({})",
                    i + 1,
                    format_size(u.lower_bytes),
                    format_size(u.upper_bytes),
                    markdown::shorten(&u.reason, max_chars)
                )
            });
            uncertainty.into_iter().chain(
                run.notes.iter().map(move |note| {
                    format!("run {}: {}", i + 1, markdown::shorten(note, max_chars))
                }),
            )
        })
        .collect()
}
