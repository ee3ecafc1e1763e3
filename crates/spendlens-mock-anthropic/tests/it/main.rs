//! Integration tests: a real mock server on 127.0.0.1 driven by a blocking HTTP client.

// Helpers outside #[test] functions are test code too; clippy's in-test allowance does not reach them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod analytics;
mod auth;
mod counting;
mod demo;
mod faults;
mod pagination;
mod parameters;
mod shutdown;
mod support;
