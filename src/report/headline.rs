//! The verdict in one line and the line about the base: what the Markdown comment and the HTML
//! page open with, each writing the user's names and messages its own way ([`Inline`]).

use crate::gate::reason::failed_in_order;
use crate::gate::verdict::{format_figure, format_percent_change};
use crate::results::{Check, CheckKind, Status};

use super::text::{plural, short_sha};
use super::view::{BenchmarkView, SuiteView};

/// Failures named in the verdict line; the rest are counted.
const VERDICT_ITEMS: usize = 3;

/// Benchmarks removed since the base named at most; the rest are counted.
const REMOVED_ITEMS: usize = 20;

/// How user text is written inline: a name, and a message (both escaped and shortened as the
/// format needs).
pub struct Inline {
    pub name: fn(&str) -> String,
    pub text: fn(&str) -> String,
}

/// "❌ 1 of 5 benchmarks over budget: `train-f64` peak 812.0 MiB > 600.0 MiB".
pub fn verdict(suite: &SuiteView, inline: &Inline) -> String {
    let n = suite.benchmarks.len();
    if n == 0 {
        return "⚪ memgate: no benchmarks were run".to_string();
    }
    let of_n = |k: usize| format!("{k} of {n} benchmark{}", plural(n));
    let failing: Vec<&BenchmarkView> = suite
        .benchmarks
        .iter()
        .filter(|b| !b.status.passes())
        .collect();
    if !failing.is_empty() {
        let (icon, what) = shared_failure(&failing);
        return format!(
            "{icon} {} {what}: {}",
            of_n(failing.len()),
            list(failing.iter().map(|b| failure(b, inline)).collect())
        );
    }
    let warned: Vec<&BenchmarkView> = suite
        .benchmarks
        .iter()
        .filter(|b| b.status == Status::Warn)
        .collect();
    if !warned.is_empty() {
        return format!(
            "⚠️ {} passed, {} near a budget: {}",
            of_n(n),
            warned.len(),
            list(warned.iter().map(|b| warning(b, inline)).collect())
        );
    }
    let mut line = format!("✅ {} passed", of_n(n));
    // The closest call, so that "passed" says how close.
    let closest = suite
        .benchmarks
        .iter()
        .filter_map(|b| b.budget_share.map(|share| (b, share)))
        .fold(
            None,
            |best: Option<(&BenchmarkView, f64)>, (b, share)| match best {
                Some((_, most)) if most >= share => best,
                _ => Some((b, share)),
            },
        );
    if let Some((b, share)) = closest {
        line.push_str(&format!(
            " (highest budget use: {} {:.0}%)",
            (inline.name)(b.name),
            share * 100.0
        ));
    }
    line
}

/// The failures named by what they all share; each item then shows all its failed checks.
fn shared_failure(failing: &[&BenchmarkView]) -> (&'static str, &'static str) {
    let every = |kind: CheckKind| {
        failing
            .iter()
            .all(|b| b.checks.iter().any(|c| !c.ok && c.kind == kind))
    };
    if failing.iter().all(|b| b.status == Status::Error) {
        ("💥", "could not be measured")
    } else if every(CheckKind::Regression) {
        ("❌", "regressed")
    } else if every(CheckKind::Budget) {
        ("❌", "over budget")
    } else {
        ("❌", "failed the gate")
    }
}

/// "a; b; c; and 4 more".
fn list(items: Vec<String>) -> String {
    let total = items.len();
    let mut shown: Vec<String> = items.into_iter().take(VERDICT_ITEMS).collect();
    if total > VERDICT_ITEMS {
        shown.push(format!("and {} more", total - VERDICT_ITEMS));
    }
    shown.join("; ")
}

/// "`train-f64` peak 812.0 MiB > 600.0 MiB", "`x` peak 812.0 MiB vs base 405.0 MiB (+100%)",
/// "`y` run 1 of 3 killed by SIGKILL".
fn failure(b: &BenchmarkView, inline: &Inline) -> String {
    let name = (inline.name)(b.name);
    let failed = failed_in_order(b.checks);
    if !failed.is_empty() {
        let each: Vec<String> = failed
            .into_iter()
            .map(|c| compact_failure(c, inline))
            .collect();
        return format!("{name} {}", each.join(", "));
    }
    match b.reason {
        Some(reason) => format!("{name} {}", (inline.text)(reason)),
        None => format!("{name} {}", b.status.as_str()),
    }
}

/// "peak 812.0 MiB > 600.0 MiB", "peak 812.0 MiB vs base 405.0 MiB (+100%, limit +10%)".
/// A phase check names its phase as `inline` names benchmarks: "phase `load` peak 350.0 MiB >
/// 300.0 MiB", "phase `load` never started".
fn compact_failure(check: &Check, inline: &Inline) -> String {
    let actual = format_figure(check.metric, check.actual);
    let limit = format_figure(check.metric, check.limit);
    let metric = check.subject(inline.name);
    if let (Some(phase), false) = (&check.phase, check.judged) {
        return format!("phase {} never started", (inline.name)(phase));
    }
    match (check.kind, check.base) {
        (CheckKind::Regression, Some(base)) => format!(
            "{metric} {actual} vs base {} ({}, limit {})",
            format_figure(check.metric, base),
            format_percent_change(base, check.actual),
            format_percent_change(base, check.limit),
        ),
        (CheckKind::Regression, None) => {
            format!("{metric} {actual} > {limit} allowed against the base")
        }
        (CheckKind::Budget, _) => format!("{metric} {actual} > {limit}"),
    }
}

/// "`train` peak 560.0 MiB is 93% of budget 600.0 MiB": the verdict's reason, which names every
/// warning.
fn warning(b: &BenchmarkView, inline: &Inline) -> String {
    let name = (inline.name)(b.name);
    format!("{name} {}", (inline.text)(b.reason.unwrap_or("warn")))
}

/// Where the base came from (or why there is none), and what it had that head has not.
pub fn base_line(suite: &SuiteView, inline: &Inline) -> Option<String> {
    let info = suite.baseline?;
    let mut line = if let Some(reason) = &info.missing_reason {
        format!(
            "No base to compare with: {}. Gated on budgets alone.",
            (inline.text)(reason)
        )
    } else {
        let mut text = format!("Compared with the base {}", (inline.name)(&info.source));
        if let Some(sha) = &info.git_sha {
            text.push_str(&format!(" at {}", (inline.name)(&short_sha(sha))));
        }
        text.push('.');
        text
    };
    if let Some(differ) = super::text::setup_differs(info) {
        line.push_str(&format!(" {}.", super::text::capitalized(&differ)));
    }
    if !info.removed.is_empty() {
        let names: Vec<String> = info
            .removed
            .iter()
            .take(REMOVED_ITEMS)
            .map(|name| (inline.name)(name))
            .collect();
        let more = info.removed.len().saturating_sub(REMOVED_ITEMS);
        line.push_str(&format!(
            " Removed since the base: {}{}.",
            names.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    Some(line)
}
