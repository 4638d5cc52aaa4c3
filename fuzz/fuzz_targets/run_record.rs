//! Fuzz target of the run-record parser, `RunRecord::from_json` and through it
//! `record::parse_json` (xtask/src/record/schema.rs): any text is refused or accepted
//! without a panic; a refusal says where the text is bad (a line and column, or the
//! `schema` field); an accepted record, written again as the history writes it and
//! parsed again, is the same record. Seeds: xtask/tests/golden (docs/fuzzing.md).
#![no_main]

use libfuzzer_sys::{fuzz_mutator, fuzz_target};
use versus_fuzz::json;
use versus_fuzz::record::RunRecord;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match RunRecord::from_json(&text) {
        Ok(record) => {
            let written = serde_json::to_string_pretty(&record).expect("a record serialises");
            let again = RunRecord::from_json(&written)
                .unwrap_or_else(|error| panic!("the record written again is refused: {error:#}"));
            json::assert_same("the run record", &record, &again);
        }
        Err(error) => {
            let message = format!("{error:#}");
            assert!(
                json::has_line_and_column(&message)
                    || message.starts_with("schema is ")
                    || message.starts_with("no \"schema\" field"),
                "the error does not say where the text is bad: {message}"
            );
        }
    }
});

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    json::mutate(data, size, max_size, seed)
});
