//! Claude Code's OpenTelemetry: the OTLP/HTTP wire format ([`wire`]) and what its signals mean as
//! spendlens lines ([`telemetry`]: `api_request` events as usage lines, activity counters as
//! activity lines). Pure: the server receives bytes over HTTP and hands them here.

pub mod telemetry;
pub mod wire;

pub use telemetry::{
    ActivityCounts, ActivityKey, CounterState, Events, SeenAttributes, Window, activity, api_requests, data_points, event_key,
};
pub use wire::{Encoding, decode_logs, decode_metrics, logs_response, metrics_response};
