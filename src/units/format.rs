//! Writing sizes, rates and durations for people, and sizes exactly for `memgate.yml`.

use std::time::Duration;

/// The binary units, each with the decimals a size shows in it.
const BINARY_UNITS: [(&str, u64, usize); 4] = [
    ("KiB", 1 << 10, 1),
    ("MiB", 1 << 20, 1),
    ("GiB", 1 << 30, 2),
    ("TiB", 1 << 40, 2),
];

/// `value` in the first binary unit that keeps it under 1024 once rounded (TiB at the most), with
/// `decimals`, or the unit's own for a size when `None`: `812.0 MiB`.
fn in_binary_unit(value: f64, decimals: Option<usize>) -> String {
    for (i, &(name, factor, size_decimals)) in BINARY_UNITS.iter().enumerate() {
        let scaled = value / factor as f64;
        let decimals = decimals.unwrap_or(size_decimals);
        let text = format!("{scaled:.decimals$}");
        let is_last = i + 1 == BINARY_UNITS.len();
        if is_last || text.parse::<f64>().unwrap_or(scaled) < 1024.0 {
            return format!("{text} {name}");
        }
    }
    unreachable!("the last unit always returns")
}

/// A size for people: `512 B`, `4.0 KiB`, `812.0 MiB`, `1.50 GiB` (one decimal for KiB and MiB,
/// two from GiB up). A value that would round up to 1024 of a unit is written in the next one.
pub fn format_size(bytes: u64) -> String {
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    in_binary_unit(bytes as f64, None)
}

/// A signed size change: `+12.0 MiB`, `-3.0 MiB`, `+0 B`.
pub fn format_signed_size(bytes: i64) -> String {
    let sign = if bytes < 0 { '-' } else { '+' };
    format!("{sign}{}", format_size(bytes.unsigned_abs()))
}

/// A rate for people: `6.74 MiB/s`, `512.00 KiB/s`, `1.25 GiB/s`; zero (and anything under half a
/// byte per second) is `0.00 MiB/s`, the figure a steady benchmark shows. Negative rates (memory
/// that shrinks) keep their sign.
pub fn format_rate(bytes_per_sec: f64) -> String {
    if !bytes_per_sec.is_finite() {
        return "n/a".to_string();
    }
    let magnitude = bytes_per_sec.abs();
    if magnitude < 0.5 {
        return "0.00 MiB/s".to_string();
    }
    let sign = if bytes_per_sec < 0.0 { "-" } else { "" };
    if magnitude < 1024.0 {
        return format!("{sign}{magnitude:.0} B/s");
    }
    format!("{sign}{}/s", in_binary_unit(magnitude, Some(2)))
}

/// A duration for people: `850 ms`, `3.20 s`, `2m 05s`, `1h 02m`; under a millisecond `0.25 ms`.
pub fn format_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0 ms".to_string();
    }
    if nanos < 1_000_000 {
        return format!("{:.2} ms", nanos as f64 / 1e6);
    }
    // Round to the precision shown, then pick the form, so that 999.6 ms is "1.00 s".
    let millis = (nanos + 500_000) / 1_000_000;
    if millis < 1000 {
        return format!("{millis} ms");
    }
    let centis = (nanos + 5_000_000) / 10_000_000;
    if centis < 6000 {
        return format!("{}.{:02} s", centis / 100, centis % 100);
    }
    let secs = (nanos + 500_000_000) / 1_000_000_000;
    if secs < 3600 {
        return format!("{}m {:02}s", secs / 60, secs % 60);
    }
    let mins = (nanos + 30_000_000_000) / 60_000_000_000;
    format!("{}h {:02}m", mins / 60, mins % 60)
}

/// A size that `parse_size` reads back exactly: the largest binary unit that divides it
/// (`400MiB`, `3KiB`), else bytes (`419430401B`).
pub fn format_size_exact(bytes: u64) -> String {
    if bytes == 0 {
        return "0B".to_string();
    }
    BINARY_UNITS
        .iter()
        .rev()
        .find(|&&(_, factor, _)| bytes % factor == 0)
        .map(|&(name, factor, _)| format!("{}{name}", bytes / factor))
        .unwrap_or_else(|| format!("{bytes}B"))
}
