//! What a benchmark and `defaults` can both set, with their `budget:` and `regression:` sections.

use super::keys::Section;
use super::raw::{Lined, RawBudget, RawRegression, RawSettings};
use super::{Entry, Reader, join};
use crate::config::did_you_mean::nearest;
use crate::config::model::{
    AttributionPolicy, INTERVAL_LIMITS, MIN_WINDOW_LIMITS, RUNS_LIMITS, TIMEOUT_LIMITS,
    WARMUP_LIMITS,
};
use crate::config::yaml::{Kind, Node};

impl Reader<'_> {
    /// `defaults:` (a mapping of its own).
    pub(super) fn defaults(&mut self, node: &Node) -> RawSettings {
        let prefix = "defaults";
        let entries = self.entries(
            node,
            Section::Defaults,
            "a mapping of settings shared by all benchmarks",
            prefix,
        );
        self.settings_from(&entries, prefix)
    }

    /// The shared settings among already checked entries (other keys are skipped).
    pub(super) fn settings_from(&mut self, entries: &[Entry], prefix: &str) -> RawSettings {
        let mut s = RawSettings::default();
        for entry in entries {
            match entry.key {
                "cwd" => s.cwd = self.string(entry, "a folder (a string)"),
                "env" => s.env = self.env(entry),
                "timeout" => s.timeout = self.duration(entry, TIMEOUT_LIMITS),
                "interval" => s.interval = self.duration(entry, INTERVAL_LIMITS),
                "runs" => s.runs = self.count(entry, RUNS_LIMITS),
                "warmup" => s.warmup = self.count(entry, WARMUP_LIMITS),
                "steady_after" => s.steady_after = self.steady_after(entry),
                "min_window" => s.min_window = self.duration(entry, MIN_WINDOW_LIMITS),
                "tags" => s.tags = self.strings(entry, "a list of tags (strings)"),
                "budget" => {
                    s.budget_line = self.line(entry.key_node);
                    s.budget = self.budget(entry, prefix);
                }
                "regression" => s.regression = self.regression(entry, prefix),
                "attribution" => s.attribution = self.attribution(entry),
                _ => {}
            }
        }
        s
    }

    /// The entries of `budget:` or `regression:`, named `prefix.budget.…` in messages.
    fn limits<'n>(&mut self, entry: &Entry<'n>, section: Section, prefix: &str) -> Vec<Entry<'n>> {
        let (name, what) = match section {
            Section::Budget => ("budget", "a mapping of limits (such as `peak: 400MiB`)"),
            Section::Regression => (
                "regression",
                "a mapping of thresholds (such as `peak: 10%`)",
            ),
            other => unreachable!("{other:?} is not budget or regression"),
        };
        self.entries(entry.value, section, what, &join(prefix, name))
    }

    fn budget(&mut self, entry: &Entry, prefix: &str) -> RawBudget {
        let mut b = RawBudget::default();
        for e in &self.limits(entry, Section::Budget, prefix) {
            let line = self.line(e.key_node);
            match e.key {
                "peak" => b.peak = self.budget_size(e).map(|value| Lined { value, line }),
                "steady" => b.steady = self.budget_size(e).map(|value| Lined { value, line }),
                "growth" => b.growth = self.rate(e).map(|value| Lined { value, line }),
                "warn_at" => b.warn_at = self.warn_at(e),
                "include_file" => b.include_file = self.boolean(e),
                "phases" => b.phases = self.phase_budgets(e),
                _ => {}
            }
        }
        b
    }

    /// `attribution:`, one of the policies.
    fn attribution(&mut self, entry: &Entry) -> Option<AttributionPolicy> {
        let expected = AttributionPolicy::CHOICES;
        let Kind::Str(text) = &entry.value.kind else {
            self.expected(entry, &format!("one of {expected}"));
            return None;
        };
        if let Ok(policy) = text.parse() {
            return Some(policy);
        }
        let names = AttributionPolicy::ALL.map(AttributionPolicy::as_str);
        let hint = nearest(text, &names)
            .map(|n| format!(" — did you mean `{n}`?"))
            .unwrap_or_default();
        let message = format!(
            "unknown attribution policy `{text}` for `{}`{hint} (expected {expected})",
            entry.path
        );
        self.refuse(entry, message)
    }

    /// A share of a budget: above 0% and at most 100%.
    fn warn_at(&mut self, entry: &Entry) -> Option<f64> {
        let fraction = self.percent(entry)?;
        if fraction > 0.0 && fraction <= 1.0 {
            return Some(fraction);
        }
        let found = entry.value.scalar_text().unwrap_or_default();
        let message = format!(
            "`{}` must be above 0% and at most 100%, found {found}",
            entry.path
        );
        self.refuse(entry, message)
    }

    fn regression(&mut self, entry: &Entry, prefix: &str) -> RawRegression {
        let mut r = RawRegression::default();
        for e in &self.limits(entry, Section::Regression, prefix) {
            match e.key {
                "peak" => r.peak = self.percent(e),
                "steady" => r.steady = self.percent(e),
                "min_delta" => r.min_delta = self.size(e),
                _ => {}
            }
        }
        r
    }
}
