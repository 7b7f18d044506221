//! `memgate check --suggest`: a ready `budget:` block per benchmark from what was measured, with
//! headroom, for benchmarks with no budget, one far above use, or a leak its growth budget does not
//! allow. Pure.

use crate::results::{BenchmarkResult, GrowthJudgement, Results};

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
        let leak = unallowed_leak(b);
        if peak_use.is_some_and(|used| used >= FAR_ABOVE_USE) && leak.is_none() {
            continue;
        }
        let why = match (peak_use, &leak) {
            (_, Some(leak)) => leak.clone(),
            (None, None) => "no peak budget".to_string(),
            (Some(used), None) => format!("uses {:.0}% of its peak budget", used * 100.0),
        };
        let peak = readable_size(b.peak_bytes as f64 * (1.0 + headroom));
        let steady = readable_size(b.steady_bytes as f64 * (1.0 + headroom));
        out.push_str(&format!(
            "  - name: {}   # {why}\n    budget:\n      peak: {peak}\n",
            yaml_string(&b.name)
        ));
        // A steady budget that rounds to the peak's would add nothing to it.
        if steady != peak {
            out.push_str(&format!("      steady: {steady}\n"));
        }
        if leak.is_some() {
            let rate = readable_size(b.growth_bytes_per_sec * (1.0 + headroom));
            out.push_str(&format!("      growth: {rate}/s\n"));
        }
        // The phases it marked, each held to its own peak with the same headroom.
        if !b.phases.is_empty() {
            out.push_str("      phases:\n");
            for phase in &b.phases {
                out.push_str(&format!(
                    "        {}: {}\n",
                    yaml_string(&phase.name),
                    readable_size(phase.peak_bytes as f64 * (1.0 + headroom))
                ));
            }
        }
    }
    out
}

/// Why the benchmark needs a growth budget: its growth was judged a leak that its budget (or the
/// lack of one) does not allow; `None` otherwise (no trend, too short, or within its budget).
fn unallowed_leak(b: &BenchmarkResult) -> Option<String> {
    let GrowthJudgement::Leak { leaking, runs } = b.growth_judgement? else {
        return None;
    };
    let limit = b
        .budget
        .as_ref()
        .and_then(|budget| budget.growth_bytes_per_sec);
    if limit.is_some_and(|limit| b.growth_bytes_per_sec <= limit) {
        return None;
    }
    Some(format!(
        "a leak in {leaking} of {runs} runs: fix it, or allow it with this growth budget"
    ))
}

