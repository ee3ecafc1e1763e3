//! Arbitrary bytes as a transcript file: the reader must never panic, and every token it reports
//! must come from a number written in the input (de-duplication may drop, never invent).
#![no_main]

use libfuzzer_sys::fuzz_target;
use spendlens_ingest::transcript::TranscriptReader;

/// The sum of every run of ASCII digits in `data`: a ceiling on any token total read from it.
fn digit_ceiling(data: &[u8]) -> u128 {
    data.split(|byte| !byte.is_ascii_digit())
        .map(|run| run.iter().fold(0u128, |value, digit| value.saturating_mul(10).saturating_add(u128::from(digit - b'0'))))
        .fold(0u128, u128::saturating_add)
}

fuzz_target!(|data: &[u8]| {
    let mut reader = TranscriptReader::new("fuzz@example.com");
    reader.read("fuzz.jsonl", data);
    let batch = reader.finish();
    let lines = data.split(|byte| *byte == b'\n').count();
    assert!(batch.lines.len() <= lines, "{} responses from {lines} lines", batch.lines.len());
    assert!(batch.problems.len() + batch.incomplete_tails <= lines);
    let total: u128 = batch
        .lines
        .iter()
        .map(|line| {
            let tokens = &line.quantities.tokens;
            [tokens.input, tokens.cache_write_5m, tokens.cache_write_1h, tokens.cache_read, tokens.output]
                .into_iter()
                .map(u128::from)
                .sum::<u128>()
        })
        .sum();
    assert!(total <= digit_ceiling(data), "{total} tokens from input whose numbers sum to {}", digit_ceiling(data));
});
