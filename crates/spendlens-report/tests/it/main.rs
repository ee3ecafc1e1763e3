//! Report rendering from hand-made ledgers: FOCUS rows and the HTML page.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixtures;
mod focus;
mod html;
mod reports;
