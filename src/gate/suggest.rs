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
            yaml_string(&b.name),
            readable_size(b.peak_bytes as f64 * (1.0 + headroom)),
            readable_size(b.steady_bytes as f64 * (1.0 + headroom)),
        ));
    }
    out
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
