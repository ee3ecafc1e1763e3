//! Arbitrary bytes as an Admin API page of the usage report, the cost report, the analytics usage
//! or cost report, or a directory listing (the first byte picks the feed): the reader must never
//! panic, a rejection names the file and says why, and what it accepts is plausible.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spendlens_fuzz::{
    assert_clear_rejection, assert_lower_case, assert_plausible_cost, assert_plausible_day, assert_plausible_usage,
};
use spendlens_ingest::{Feed, Parsed};

const FEEDS: [Feed; 5] = [Feed::AdminUsage, Feed::AdminCost, Feed::AdminAnalyticsUsage, Feed::AdminAnalyticsCost, Feed::Directory];

fuzz_target!(|data: &[u8]| {
    let Some((selector, page)) = data.split_first() else { return };
    let feed = FEEDS[usize::from(*selector) % FEEDS.len()];
    match feed.read("fuzz.json", page) {
        Ok(parsed) => check(feed, parsed, page.len()),
        Err(error) => assert_clear_rejection("fuzz.json", &error),
    }
});

fn check(feed: Feed, parsed: Parsed, bytes: usize) {
    assert_eq!(std::mem::discriminant(&parsed), std::mem::discriminant(&feed.empty()), "{feed:?} read as another shape");
    assert!(parsed.lines() <= bytes, "{} lines from {bytes} bytes", parsed.lines());
    match &parsed {
        Parsed::Usage(pages) => pages.lines.iter().for_each(assert_plausible_usage),
        Parsed::Cost(pages) => pages.lines.iter().for_each(assert_plausible_cost),
        Parsed::Directory(pages) => {
            for entry in &pages.lines {
                assert_lower_case("email", entry.email.as_deref());
            }
            assert!(pages.days.is_empty(), "a listing covers days");
        }
        Parsed::ClaudeCode(_) => unreachable!("not among FEEDS"),
    }
    for day in parsed.days() {
        assert_plausible_day("covered day", *day);
    }
    let [mark] = parsed.marks() else { panic!("{} marks for one page", parsed.marks().len()) };
    assert_eq!(mark.file, "fuzz.json");
    if let (Some(first), Some(last)) = (mark.first, mark.last) {
        assert!(first <= last, "a page whose first bucket ({first}) follows its last ({last})");
    }
    // What the callers ask of pages next must not panic either.
    let _ = parsed.period();
    let _ = parsed.missing_continuation();
    let lines = parsed.lines();
    let mut all = feed.empty();
    all.extend(parsed);
    assert_eq!(all.lines(), lines);
}
