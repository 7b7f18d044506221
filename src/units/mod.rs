//! Units of `memgate.yml` and of every report: sizes, durations, rates and percentages.
//!
//! Parsing (`parse.rs`; README.md shows the formats to users) is case-insensitive and allows
//! decimals and a space between the number and its unit:
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
//! Formatting (`format.rs`) is for people (`format_size`, `format_rate`, …), except
//! `format_size_exact`, which writes a size that `parse_size` reads back to the same number of bytes.

mod format;
mod parse;

use std::fmt;

pub use format::{
    format_duration, format_rate, format_signed_size, format_size, format_size_exact,
};
pub use parse::{parse_duration, parse_percent, parse_rate, parse_size};

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
    #[error("unknown unit `{unit}` (valid units: {valid}){hint}")]
    UnknownUnit {
        unit: String,
        valid: &'static str,
        /// "; did you mean `GiB`?", or empty.
        hint: String,
    },
    #[error(
        "unknown unit `{unit}`: a rate is a size unit ({SIZE_UNITS}) per time unit ({RATE_TIME_UNITS}), written `2MiB/s` or `60MiB/min`"
    )]
    UnknownRateUnit { unit: String },
    #[error("a rate is a size per s or min, e.g. `2MiB/s`")]
    MissingRateTime,
    #[error("a size in bytes must be a whole number; use a larger unit such as KiB for fractions")]
    FractionalBytes,
    #[error("a percentage must end with `%` (e.g. `10%`)")]
    MissingPercent,
    #[error("the value is too large (at most {max})")]
    TooLarge { max: &'static str },
}

#[cfg(test)]
mod tests;
