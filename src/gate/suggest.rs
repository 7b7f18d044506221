//! `memgate check --suggest`: a ready `budget:` block per benchmark from what was measured, with
//! headroom, for benchmarks with no budget or one far above use. Pure.

use crate::results::Results;

/// A budget is "far above use" when the benchmark uses less than this share of it.
const FAR_ABOVE_USE: f64 = 0.5;

/// The YAML to paste under `benchmarks:`; empty when every budget fits.
pub fn suggest(results: &Results, headroom: f64) -> String {
    let mut out = String::new();
    for b in &results.benchmarks {
        if b.runs.is_empty() || !b.runs.iter().all(|r| r.succeeded()) {
            continue;
        }
        let peak_use = b
            .budget
            .as_ref()
            .and_then(|budget| budget.peak_bytes)
            .map(|limit| b.peak_bytes as f64 / limit as f64);
        if peak_use.is_some_and(|used| used >= FAR_ABOVE_USE) {
            continue;
        }
        let why = match peak_use {
            None => "no peak budget".to_string(),
            Some(used) => format!("uses {:.0}% of its peak budget", used * 100.0),
        };
        out.push_str(&format!(
            "  - name: {}   # {why}\n    budget:\n      peak: {}\n      steady: {}\n",
            b.name,
            readable_size(b.peak_bytes as f64 * (1.0 + headroom)),
            readable_size(b.steady_bytes as f64 * (1.0 + headroom)),
        ));
    }
    out
}

/// Rounds up to two significant digits in MiB (or GiB from 1 GiB on), e.g. 347.3 MiB → "350MiB",
/// 1.23 GiB → "1.3GiB": never below the figure, and easy to read in a review.
pub fn readable_size(bytes: f64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    let (value, unit) = if bytes >= 1024.0 * MIB {
        (bytes / (1024.0 * MIB), "GiB")
    } else {
        (bytes / MIB, "MiB")
    };
    let value = value.max(1.0);
    let step = 10f64.powf(value.log10().floor() - 1.0);
    let rounded = (value / step - 1e-9).ceil() * step;
    let text = format!("{rounded:.1}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::parse_size;

    #[test]
    fn rounds_up_to_two_significant_digits() {
        const MIB: f64 = 1024.0 * 1024.0;
        assert_eq!(readable_size(347.3 * MIB), "350MiB");
        assert_eq!(readable_size(350.0 * MIB), "350MiB");
        assert_eq!(readable_size(12.2 * MIB), "13MiB");
        assert_eq!(readable_size(1.23 * 1024.0 * MIB), "1.3GiB");
        assert_eq!(readable_size(0.2 * MIB), "1MiB");
        for mib in [3.3, 47.0, 999.9, 1500.0, 20000.0] {
            let text = readable_size(mib * MIB);
            let parsed = parse_size(&text).unwrap() as f64;
            assert!(
                parsed >= mib * MIB && parsed <= mib * MIB * 1.11,
                "{mib} → {text}"
            );
        }
    }
}
