//! Values with a unit: sizes, durations, rates and percentages, parsed by `crate::units`.

use std::time::Duration;

use super::{Entry, Reader};
use crate::config::model::Limits;
use crate::config::yaml::Kind;
use crate::results::WarmUp;
use crate::units::{self, Quantity, UnitError};

/// What a message asks for when the value is not even a scalar.
fn such_as(quantity: Quantity) -> &'static str {
    match quantity {
        Quantity::Size => "a size such as `400MiB`",
        Quantity::Duration => "a duration such as `10m` or `10ms`",
        Quantity::Rate => "a rate such as `2MiB/s`",
        Quantity::Percentage => "a percentage such as `10%`",
    }
}

/// `; for a fraction of 0.9, write `90%`` for a percentage written as a fraction in (0, 1].
fn fraction_hint(kind: &Kind, text: &str) -> String {
    match *kind {
        Kind::Float(x) if x > 0.0 && x <= 1.0 => {
            let percent = format!("{:.4}", x * 100.0);
            let percent = percent.trim_end_matches('0').trim_end_matches('.');
            format!("; for a fraction of {text}, write `{percent}%`")
        }
        _ => String::new(),
    }
}

impl Reader<'_> {
    /// The scalar's text through `parse`; a value that is no scalar, or does not parse, is
    /// reported.
    fn quantity<T>(
        &mut self,
        entry: &Entry,
        quantity: Quantity,
        parse: fn(&str) -> Result<T, UnitError>,
    ) -> Option<T> {
        let Some(text) = entry.value.scalar_text() else {
            self.expected(entry, such_as(quantity));
            return None;
        };
        match parse(&text) {
            Ok(value) => Some(value),
            Err(err) => {
                let mut message =
                    format!("invalid {quantity} `{text}` for `{}`: {err}", entry.path);
                if quantity == Quantity::Percentage {
                    message.push_str(&fraction_hint(&entry.value.kind, &text));
                }
                self.report(entry.value, message);
                None
            }
        }
    }

    /// A duration within `limits` (zero, the commonest slip, said as such).
    pub(super) fn duration(&mut self, entry: &Entry, limits: Limits<Duration>) -> Option<Duration> {
        let duration = self.quantity(entry, Quantity::Duration, units::parse_duration)?;
        if duration.is_zero() {
            return self.refuse(entry, format!("`{}` must be greater than zero", entry.path));
        }
        if !limits.contains(duration) {
            let found = entry.value.scalar_text().unwrap_or_default();
            let message = format!("`{}` must be {}, found `{found}`", entry.path, limits.text);
            return self.refuse(entry, message);
        }
        Some(duration)
    }

    /// `steady_after`: a share of the run below 90% (`20%`) or a time from its start (`2s`, 0
    /// for none), at most 24 h.
    pub(super) fn steady_after(&mut self, entry: &Entry) -> Option<WarmUp> {
        let text = entry.value.scalar_text().unwrap_or_default();
        if text.trim_end().ends_with('%') {
            let share = self.percent(entry)?;
            if (0.0..0.9).contains(&share) {
                return Some(WarmUp::Share(share));
            }
            let message = format!(
                "`{}` must be a share from 0% to below 90% of the run, or a time such as `2s`, found {text}",
                entry.path
            );
            return self.refuse(entry, message);
        }
        let duration = self.quantity(entry, Quantity::Duration, units::parse_duration)?;
        if duration.as_secs() > 24 * 3600 {
            let message = format!("`{}` must be at most 24h, found `{text}`", entry.path);
            return self.refuse(entry, message);
        }
        Some(WarmUp::Secs(duration.as_secs_f64()))
    }

    pub(super) fn size(&mut self, entry: &Entry) -> Option<u64> {
        self.quantity(entry, Quantity::Size, units::parse_size)
    }

    /// A size that is a limit: zero would fail every run.
    pub(super) fn budget_size(&mut self, entry: &Entry) -> Option<u64> {
        let bytes = self.size(entry)?;
        if bytes == 0 {
            let message = format!(
                "`{}` is 0, which every run would exceed; leave it out for no limit",
                entry.path
            );
            return self.refuse(entry, message);
        }
        Some(bytes)
    }

    pub(super) fn rate(&mut self, entry: &Entry) -> Option<f64> {
        self.quantity(entry, Quantity::Rate, units::parse_rate)
    }

    pub(super) fn percent(&mut self, entry: &Entry) -> Option<f64> {
        self.quantity(entry, Quantity::Percentage, units::parse_percent)
    }
}
