//! What the summary chart shows, worked out before anything is drawn: the title, the legend, and
//! per benchmark its bars, tick and labels in the axis's unit. Pure, so that it is tested without
//! drawing.

use crate::gate::verdict::format_percent_change;
use crate::report::chart::legend::{LegendItem, Swatch};
use crate::report::chart::style::{self, SizeUnit};
use crate::report::escape::shorten;
use crate::report::view::{BenchmarkView, SuiteView};
use crate::results::Status;
use crate::units::format_size;

/// Rows drawn at most; beyond that the failing and largest are shown, and the title says so.
pub const SUMMARY_MAX_BENCHMARKS: usize = 60;

#[derive(Debug, PartialEq)]
pub struct Plan {
    pub title: String,
    pub legend: Vec<LegendItem>,
    /// `None` when there are no benchmarks.
    pub bars: Option<Bars>,
}

#[derive(Debug, PartialEq)]
pub struct Bars {
    pub unit: SizeUnit,
    pub x_max: f64,
    /// Top to bottom.
    pub rows: Vec<Row>,
}

/// One benchmark, in the axis's unit; row i from the top spans [top - 1, top].
#[derive(Debug, PartialEq)]
pub struct Row {
    pub top: f64,
    pub head: f64,
    pub base: Option<f64>,
    pub budget: Option<f64>,
    /// The right end of what is drawn, where the figures are written.
    pub right: f64,
    pub name: String,
    pub figures: String,
}

pub fn plan(suite: &SuiteView) -> Plan {
    let shown = suite.most_telling(SUMMARY_MAX_BENCHMARKS);
    let mut title = "Peak memory per benchmark".to_string();
    if shown.len() < suite.benchmarks.len() {
        title.push_str(&format!(
            " ({} of {}: failures and largest first)",
            shown.len(),
            suite.benchmarks.len()
        ));
    }
    let mut legend = vec![LegendItem::new(Swatch::Bar(style::HEAD, 6), "head peak")];
    if shown.iter().any(|b| b.base.is_some()) {
        legend.push(LegendItem::new(Swatch::Bar(style::BASE, 4), "base peak"));
    }
    if shown.iter().any(|b| b.peak_budget.is_some()) {
        legend.push(LegendItem::new(Swatch::Tick(style::BUDGET), "peak budget"));
    }
    Plan {
        title,
        legend,
        bars: (!shown.is_empty()).then(|| bars(&shown)),
    }
}

fn bars(shown: &[&BenchmarkView]) -> Bars {
    let max_bytes = shown
        .iter()
        .flat_map(|b| {
            [
                Some(b.figures.peak_bytes),
                b.base.map(|base| base.peak_bytes),
                b.peak_budget,
            ]
        })
        .flatten()
        .max()
        .unwrap_or(0) as f64;
    let unit = SizeUnit::for_max(max_bytes);
    // Room on the right for the figures written after the bars.
    let x_max = style::headroom(unit.of(max_bytes)) * 1.3;
    let rows = shown.len() as f64;
    let rows = shown
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let head = unit.of(b.figures.peak_bytes as f64);
            let base = b.base.map(|base| unit.of(base.peak_bytes as f64));
            let budget = b.peak_budget.map(|budget| unit.of(budget as f64));
            Row {
                top: rows - i as f64,
                head,
                base,
                budget,
                right: base.into_iter().chain(budget).fold(head, f64::max),
                name: shorten(b.name, 30),
                figures: shorten(&figures(b), 60),
            }
        })
        .collect();
    Bars { unit, x_max, rows }
}

/// "812.0 MiB · fail · +100% vs base"; an error says what happened.
fn figures(b: &BenchmarkView) -> String {
    if b.status == Status::Error {
        return format!("error: {}", b.reason.unwrap_or("no measurement"));
    }
    let mut text = format!(
        "{} · {}",
        format_size(b.figures.peak_bytes),
        b.status.as_str()
    );
    if let Some(base) = b.base {
        text.push_str(&format!(
            " · {} vs base",
            format_percent_change(base.peak_bytes as f64, b.figures.peak_bytes as f64)
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::report::fixtures::{MIB, benchmark, budget, results, run};

    #[test]
    fn rows_go_top_down_and_end_after_the_furthest_mark() {
        let results = results(vec![
            benchmark(
                "a",
                vec![run(&[(0.0, 100)])],
                json!({"budget": budget(300)}),
            ),
            benchmark(
                "b",
                vec![run(&[(0.0, 200)])],
                json!({"baseline": {"peak_bytes": 250 * MIB, "steady_bytes": 0,
                                    "growth_bytes_per_sec": 0.0},
                       "comparison": "compared"}),
            ),
        ]);
        let plan = plan(&SuiteView::new(&results));
        assert_eq!(plan.title, "Peak memory per benchmark");
        let labels: Vec<&str> = plan.legend.iter().map(|i| i.label.as_str()).collect();
        assert_eq!(labels, ["head peak", "base peak", "peak budget"]);
        let bars = plan.bars.expect("bars");
        assert_eq!(bars.unit.name, "MiB");
        assert_eq!(bars.x_max, style::headroom(300.0) * 1.3);
        let tops: Vec<f64> = bars.rows.iter().map(|r| r.top).collect();
        assert_eq!(tops, [2.0, 1.0]);
        assert_eq!(
            (bars.rows[0].head, bars.rows[0].budget, bars.rows[0].right),
            (100.0, Some(300.0), 300.0)
        );
        assert_eq!(
            (bars.rows[1].base, bars.rows[1].right),
            (Some(250.0), 250.0)
        );
        assert_eq!(bars.rows[1].figures, "200.0 MiB · pass · -20% vs base");
    }

    #[test]
    fn a_long_suite_shows_the_failures_and_says_so() {
        let mut benchmarks: Vec<_> = (0..SUMMARY_MAX_BENCHMARKS + 5)
            .map(|i| benchmark(&format!("b{i}"), vec![run(&[(0.0, 10)])], json!({})))
            .collect();
        benchmarks[0] = benchmark(
            "broken",
            vec![],
            json!({"status": "error", "reason": "could not start"}),
        );
        let results = results(benchmarks);
        let plan = plan(&SuiteView::new(&results));
        assert_eq!(
            plan.title,
            "Peak memory per benchmark (60 of 65: failures and largest first)"
        );
        let bars = plan.bars.expect("bars");
        assert_eq!(bars.rows.len(), SUMMARY_MAX_BENCHMARKS);
        assert_eq!(bars.rows[0].figures, "error: could not start");
    }

    #[test]
    fn no_benchmarks_no_bars() {
        let results = results(vec![]);
        let plan = plan(&SuiteView::new(&results));
        assert_eq!(plan.bars, None);
        assert_eq!(plan.legend.len(), 1);
    }
}
