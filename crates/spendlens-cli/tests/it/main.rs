//! End-to-end tests of the `spendlens` binary on real-format files the demo writes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ccusage_parity;
mod concurrency;
mod crash_loop;
mod crosscheck;
mod dashboard;
mod demo;
mod export;
mod ingest;
mod init;
mod optimise;
mod price;
mod reconcile;
mod seats;
mod serve;
mod support;
mod sync;
mod text_views;
mod transcripts;
