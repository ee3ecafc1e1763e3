//! The application layer's use cases end to end: a real store in a temporary directory, real HTTP
//! against a local mock of the Admin API (127.0.0.1), the demo organisation's files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alerts;
mod commit;
mod forecast;
mod optimise;
mod rightsize;
mod spikes;
mod sync;
mod sync_analytics;
mod sync_faults;
mod sync_secrets;
mod sync_support;
mod trust;
mod unknown_values;
mod views;
