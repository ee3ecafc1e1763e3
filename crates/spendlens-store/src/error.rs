//! The store's one error type, grouped by what the user can do about it.
//!
//! The CLI maps these to exit codes and messages; the store never prints.

use std::path::PathBuf;

/// Everything that can go wrong opening, writing or querying the lake.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The lake was written by a newer spendlens: the user must upgrade to read it.
    #[error(
        "{path} was written by a newer spendlens (lake schema version {found}; this build reads up to {supported}): upgrade spendlens to use this data directory"
    )]
    NewerSchema { path: PathBuf, found: u64, supported: u64 },

    /// A lake file is damaged or is not what the layout promises: restore it, or delete it and
    /// ingest that source again.
    #[error("corrupt lake file {path}: {detail}")]
    Corrupt { path: PathBuf, detail: String },

    /// The operating system refused (permissions, a full disk, a missing mount).
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The caller handed the store something it cannot file: a bug in the calling crate.
    #[error("invalid input to the store: {detail}")]
    InvalidInput { detail: String },

    /// Encoding a Parquet file failed before anything was renamed into place.
    #[error("cannot encode {path}: {detail}")]
    Encode { path: PathBuf, detail: String },

    /// The query engine failed (DataFusion, with the `datafusion` feature): a bug in spendlens,
    /// unless the lake changed during the query.
    #[error("query on the lake failed ({context}): {source}")]
    Query {
        context: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// The query engine's runtime could not start (threads could not be spawned).
    #[error("cannot start the store's query runtime: {0}")]
    Runtime(#[source] std::io::Error),

    /// A write stopped on purpose between syncing its temporary file and renaming it, to simulate
    /// a crash in tests (see `Store::fail_next_write_before_rename`).
    #[doc(hidden)]
    #[error("injected failure: {path} was written and synced but not renamed into place")]
    InjectedFailure { path: PathBuf },
}

impl StoreError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        StoreError::Io { action, path: path.into(), source }
    }

    pub(crate) fn corrupt(path: impl Into<PathBuf>, detail: impl Into<String>) -> Self {
        StoreError::Corrupt { path: path.into(), detail: detail.into() }
    }

    #[cfg(feature = "datafusion")]
    pub(crate) fn query(context: &'static str, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        StoreError::Query { context, source: source.into() }
    }
}
