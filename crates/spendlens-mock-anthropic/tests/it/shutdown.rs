//! Dropping the mock closes its port, promptly, even with a request in flight.

use std::time::{Duration, Instant};

use spendlens_mock_anthropic::{Endpoint, Fault, FaultKind, MockData, Trigger};

use crate::support::{KEY, client, daily, get, start};

#[test]
fn after_drop_the_port_refuses_connections() {
    let mock = start(MockData::default().with_cost_buckets(daily(2)));
    assert_eq!(get(&mock, Endpoint::Cost, &[("starting_at", "2026-08-01T00:00:00Z")]).status().as_u16(), 200);
    let url = format!("{}{}", mock.base_url(), Endpoint::Cost.path());
    drop(mock);
    let error = client().get(url).header("x-api-key", KEY).header("anthropic-version", "2023-06-01").send().unwrap_err();
    assert!(error.is_connect(), "{error}");
}

#[test]
fn drop_does_not_wait_for_a_slow_request() {
    let mock = start(MockData::default().with_cost_buckets(daily(2)));
    mock.set_faults(vec![Fault::anywhere(Trigger::Always, FaultKind::Slow { delay_ms: 30_000 })]);
    let url = format!("{}{}?starting_at=2026-08-01T00:00:00Z", mock.base_url(), Endpoint::Cost.path());
    let waiting = std::thread::spawn(move || client().get(url).header("x-api-key", KEY).header("anthropic-version", "2023-06-01").send());
    // The request is logged only once answered, so give it time to arrive instead of polling.
    std::thread::sleep(Duration::from_millis(200));
    let began = Instant::now();
    drop(mock);
    assert!(began.elapsed() < Duration::from_secs(5), "drop took {:?}", began.elapsed());
    assert!(waiting.join().unwrap().is_err(), "the slow request is cut off, not answered");
}
