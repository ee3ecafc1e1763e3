//! spendlens Admin API sync: pulls an organisation's usage report, cost report, Claude Code
//! Analytics, the Usage and Cost Analytics API's (beta) usage and cost, and directory listings
//! from Anthropic's Admin API into the store.
//!
//! - **Each dollar once.** Every window fetched is parsed by the same readers as file import
//!   (`spendlens_ingest::Feed`) and handed to a [`Sink`], which stores it by replacing whole
//!   days, so a re-run, an overlapping window or a resumed sync never adds a line twice. This
//!   crate never touches the store: the application layer is the sink.
//! - **Incremental.** A cursor per endpoint ([`SyncState`], kept by the sink) records the day through
//!   which data is stored; a run starts a few days before it (`trailing_days`) because Anthropic's
//!   reports settle for a while, and replaces those days.
//! - **Resumable.** Windows are fetched in chunks and the cursor advances after each stored chunk:
//!   an interrupted sync resumes where it stopped, with identical totals.
//! - **Polite.** Pagination to the end (a page token seen twice is an error, not a loop);
//!   `Retry-After` honoured on 429; 5xx, timeouts and truncated bodies retried with exponential
//!   backoff and jitter; a clear error after a bounded number of attempts, with the store holding
//!   only whole, earlier chunks.
//! - **One failure, one endpoint.** An endpoint that fails on its own (a beta endpoint answering
//!   403 or 404 for this organisation, a page that never parses, a server that keeps failing it)
//!   is reported in [`SyncReport::failures`] and the others go on; a refused key, an unreachable
//!   or redirecting server and a store failure stop the sync.
//! - **Secret.** The admin key lives in [`AdminKey`], whose Debug and Display redact it; it is sent
//!   only as a sensitive header, only over https (or to a loopback address), never after a redirect,
//!   and never reaches an error, a log line or the store.

mod client;
mod error;
mod state;
mod sync;

pub use client::{AdminKey, Client, ClientSettings, check_base_url};
pub use error::SyncError;
pub use state::SyncState;
pub use sync::{Endpoint, EndpointFailure, Progress, Sink, SinkError, SyncReport, SyncSettings, run};
