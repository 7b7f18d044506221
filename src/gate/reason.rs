//! The one-line reason of a verdict: every failed check, most telling first, or every warning.

use crate::gate::verdict::{budget_use, format_figure, format_percent_change};
use crate::results::{Check, CheckKind, Status, backticked};

/// The status the checks give and its reason: `fail` with every failed check, regressions
/// against the base first (the change a pull request made is what its author can act on), then
/// budgets, each group the furthest over its limit first; else `warn` with every warning; else
/// `pass` with no reason.
pub fn of(checks: &[Check]) -> (Status, Option<String>) {
    let failed = failed_in_order(checks);
    if !failed.is_empty() {
        let parts: Vec<String> = failed.into_iter().map(failure).collect();
        return (Status::Fail, Some(parts.join("; ")));
    }
    let warned: Vec<String> = checks.iter().filter(|c| c.warn).map(warning).collect();
    if warned.is_empty() {
        (Status::Pass, None)
    } else {
        (Status::Warn, Some(warned.join("; ")))
    }
}

/// The failed checks, most telling first: regressions against the base (what a pull request
/// changed), then budgets; in each, the furthest over its limit first.
pub fn failed_in_order(checks: &[Check]) -> Vec<&Check> {
    let mut failed: Vec<&Check> = checks.iter().filter(|c| !c.ok).collect();
    failed.sort_by(|a, b| {
        let rank = |c: &Check| u8::from(c.kind == CheckKind::Budget);
        rank(a)
            .cmp(&rank(b))
            .then(overshoot(b).total_cmp(&overshoot(a)))
    });
    failed
}

/// How far over its limit a check is, as a share of the limit (the order of failures).
fn overshoot(check: &Check) -> f64 {
    if check.limit > 0.0 {
        check.actual / check.limit
    } else {
        f64::INFINITY
    }
}

/// "peak 812.0 MiB exceeds budget 600.0 MiB" or "peak 812.0 MiB vs base 405.0 MiB (+100%,
/// limit +10%)".
pub fn failure(check: &Check) -> String {
    let actual = format_figure(check.metric, check.actual);
    let subject = check.subject(backticked);
    if let (Some(phase), Some(detail), false) = (&check.phase, &check.detail, check.judged) {
        // A budgeted phase that never started: what went missing.
        return format!("phase `{phase}` never started: {detail}");
    }
    match (check.kind, check.base) {
        (CheckKind::Regression, Some(base)) => format!(
            "{subject} {actual} vs base {} ({}, limit {})",
            format_figure(check.metric, base),
            format_percent_change(base, check.actual),
            format_percent_change(base, check.limit),
        ),
        _ => format!(
            "{subject} {actual} exceeds budget {}",
            format_figure(check.metric, check.limit)
        ),
    }
}

/// "peak 560.0 MiB is 93% of budget 600.0 MiB", or for a growth budget not applied, why:
/// "growth 8.70 MiB/s: runs disagree: …".
fn warning(check: &Check) -> String {
    let metric = check.subject(backticked);
    let actual = format_figure(check.metric, check.actual);
    match (budget_use(check), &check.detail) {
        (Some(used), _) => format!(
            "{metric} {actual} is {:.0}% of budget {}",
            used * 100.0,
            format_figure(check.metric, check.limit)
        ),
        (None, Some(detail)) => format!("{metric} {actual}: {detail}"),
        (None, None) => format!("{metric} {actual}"),
    }
}