/// `text` as a YAML scalar that reads back as the same string: plain when it is a simple word
/// that YAML reads as text, else double-quoted with `"`, `\\`, control characters and every
/// non-ASCII character that is not a letter or a digit (bidirectional overrides, emoji) as
/// escapes. The suggestion is printed to a terminal and pasted into memgate.yml: a name must
/// neither drive the terminal nor change the YAML around it (`a: b`, `x # y`, `true`).
fn yaml_string(text: &str) -> String {
    let plain = text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null"
        );
    if plain {
        return text.to_string();
    }
    let mut out = String::from('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || !(c.is_ascii() || c.is_alphanumeric()) => {
                let code = u32::from(c);
                if code > 0xFFFF {
                    out.push_str(&format!("\\U{code:08X}"));
                } else {
                    out.push_str(&format!("\\u{code:04X}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
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
    use crate::results::Method;
    use crate::testing;
    use crate::units::parse_size;

    #[test]
    fn names_read_back_the_same_and_print_harmlessly() {
        let names = [
            "hold",
            "train-f64/eval_1.5",
            "a: b",
            "x # y",
            "true",
            "1.5",
            "-dash",
            "quote \" and \\",
            "\u{202e}exe.txt 训练 🚀",
        ];
        let block = suggest(&unbudgeted(&names), 0.15);
        assert!(!block.contains('\u{202e}'), "{block}");
        // Pasted under `benchmarks:` (with a command each), the names read back as they were.
        let pasted = block.replace("    budget:", "    run: x\n    budget:");
        let config = crate::config::parse(
            &format!("version: 1\nbenchmarks:\n{pasted}"),
            std::path::Path::new("memgate.yml"),
        );
        let config = config.unwrap_or_else(|errors| panic!("{errors}\n{pasted}"));
        let read: Vec<&str> = config.benchmarks.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(read, names);
        assert!(
            block.contains("  - name: hold   #"),
            "plain names stay plain: {block}"
        );
        // A results file's names may hold control characters, which a config refuses.
        let block = suggest(&unbudgeted(&["a\n::warning::x\u{1b}]0;t\u{7}\r"]), 0.15);
        assert!(
            block.contains(r#""a\u000A::warning::x\u001B]0;t\u0007\u000D""#),
            "{block}"
        );
    }

    fn unbudgeted(names: &[&str]) -> crate::results::Results {
        let benchmarks = names
            .iter()
            .map(|name| {
                let run = testing::run(vec![(0.0, 1 << 20), (1.0, 2 << 20)], 1.0);
                testing::judged(name, "true", vec![run], None)
            })
            .collect();
        testing::results(testing::environment(Method::CgroupV2), benchmarks)
    }

    #[test]
    fn a_leak_gets_a_growth_budget_and_steady_is_left_out_when_it_rounds_to_the_peak() {
        const MIB: u64 = 1 << 20;
        // 20 s of a 5 MiB/s leak from 100 MiB, each run.
        let leaking: Vec<(f64, u64)> = (0..2000)
            .map(|i| (i as f64 * 0.01, 100 * MIB + i * MIB / 20))
            .collect();
        let runs = vec![
            testing::run(leaking.clone(), 20.0),
            testing::run(leaking, 20.0),
        ];
        assert!(runs.iter().all(|r| r.leak));
        let b = testing::judged("grows", "true", runs, Some(testing::budget(Some(10_000))));
        let block = suggest(
            &testing::results(testing::environment(Method::CgroupV2), vec![b]),
            0.15,
        );
        assert!(block.contains("# a leak in 2 of 2 runs"), "{block}");
        assert!(block.contains("      growth: 5.8MiB/s\n"), "{block}");
        // A flat run: steady is the peak, so no steady budget.
        let flat: Vec<(f64, u64)> = (0..1000).map(|i| (i as f64 * 0.01, 50 * MIB)).collect();
        let b = testing::judged("flat", "true", vec![testing::run(flat, 10.0)], None);
        let block = suggest(
            &testing::results(testing::environment(Method::CgroupV2), vec![b]),
            0.15,
        );
        assert!(
            block.contains("peak: 58MiB") && !block.contains("steady"),
            "{block}"
        );
        assert!(!block.contains("growth"), "{block}");
    }

    #[test]
    fn marked_phases_get_budgets_that_read_back() {
        const MIB: u64 = 1 << 20;
        let phase = |name: &str, peak_mib: u64| crate::results::Phase {
            name: name.to_string(),
            start_secs: 0.0,
            end_secs: 1.0,
            peak_bytes: peak_mib * MIB,
        };
        let mut run = testing::run(vec![(0.0, 10 * MIB), (1.0, 200 * MIB)], 1.0);
        run.phases = vec![phase("load", 200), phase("eval: 2", 50)];
        let b = testing::judged("phased", "true", vec![run], None);
        let block = suggest(
            &testing::results(testing::environment(Method::CgroupV2), vec![b]),
            0.15,
        );
        assert!(
            block.ends_with("      phases:\n        load: 230MiB\n        \"eval: 2\": 58MiB\n"),
            "{block}"
        );
        let pasted = block.replace("    budget:", "    run: x\n    budget:");
        let config = crate::config::parse(
            &format!("version: 1\nbenchmarks:\n{pasted}"),
            std::path::Path::new("memgate.yml"),
        )
        .unwrap_or_else(|errors| panic!("{errors}\n{pasted}"));
        assert_eq!(
            config.benchmarks[0].budget.phases,
            [
                ("load".to_string(), 230 * MIB),
                ("eval: 2".to_string(), 58 * MIB)
            ]
        );
    }

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
