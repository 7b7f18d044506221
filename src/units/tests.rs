//! Tests of parsing and formatting units, property tests included.

use std::time::Duration;

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

#[test]
fn a_letter_alone_gets_a_binary_unit_hint_and_a_rate_in_words_lists_rate_units() {
    let size = parse_size("1G").unwrap_err().to_string();
    assert!(size.ends_with("; did you mean `GiB`?"), "{size}");
    assert!(
        !parse_size("1X")
            .unwrap_err()
            .to_string()
            .contains("did you mean")
    );
    let rate = parse_rate("2MB per second").unwrap_err().to_string();
    assert!(
        rate.contains("per time unit (s, min)") && rate.contains("`2MiB/s`"),
        "{rate}"
    );
}
