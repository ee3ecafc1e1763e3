//! Integration tests for the demo organisation: render it to disk, read the files back in their own
//! formats, and check that the sources agree with each other, with the price book and with the
//! ground truth.

// A failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod determinism;
mod formats;
mod planted;
mod reconcile;
mod scaling;
mod support;
mod transcripts;
