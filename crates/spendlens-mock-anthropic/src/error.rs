//! Why the mock could not load its data or start. Errors a client provokes over HTTP are answers
//! (401, 400, injected faults), never values of this type.

use std::path::PathBuf;

/// Why mock data could not be loaded or the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    /// A demo file or folder could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A demo file is not an Admin API page or listing.
    #[error("{path} is not an Admin API page: {reason}")]
    Page { path: PathBuf, reason: String },
    /// The data handed to the mock cannot be served (a bucket without times, mixed widths, ...).
    #[error("invalid mock data: {0}")]
    InvalidData(String),
    /// The server could not bind 127.0.0.1 or start its runtime or thread.
    #[error("cannot start the mock Admin API: {0}")]
    Start(#[source] std::io::Error),
}
