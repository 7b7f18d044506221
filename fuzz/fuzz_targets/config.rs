//! memgate.yml from any bytes: a config, or problems each placed in the file and saying what is
//! wrong; never a panic, whatever the YAML (anchors, tags, deep nesting, huge numbers).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // `config::load` refuses a file that is not UTF-8 before parsing; the parser takes text.
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let Err(errors) = memgate::config::parse(source, Path::new("memgate.yml")) else {
        return;
    };
    assert!(!errors.is_empty(), "an error without a problem");
    // libyaml breaks lines at LF, CR LF, a lone CR, NEL, LS and PS; a position may be just past
    // the last one.
    let breaks = ['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'];
    let lines = source.matches(breaks).count() - source.matches("\r\n").count() + 2;
    for error in errors.iter() {
        assert_eq!(error.file, "memgate.yml", "{error}");
        assert!(
            !error.message.trim().is_empty(),
            "a problem without a message: {error}"
        );
        if let Some(p) = error.position {
            assert!(
                (1..=lines).contains(&p.line) && p.column >= 1,
                "a position outside the file ({lines} lines): {error}"
            );
        }
    }
});
