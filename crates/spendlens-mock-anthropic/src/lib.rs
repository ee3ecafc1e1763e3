//! A local mock of the Anthropic Admin API, for testing HTTP clients against real sockets.
//!
//! [`MockAdminApi::start`] serves a [`MockData`] on `127.0.0.1` from a background thread: the usage
//! report, cost report, Claude Code Analytics, the Usage and Cost Analytics API (beta) usage and
//! cost, and the workspace, API key and user listings. It checks the `x-api-key` and
//! `anthropic-version` headers (and `anthropic-beta` on beta endpoints, answering 400 without it),
//! validates parameters the way the real API documents them, paginates with opaque `page_` tokens
//! (or `after_id` for listings), counts and logs every request per [`Endpoint`], and injects
//! [`Fault`]s (rate limits, server errors, slow answers, truncated bodies, looping page tokens) on
//! demand.
//!
//! This crate is test support only: it never filters or groups data (what it is given is what it
//! serves, already grouped), and it owns no spendlens types; it speaks the vendor's JSON.

mod data;
mod error;
mod fault;
mod page;
mod query;
mod server;
mod token;

pub use data::MockData;
pub use error::MockError;
pub use fault::{Fault, FaultKind, Trigger};
pub use server::{ANALYTICS_BETA, Endpoint, MockAdminApi, MockConfig, RecordedRequest};
