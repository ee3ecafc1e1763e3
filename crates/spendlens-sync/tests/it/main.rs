//! The sync client against a local mock of the Admin API (real HTTP on 127.0.0.1).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod analytics;
mod faults;
mod secrets;
mod support;
mod sync;
