//! Arbitrary bytes as the body of a team push: the reader must never panic, a rejection names
//! the file and says why, and a body it accepts holds only plausible transcript lines and reads
//! back the same once written again (what `spendlens push` sends is what the server takes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use spendlens_fuzz::{assert_clear_rejection, assert_plausible_usage};
use spendlens_ingest::push::{MOST_LINES, read_request};
use spendlens_model::Source;

fuzz_target!(|data: &[u8]| {
    let request = match read_request("fuzz.json", data) {
        Ok(request) => request,
        Err(error) => return assert_clear_rejection("fuzz.json", &error),
    };
    assert!(!request.email.trim().is_empty());
    assert!(request.lines.len() <= MOST_LINES);
    for line in &request.lines {
        assert_eq!(line.source, Source::Transcript);
        assert_plausible_usage(line);
    }
    let written = match serde_json::to_vec(&request) {
        Ok(written) => written,
        Err(error) => panic!("an accepted push does not serialise: {error}"),
    };
    let again = match read_request("again.json", &written) {
        Ok(again) => again,
        Err(error) => panic!("an accepted push, written again, is refused: {error}\n{}", String::from_utf8_lossy(&written)),
    };
    assert_eq!(serde_json::to_vec(&again).ok().as_deref(), Some(written.as_slice()), "a push changes when read again");
});
