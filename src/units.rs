//! Units of `memgate.yml` and of every report: sizes, durations, rates and percentages.
//!
//! Parsing (DESIGN §3) is case-insensitive and allows decimals and a space between the number and
//! its unit:
//!
//! - sizes: `B`, `KiB`, `MiB`, `GiB`, `TiB` (powers of 1024) and `KB`, `MB`, `GB`, `TB` (powers of
//!   1000). A unit is required, except for `0`. Sizes are rounded to the nearest byte (`1.1KiB` is
//!   1126 bytes), but a number of plain bytes must be whole (`1.5B` is an error).
//! - durations: `ms`, `s`, `m` (also `min`), `h`, alone or in sequence (`2m 05s`, `1h30m`). `0` needs
//!   no unit. Zero is a valid duration here; callers reject it where it makes no sense.
//! - rates: a size per `s` or `min` (`2MiB/s`, `60MiB/min`); `0` needs no unit.
//! - percentages: a number followed by `%` (`10%`, `2.5 %`), returned as a fraction (`0.1`).
//!
//! Negative values are errors for all four. Error messages are lowercase fragments that read well
//! after "invalid size `…`: ".
//!
//! Formatting is for people (`format_size`, `format_rate`, …), except `format_size_exact`, which
//! writes a size that `parse_size` reads back to the same number of bytes.

use std::fmt;
use std::time::Duration;

/// What kind of value was being parsed; names it in error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    Size,
    Duration,
    Rate,
    Percentage,
}

impl Quantity {
    /// The plural noun, as in "sizes cannot be negative".
    fn plural(self) -> &'static str {
        match self {
            Quantity::Size => "sizes",
            Quantity::Duration => "durations",
            Quantity::Rate => "rates",
            Quantity::Percentage => "percentages",
        }
    }

    /// An example of a well-formed value.
    fn example(self) -> &'static str {
        match self {
            Quantity::Size => "`400MiB`",
            Quantity::Duration => "`10ms` or `2m`",
            Quantity::Rate => "`2MiB/s`",
            Quantity::Percentage => "`10%`",
        }
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Quantity::Size => "size",
            Quantity::Duration => "duration",
            Quantity::Rate => "rate",
            Quantity::Percentage => "percentage",
        })
    }
}

/// The size units `parse_size` accepts, as they are written in messages.
pub const SIZE_UNITS: &str = "B, KiB, MiB, GiB, TiB, KB, MB, GB, TB";
/// The duration units `parse_duration` accepts.
pub const DURATION_UNITS: &str = "ms, s, m, h";
/// The time units of a rate.
pub const RATE_TIME_UNITS: &str = "s, min";

