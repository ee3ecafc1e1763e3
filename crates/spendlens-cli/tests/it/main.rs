//! End-to-end tests of the `spendlens` binary on real-format files the demo writes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod concurrency;
mod crash_loop;
mod crosscheck;
mod demo;
mod export;
mod ingest;
mod optimise;
mod price;
mod reconcile;
mod serve;
mod support;
mod sync;
mod transcripts;
