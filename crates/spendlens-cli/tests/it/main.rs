//! End-to-end tests of the `spendlens` binary on real-format files the demo writes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod crosscheck;
mod demo;
mod export;
mod ingest;
mod price;
mod reconcile;
mod serve;
mod support;
mod sync;
mod transcripts;
