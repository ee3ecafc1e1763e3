//! Why a sync stopped. No variant ever holds the admin key.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("no admin key: set ANTHROPIC_ADMIN_KEY, or admin_key under [anthropic] in {config}")]
    NoKey { config: PathBuf },
    #[error("{endpoint}: the admin key was refused ({status}): check that it is an Admin API key (sk-ant-admin...) of this organisation")]
    Unauthorized { endpoint: String, status: u16 },
    #[error("{endpoint}: Anthropic answered {status}: {message}")]
    Api { endpoint: String, status: u16, message: String },
    #[error("{endpoint}: gave up after {attempts} attempts; last: {last}")]
    GaveUp { endpoint: String, attempts: u32, last: String },
    #[error("{endpoint}: the API returned page token {token:?} twice; stopping instead of looping")]
    PageLoop { endpoint: String, token: String },
    #[error("{endpoint}: the API said more pages follow but gave no token to ask for them; nothing of this window was stored")]
    NoNextPage { endpoint: String },
    #[error("{0}")]
    Ingest(#[from] spendlens_ingest::IngestError),
    /// The sink could not keep a window or the cursors (a store or disk failure).
    #[error("{0}")]
    Sink(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("invalid sync settings: {0}")]
    Settings(String),
}