/// Why a value could not be parsed. Messages read well after "invalid size `…`: ".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    #[error("the value is empty; write a {quantity} such as {}", quantity.example())]
    Empty { quantity: Quantity },
    #[error("{} cannot be negative", quantity.plural())]
    Negative { quantity: Quantity },
    #[error("`{text}` is not a number; write a {quantity} such as {}", quantity.example())]
    InvalidNumber { quantity: Quantity, text: String },
    #[error("`{number}` has no unit; add one of {valid} (e.g. {})", quantity.example())]
    MissingUnit {
        quantity: Quantity,
        number: String,
        valid: &'static str,
    },
    #[error("unknown unit `{unit}` (valid units: {valid})")]
    UnknownUnit { unit: String, valid: &'static str },
    #[error("a rate is a size per s or min, e.g. `2MiB/s`")]
    MissingRateTime,
    #[error("a size in bytes must be a whole number; use a larger unit such as KiB for fractions")]
    FractionalBytes,
    #[error("a percentage must end with `%` (e.g. `10%`)")]
    MissingPercent,
    #[error("the value is too large (at most {max})")]
    TooLarge { max: &'static str },
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/// A non-negative decimal number, kept exact: `mantissa / 10^scale`.
#[derive(Debug, Clone, Copy)]
struct Decimal {
    mantissa: u128,
    scale: u32,
}

impl Decimal {
    fn is_zero(self) -> bool {
        self.mantissa == 0
    }

    fn to_f64(self) -> f64 {
        self.mantissa as f64 / 10f64.powi(self.scale as i32)
    }

    /// `self × factor`, rounded to the nearest integer (halves away from zero); `None` on overflow.
    fn times_rounded(self, factor: u128) -> Option<u128> {
        let product = self.mantissa.checked_mul(factor)?;
        let divisor = 10u128.checked_pow(self.scale)?;
        Some(product / divisor + u128::from(product % divisor >= divisor.div_ceil(2)))
    }

    fn has_fraction(self) -> bool {
        self.scale > 0 && self.mantissa % 10u128.pow(self.scale) != 0
    }
}

/// Splits `s` (already trimmed) into a leading number and the rest (trimmed).
///
/// Accepts `12`, `1.5`, `.5`, `5.`; no sign, no exponent.
fn split_number(s: &str, quantity: Quantity) -> Result<(Decimal, &str), UnitError> {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, rest) = s.split_at(end);
    let invalid = || UnitError::InvalidNumber {
        quantity,
        text: s.to_string(),
    };
    if !number.bytes().any(|b| b.is_ascii_digit()) || number.matches('.').count() > 1 {
        return Err(invalid());
    }
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    // Trailing zeros of the fraction add nothing but could overflow the mantissa.
    let frac = frac.trim_end_matches('0');
    let mut mantissa: u128 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        mantissa = mantissa
            .checked_mul(10)
            .and_then(|m| m.checked_add(u128::from(b - b'0')))
            .ok_or(UnitError::TooLarge {
                max: "38 significant digits",
            })?;
    }
    let scale = u32::try_from(frac.len()).map_err(|_| invalid())?;
    if 10u128.checked_pow(scale).is_none() {
        return Err(invalid());
    }
    Ok((Decimal { mantissa, scale }, rest.trim_start()))
}

/// Common checks before parsing a number: empty, negative.
fn precheck(s: &str, quantity: Quantity) -> Result<&str, UnitError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(UnitError::Empty { quantity });
    }
    if let Some(rest) = s.strip_prefix('-') {
        // "-0" is still zero; anything else with a minus sign is a negative number.
        let rest = rest.trim_start();
        if rest.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            let is_zero = split_number(rest, quantity)
                .map(|(d, _)| d.is_zero())
                .unwrap_or(false);
            if !is_zero {
                return Err(UnitError::Negative { quantity });
            }
            return Ok(rest);
        }
        return Err(UnitError::InvalidNumber {
            quantity,
            text: s.to_string(),
        });
    }
    Ok(s.strip_prefix('+').map(str::trim_start).unwrap_or(s))
}

/// The number of bytes in one `unit` (case-insensitive), if it is a size unit.
fn size_unit(unit: &str) -> Option<u128> {
    let factor = match unit.to_ascii_lowercase().as_str() {
        "b" => 1,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        _ => return None,
    };
    Some(factor)
}

fn parse_size_as(s: &str, quantity: Quantity) -> Result<u64, UnitError> {
    let s = precheck(s, quantity)?;
    let (number, unit) = split_number(s, quantity)?;
    if unit.is_empty() {
        if number.is_zero() {
            return Ok(0);
        }
        return Err(UnitError::MissingUnit {
            quantity,
            number: s.to_string(),
            valid: SIZE_UNITS,
        });
    }
    let factor = size_unit(unit).ok_or_else(|| UnitError::UnknownUnit {
        unit: unit.to_string(),
        valid: SIZE_UNITS,
    })?;
    if factor == 1 && number.has_fraction() {
        return Err(UnitError::FractionalBytes);
    }
    number
        .times_rounded(factor)
        .and_then(|bytes| u64::try_from(bytes).ok())
        .ok_or(UnitError::TooLarge {
            max: "16777215.99 TiB",
        })
}

/// Parses a size such as `400MiB`, `1.5GiB`, `512 kb` or `0` into bytes.
pub fn parse_size(s: &str) -> Result<u64, UnitError> {
    parse_size_as(s, Quantity::Size)
}

/// The nanoseconds in one duration `unit` (case-insensitive), if it is one.
fn duration_unit(unit: &str) -> Option<u128> {
    let factor = match unit.to_ascii_lowercase().as_str() {
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" | "min" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return None,
    };
    Some(factor)
}

