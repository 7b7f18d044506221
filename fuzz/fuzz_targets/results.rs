//! results.json from any bytes, as `memgate report`, `compare` and `comment` read a file that may
//! come from a fork: results or an error that names the file; never a panic. What memgate accepts
//! it can write back and read again (`merge -o`, `check` after `--baseline`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match memgate_fuzz::read_results(data) {
        Ok(results) => {
            let again = memgate_fuzz::read_results(results.to_json().as_bytes())
                .unwrap_or_else(|err| panic!("memgate cannot read the file it wrote: {err}"));
            assert_eq!(
                again.status(),
                results.status(),
                "the status changed when written"
            );
            assert_eq!(again.benchmarks.len(), results.benchmarks.len());
        }
        Err(message) => assert!(message.contains("results.json"), "{message}"),
    }
});
