//! Reading sizes, durations, rates and percentages as `memgate.yml` and the command line write them.

use std::time::Duration;

use super::{DURATION_UNITS, Quantity, RATE_TIME_UNITS, SIZE_UNITS, UnitError};

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

/// "; did you mean `GiB`?" for a size unit written as a letter alone (`1G`, `512k`), which tools
/// such as `ulimit` and Docker read as powers of 1024; else empty.
fn size_hint(unit: &str) -> String {
    let binary = match unit.to_ascii_lowercase().as_str() {
        "k" => "KiB",
        "m" => "MiB",
        "g" => "GiB",
        "t" => "TiB",
        _ => return String::new(),
    };
    format!("; did you mean `{binary}`?")
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

/// A number and its size unit (`text` as written, for messages) as the number and the bytes in
/// one unit. A bare zero needs no unit; it counts as bytes.
fn number_and_size_unit(text: &str, quantity: Quantity) -> Result<(Decimal, u128), UnitError> {
    let (number, unit) = split_number(text, quantity)?;
    if unit.is_empty() {
        if number.is_zero() {
            return Ok((number, 1));
        }
        return Err(UnitError::MissingUnit {
            quantity,
            number: text.to_string(),
            valid: SIZE_UNITS,
        });
    }
    let factor = size_unit(unit).ok_or_else(|| UnitError::UnknownUnit {
        unit: unit.to_string(),
        valid: SIZE_UNITS,
        hint: size_hint(unit),
    })?;
    Ok((number, factor))
}

/// Parses a size such as `400MiB`, `1.5GiB`, `512 kb` or `0` into bytes.
pub fn parse_size(s: &str) -> Result<u64, UnitError> {
    let quantity = Quantity::Size;
    let s = precheck(s, quantity)?;
    let (number, factor) = number_and_size_unit(s, quantity)?;
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
                hint: String::new(),
            });
        }
        let factor = duration_unit(unit).ok_or_else(|| UnitError::UnknownUnit {
            unit: unit.to_string(),
            valid: DURATION_UNITS,
            hint: String::new(),
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
            return Err(UnitError::UnknownRateUnit {
                unit: unit.to_string(),
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
                hint: String::new(),
            });
        }
    };
    let (number, factor) = number_and_size_unit(size.trim_end(), quantity)?;
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
            hint: String::new(),
        }),
    }
}