/// Parses a duration such as `10ms`, `1.5s`, `10m`, `2h` or `2m 05s`. `0` is valid.
pub fn parse_duration(s: &str) -> Result<Duration, UnitError> {
    let quantity = Quantity::Duration;
    let mut rest = precheck(s, quantity)?;
    let whole = rest;
    let mut nanos: u128 = 0;
    let too_large = UnitError::TooLarge { max: "584 years" };
    loop {
        let (number, after) = split_number(rest, quantity).map_err(|e| match e {
            // Report the whole value, not the tail that failed.
            UnitError::InvalidNumber { quantity, .. } => UnitError::InvalidNumber {
                quantity,
                text: whole.to_string(),
            },
            other => other,
        })?;
        let unit_end = after
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_end);
        if unit.is_empty() {
            if after.is_empty() && number.is_zero() && nanos == 0 && rest == whole {
                return Ok(Duration::ZERO);
            }
            if after.is_empty() {
                return Err(UnitError::MissingUnit {
                    quantity,
                    number: whole.to_string(),
                    valid: DURATION_UNITS,
                });
            }
            return Err(UnitError::UnknownUnit {
                unit: after.to_string(),
                valid: DURATION_UNITS,
            });
        }
        let factor = duration_unit(unit).ok_or_else(|| UnitError::UnknownUnit {
            unit: unit.to_string(),
            valid: DURATION_UNITS,
        })?;
        let part = number.times_rounded(factor).ok_or(too_large.clone())?;
        nanos = nanos.checked_add(part).ok_or(too_large.clone())?;
        rest = after.trim_start();
        if rest.is_empty() {
            break;
        }
    }
    let secs = u64::try_from(nanos / 1_000_000_000).map_err(|_| too_large)?;
    Ok(Duration::new(secs, (nanos % 1_000_000_000) as u32))
}

/// Parses a rate such as `2MiB/s` or `60MiB/min` into bytes per second. `0` is valid.
pub fn parse_rate(s: &str) -> Result<f64, UnitError> {
    let quantity = Quantity::Rate;
    let s = precheck(s, quantity)?;
    let Some((size, per)) = s.rsplit_once('/') else {
        let (number, unit) = split_number(s, quantity)?;
        if unit.is_empty() && number.is_zero() {
            return Ok(0.0);
        }
        if unit.is_empty() {
            return Err(UnitError::MissingRateTime);
        }
        if size_unit(unit).is_none() {
            return Err(UnitError::UnknownUnit {
                unit: unit.to_string(),
                valid: SIZE_UNITS,
            });
        }
        return Err(UnitError::MissingRateTime);
    };
    let seconds = match per.trim().to_ascii_lowercase().as_str() {
        "s" | "sec" => 1.0,
        "min" | "m" => 60.0,
        "h" => 3600.0,
        "" => return Err(UnitError::MissingRateTime),
        _ => {
            return Err(UnitError::UnknownUnit {
                unit: per.trim().to_string(),
                valid: RATE_TIME_UNITS,
            });
        }
    };
    let (number, unit) = split_number(size.trim_end(), quantity)?;
    if unit.is_empty() {
        if number.is_zero() {
            return Ok(0.0);
        }
        return Err(UnitError::MissingUnit {
            quantity,
            number: size.trim_end().to_string(),
            valid: SIZE_UNITS,
        });
    }
    let factor = size_unit(unit).ok_or_else(|| UnitError::UnknownUnit {
        unit: unit.to_string(),
        valid: SIZE_UNITS,
    })?;
    Ok(number.to_f64() * factor as f64 / seconds)
}

