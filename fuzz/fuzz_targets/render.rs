//! Every report from any results file the reader accepts: no panic, the comment within GitHub's
//! limit, no HTML, link or mention from the file in the Markdown, the page only memgate's elements,
//! the JUnit XML parseable (memgate_fuzz::promise).
//!
//! An input that starts with `{` is a results file as it is (a readable regression input);
//! anything else steers edits of a seed file (memgate_fuzz::edit), which reach far deeper.
//! `MEMGATE_FUZZ_DUMP=FILE` writes the results file an input made, to read or to keep as a test.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bytes = if data.first() == Some(&b'{') {
        data.to_vec()
    } else {
        match memgate_fuzz::edit::edited_results(&mut Unstructured::new(data)) {
            Ok(bytes) => bytes,
            Err(_) => return,
        }
    };
    if let Some(path) = std::env::var_os("MEMGATE_FUZZ_DUMP") {
        std::fs::write(path, &bytes).expect("the dump file is written");
    }
    if let Ok(results) = memgate_fuzz::read_results(&bytes) {
        memgate_fuzz::promise::every_renderer(&results);
    }
});
