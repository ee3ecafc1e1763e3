//! Integration tests of the analyses on small hand-built organisations.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod crosscheck;
mod ledger;
mod optimise;
mod reconcile;
mod rightsize;
mod spikes;
mod units;