/// Parses a percentage such as `10%` or `2.5 %` into a fraction (`0.1`, `0.025`).
pub fn parse_percent(s: &str) -> Result<f64, UnitError> {
    let quantity = Quantity::Percentage;
    let s = precheck(s, quantity)?;
    let (number, unit) = split_number(s, quantity)?;
    match unit {
        "%" => Ok(number.to_f64() / 100.0),
        "" => Err(UnitError::MissingPercent),
        other => Err(UnitError::UnknownUnit {
            unit: other.to_string(),
            valid: "%",
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

const BINARY_UNITS: [(&str, u64, usize); 4] = [
    ("KiB", 1 << 10, 1),
    ("MiB", 1 << 20, 1),
    ("GiB", 1 << 30, 2),
    ("TiB", 1 << 40, 2),
];

/// A size for people: `512 B`, `4.0 KiB`, `812.0 MiB`, `1.50 GiB` (one decimal for KiB and MiB,
/// two from GiB up). A value that would round up to 1024 of a unit is written in the next one.
pub fn format_size(bytes: u64) -> String {
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    for (i, &(name, factor, decimals)) in BINARY_UNITS.iter().enumerate() {
        let value = bytes as f64 / factor as f64;
        let text = format!("{value:.decimals$}");
        let is_last = i + 1 == BINARY_UNITS.len();
        if is_last || text.parse::<f64>().unwrap_or(value) < 1024.0 {
            return format!("{text} {name}");
        }
    }
    unreachable!("the last unit always returns")
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
    for (i, &(name, factor, _)) in BINARY_UNITS.iter().enumerate() {
        let value = magnitude / factor as f64;
        let text = format!("{value:.2}");
        let is_last = i + 1 == BINARY_UNITS.len();
        if is_last || text.parse::<f64>().unwrap_or(value) < 1024.0 {
            return format!("{sign}{text} {name}/s");
        }
    }
    unreachable!("the last unit always returns")
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    const GIB: u64 = 1024 * 1024 * 1024;

    #[test]
    fn sizes_parse_in_binary_and_decimal_units() {
        assert_eq!(parse_size("400MiB"), Ok(400 * MIB));
        assert_eq!(parse_size("1.5GiB"), Ok(3 * GIB / 2));
        assert_eq!(parse_size("512 kb"), Ok(512_000));
        assert_eq!(parse_size("100B"), Ok(100));
        assert_eq!(parse_size("2TiB"), Ok(2 << 40));
        assert_eq!(parse_size("3 TB"), Ok(3_000_000_000_000));
        assert_eq!(parse_size("  8mib  "), Ok(8 * MIB));
        assert_eq!(parse_size("8MIB"), Ok(8 * MIB));
        assert_eq!(parse_size(".5KiB"), Ok(512));
        assert_eq!(parse_size("1.KiB"), Ok(1024));
        assert_eq!(parse_size("+4KiB"), Ok(4 * KIB));
        assert_eq!(
            parse_size("1.50000000000000000000000000000000000000000GiB"),
            Ok(3 * GIB / 2)
        );
    }

    #[test]
    fn sizes_round_to_the_nearest_byte() {
        assert_eq!(parse_size("1.1KiB"), Ok(1126)); // 1126.4
        assert_eq!(parse_size("1.0005KB"), Ok(1001)); // 1000.5 rounds up
    }

    #[test]
    fn zero_needs_no_unit() {
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("0.0"), Ok(0));
        assert_eq!(parse_size("-0"), Ok(0));
        assert_eq!(parse_size("0MiB"), Ok(0));
    }

    #[test]
    fn size_errors_say_what_is_wrong() {
        let msg = |s: &str| parse_size(s).unwrap_err().to_string();
        assert_eq!(msg("-5MiB"), "sizes cannot be negative");
        assert_eq!(
            msg("12 parsecs"),
            "unknown unit `parsecs` (valid units: B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)"
        );
        assert_eq!(
            msg("400"),
            "`400` has no unit; add one of B, KiB, MiB, GiB, TiB, KB, MB, GB, TB (e.g. `400MiB`)"
        );
        assert_eq!(msg(""), "the value is empty; write a size such as `400MiB`");
        assert_eq!(
            msg("MiB"),
            "`MiB` is not a number; write a size such as `400MiB`"
        );
        assert_eq!(
            msg("1.2.3MiB"),
            "`1.2.3MiB` is not a number; write a size such as `400MiB`"
        );
        assert_eq!(
            msg("-MiB"),
            "`-MiB` is not a number; write a size such as `400MiB`"
        );
        assert!(msg("1.5B").contains("whole number"));
        assert_eq!(
            msg("16777216TiB"),
            "the value is too large (at most 16777215.99 TiB)"
        );
        assert_eq!(
            msg("99999999999999999999999999999999999999999B"),
            "the value is too large (at most 38 significant digits)"
        );
        assert!(matches!(
            parse_size("1e6B"),
            Err(UnitError::UnknownUnit { .. })
        ));
    }

    #[test]
    fn size_limits() {
        assert_eq!(parse_size("18446744073709551615B"), Ok(u64::MAX));
        assert!(parse_size("18446744073709551616B").is_err());
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("10ms"), Ok(Duration::from_millis(10)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("10min"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("2 H"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("2m 05s"), Ok(Duration::from_secs(125)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("0.25ms"), Ok(Duration::from_micros(250)));
    }

    #[test]
    fn duration_errors() {
        let msg = |s: &str| parse_duration(s).unwrap_err().to_string();
        assert_eq!(msg("-1s"), "durations cannot be negative");
        assert_eq!(
            msg("10"),
            "`10` has no unit; add one of ms, s, m, h (e.g. `10ms` or `2m`)"
        );
        assert_eq!(
            msg("10 fortnights"),
            "unknown unit `fortnights` (valid units: ms, s, m, h)"
        );
        assert_eq!(
            msg("10s 5"),
            "`10s 5` has no unit; add one of ms, s, m, h (e.g. `10ms` or `2m`)"
        );
        assert_eq!(
            msg("10s x"),
            "`10s x` is not a number; write a duration such as `10ms` or `2m`"
        );
        assert_eq!(msg("5%"), "unknown unit `%` (valid units: ms, s, m, h)");
        assert!(msg("99999999999999999999h").contains("too large"));
    }

    #[test]
    fn rates_parse() {
        assert_eq!(parse_rate("2MiB/s"), Ok(2.0 * MIB as f64));
        assert_eq!(parse_rate("60MiB/min"), Ok(MIB as f64));
        assert_eq!(parse_rate("1.5 KiB / s"), Ok(1536.0));
        assert_eq!(parse_rate("0"), Ok(0.0));
        assert_eq!(parse_rate("0/s"), Ok(0.0));
        assert_eq!(parse_rate("0.5B/s"), Ok(0.5));
    }

    #[test]
    fn rate_errors() {
        let msg = |s: &str| parse_rate(s).unwrap_err().to_string();
        assert_eq!(msg("-2MiB/s"), "rates cannot be negative");
        assert_eq!(msg("2MiB"), "a rate is a size per s or min, e.g. `2MiB/s`");
        assert_eq!(msg("2MiB/"), "a rate is a size per s or min, e.g. `2MiB/s`");
        assert_eq!(
            msg("2MiB/fortnight"),
            "unknown unit `fortnight` (valid units: s, min)"
        );
        assert!(msg("2 parsecs/s").contains("unknown unit `parsecs`"));
        assert!(msg("2 parsecs").contains("unknown unit `parsecs`"));
        assert!(msg("2/s").contains("no unit"));
        assert_eq!(msg("2"), "a rate is a size per s or min, e.g. `2MiB/s`");
    }

    #[test]
    fn percentages_parse() {
        assert_eq!(parse_percent("10%"), Ok(0.1));
        assert_eq!(parse_percent("2.5 %"), Ok(0.025));
        assert_eq!(parse_percent("150%"), Ok(1.5));
        assert_eq!(parse_percent("0%"), Ok(0.0));
        let msg = |s: &str| parse_percent(s).unwrap_err().to_string();
        assert_eq!(msg("-5%"), "percentages cannot be negative");
        assert_eq!(msg("0.1"), "a percentage must end with `%` (e.g. `10%`)");
        assert_eq!(msg("10 pct"), "unknown unit `pct` (valid units: %)");
    }

    #[test]
    fn sizes_format_for_people() {
        assert_eq!(format_size(0), "0 B");
        assert_eq!(format_size(512), "512 B");
        assert_eq!(format_size(1023), "1023 B");
        assert_eq!(format_size(4 * KIB), "4.0 KiB");
        assert_eq!(format_size(812 * MIB), "812.0 MiB");
        assert_eq!(format_size(3 * GIB / 2), "1.50 GiB");
        assert_eq!(format_size(2 << 40), "2.00 TiB");
        // Would be "1024.0 KiB": promoted.
        assert_eq!(format_size(MIB - 1), "1.0 MiB");
        assert_eq!(format_size(u64::MAX), "16777216.00 TiB");
    }

    #[test]
    fn signed_sizes_keep_their_sign() {
        assert_eq!(format_signed_size(12 * MIB as i64), "+12.0 MiB");
        assert_eq!(format_signed_size(-3 * MIB as i64), "-3.0 MiB");
        assert_eq!(format_signed_size(0), "+0 B");
        assert_eq!(format_signed_size(i64::MIN), "-8388608.00 TiB");
    }

    #[test]
    fn rates_format_for_people() {
        assert_eq!(format_rate(6.74 * MIB as f64), "6.74 MiB/s");
        assert_eq!(format_rate(0.0), "0.00 MiB/s");
        assert_eq!(format_rate(0.2), "0.00 MiB/s");
        assert_eq!(format_rate(-0.2), "0.00 MiB/s");
        assert_eq!(format_rate(512.0), "512 B/s");
        assert_eq!(format_rate(512.0 * KIB as f64), "512.00 KiB/s");
        assert_eq!(format_rate(-1.2 * MIB as f64), "-1.20 MiB/s");
        assert_eq!(format_rate(1.25 * GIB as f64), "1.25 GiB/s");
        assert_eq!(format_rate(f64::NAN), "n/a");
    }

    #[test]
    fn durations_format_for_people() {
        assert_eq!(format_duration(Duration::ZERO), "0 ms");
        assert_eq!(format_duration(Duration::from_micros(250)), "0.25 ms");
        assert_eq!(format_duration(Duration::from_millis(850)), "850 ms");
        assert_eq!(format_duration(Duration::from_micros(999_600)), "1.00 s");
        assert_eq!(format_duration(Duration::from_millis(3200)), "3.20 s");
        assert_eq!(format_duration(Duration::from_millis(59_999)), "1m 00s");
        assert_eq!(format_duration(Duration::from_secs(125)), "2m 05s");
        assert_eq!(format_duration(Duration::from_secs(3725)), "1h 02m");
    }

    #[test]
    fn exact_sizes() {
        assert_eq!(format_size_exact(0), "0B");
        assert_eq!(format_size_exact(400 * MIB), "400MiB");
        assert_eq!(format_size_exact(400 * MIB + 1), "419430401B");
        assert_eq!(format_size_exact(3 * KIB), "3KiB");
        assert_eq!(format_size_exact(2 << 40), "2TiB");
        assert_eq!(format_size_exact(1000), "1000B");
    }

    #[test]
    fn formatted_durations_parse_back() {
        for text in ["850 ms", "3.20 s", "2m 05s", "1h 02m", "0.25 ms"] {
            assert!(parse_duration(text).is_ok(), "{text}");
        }
    }

    proptest! {
        #[test]
        fn exact_format_round_trips(bytes in any::<u64>()) {
            prop_assert_eq!(parse_size(&format_size_exact(bytes)), Ok(bytes));
        }

        #[test]
        fn human_format_parses_back_within_rounding(bytes in 0u64..(1 << 60)) {
            let text = format_size(bytes);
            let parsed = parse_size(&text).unwrap();
            // Half of the last digit shown, plus one byte for rounding the parse.
            let half_digit = if bytes < KIB {
                0.0
            } else if text.ends_with("KiB") {
                0.05 * KIB as f64
            } else if text.ends_with("MiB") {
                0.05 * MIB as f64
            } else if text.ends_with("GiB") {
                0.005 * GIB as f64
            } else {
                0.005 * (1u64 << 40) as f64
            };
            let diff = (parsed as f64 - bytes as f64).abs();
            prop_assert!(diff <= half_digit + 1.0, "{bytes} -> {text} -> {parsed}");
        }

        #[test]
        fn sizes_never_panic(s in ".{0,20}") {
            let _ = parse_size(&s);
            let _ = parse_duration(&s);
            let _ = parse_rate(&s);
            let _ = parse_percent(&s);
        }

        #[test]
        fn durations_parse_their_milliseconds(ms in 0u64..10_000_000) {
            prop_assert_eq!(parse_duration(&format!("{ms}ms")), Ok(Duration::from_millis(ms)));
        }
    }
}
