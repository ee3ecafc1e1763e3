//! The application layer's one error type, grouped by what the user can do about it. Faces map
//! it once: the CLI to exit codes, the server to HTTP statuses.

use std::path::PathBuf;

/// Why a use case could not answer.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad input data (a source file, a page, an org map, an invoice): the message names the file
    /// and the line or field; nothing was stored.
    #[error(transparent)]
    Ingest(#[from] spendlens_ingest::IngestError),
    /// The price book (embedded or the user's file) is unusable, or cannot price what was asked.
    #[error(transparent)]
    Price(#[from] spendlens_pricing::PriceError),
    /// The store failed (disk, permissions, a damaged lake file).
    #[error(transparent)]
    Store(#[from] spendlens_store::StoreError),
    /// The Admin API sync stopped.
    #[error(transparent)]
    Sync(#[from] spendlens_sync::SyncError),
    /// The demo organisation could not be generated or written.
    #[error(transparent)]
    Demo(#[from] spendlens_demo::DemoError),
    /// A settings file (`config.toml`) is unreadable or holds an unknown key.
    #[error("{path}: {detail}")]
    Config { path: PathBuf, detail: String },
    /// A file the user named, or one of spendlens's own state files, could not be read or written.
    #[error("{action} {path}: {source}")]
    File {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The request itself is wrong (a month that is not YYYY-MM, an empty ledger to report on, two
    /// open seats for one person): the message says what to do.
    #[error("{0}")]
    Invalid(String),
}

impl AppError {
    pub(crate) fn file(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        AppError::File { action, path: path.into(), source }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        AppError::Invalid(message.into())
    }
}
