//! Arbitrary bytes as an OTLP/HTTP body, logs or metrics, JSON or protobuf (the first byte picks
//! which), then read as Claude Code's telemetry against a fixed clock: nothing may panic, an
//! undecodable body is a clear error, an event or point outside the accepted window is skipped,
//! and activity counts only grow.
#![no_main]

use chrono::{DateTime, Duration};
use libfuzzer_sys::fuzz_target;
use spendlens_fuzz::{assert_clear_rejection, assert_plausible_usage};
use spendlens_ingest::otel::{CounterState, Encoding, Window, activity, api_requests, decode_logs, decode_metrics};

/// 2026-10-31T12:00:00Z, the demo organisation's last day: the seeds are timed near it.
const NOW_SECONDS: i64 = 1_793_448_000;

fuzz_target!(|data: &[u8]| {
    let Some((selector, body)) = data.split_first() else { return };
    let encoding = if selector & 1 == 0 { Encoding::Json } else { Encoding::Protobuf };
    let Some(now) = DateTime::from_timestamp(NOW_SECONDS, 0) else { return };
    let window = Window::around(now, Duration::days(7), Duration::days(1));
    if selector & 2 == 0 {
        // The decoders name the message where a reader names its file.
        let request = match decode_logs(encoding, body) {
            Ok(request) => request,
            Err(error) => return assert_clear_rejection("ExportLogsServiceRequest", &error),
        };
        let events = api_requests(&request, &window);
        for line in &events.lines {
            assert_plausible_usage(line);
            assert!(line.start >= window.earliest && line.start <= window.latest, "an event at {} taken", line.start);
        }
        for (email, seen) in &events.attributes {
            assert!(!email.is_empty() && !seen.attributes.is_empty());
        }
    } else {
        let request = match decode_metrics(encoding, body) {
            Ok(request) => request,
            Err(error) => return assert_clear_rejection("ExportMetricsServiceRequest", &error),
        };
        let mut state = CounterState::default();
        for _resent in 0..2 {
            let counted = activity(&request, &mut state, &window);
            for ((_, day), counts) in &counted.counts {
                assert!(
                    (window.earliest.date_naive()..=window.latest.date_naive()).contains(day),
                    "activity filed under {day}"
                );
                for count in [
                    counts.sessions,
                    counts.lines_added,
                    counts.lines_removed,
                    counts.commits,
                    counts.pull_requests,
                    counts.tool_accepted,
                    counts.tool_rejected,
                    counts.active_seconds,
                ] {
                    assert!(count >= 0.0, "a count of {count}");
                }
            }
            state.prune();
        }
    }
});
