//! Arbitrary bytes as a Claude Code Analytics page: the reader must never panic, a rejection
//! names the file and says why, and what it accepts is plausible: a usage line per record and
//! model, a day long, on the day of its record's activity line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spendlens_fuzz::{assert_clear_rejection, assert_lower_case, assert_plausible_count, assert_plausible_day, assert_plausible_usage};
use spendlens_ingest::{Feed, Parsed};
use spendlens_model::Path;

fuzz_target!(|data: &[u8]| {
    let page = match Feed::ClaudeCodeAnalytics.read("fuzz.json", data) {
        Ok(Parsed::ClaudeCode(page)) => page,
        Ok(other) => panic!("Claude Code Analytics read as {other:?}"),
        Err(error) => return assert_clear_rejection("fuzz.json", &error),
    };
    assert!(page.activity.len() <= data.len());
    for activity in &page.activity {
        assert_plausible_day("day", activity.day);
        assert!(page.usage.days.contains(&activity.day), "the day of an activity line ({}) is not covered", activity.day);
        assert_lower_case("actor email", activity.actor_email.as_deref());
        for (what, count) in [
            ("sessions", activity.sessions),
            ("lines added", activity.lines_added),
            ("lines removed", activity.lines_removed),
            ("commits", activity.commits),
            ("pull requests", activity.pull_requests),
        ] {
            assert_plausible_count(what, count);
        }
    }
    for line in &page.usage.lines {
        assert_plausible_usage(line);
        assert_eq!(line.path, Path::ClaudeCode);
        // A day long: it ends on the next day (a second short when its date is a leap second,
        // which chrono reads at any minute).
        let day = line.start.date_naive();
        assert!(line.end > line.start && Some(line.end.date_naive()) == day.succ_opt(), "a line over {} .. {}", line.start, line.end);
        assert!(
            page.activity.iter().any(|activity| activity.day == day && activity.actor_email == line.identity.actor_email),
            "a usage line with no activity line of its day and actor"
        );
    }
    let _ = page.usage.period();
    let _ = page.usage.missing_continuation();
});
