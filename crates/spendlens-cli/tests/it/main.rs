//! End-to-end tests of the `spendlens` binary on real-format files the demo writes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod crosscheck;
mod demo;
mod ingest;
mod price;
mod support;
mod sync;
