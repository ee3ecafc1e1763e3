//! Integration tests of the store: one binary, a module per theme.

// A failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod activity;
mod corruption;
mod crash;
mod engines;
mod hours;
mod idempotence;
mod lake_version;
mod open;
mod replace;
mod rollup;
mod rollup_summaries;
mod round_trip;
mod scope;
mod support;
mod versions;
