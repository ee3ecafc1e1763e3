//! Why a sync stopped. No variant ever holds the admin key.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("no admin key: set ANTHROPIC_ADMIN_KEY, or admin_key under [anthropic] in {config}")]
    NoKey { config: PathBuf },
    #[error("{endpoint}: the admin key was refused ({status}): check that it is an Admin API key (sk-ant-admin...) of this organisation")]
    Unauthorized { endpoint: String, status: u16 },
    /// 403: the key is good, but this endpoint is not open to it (a beta or plan feature the
    /// organisation lacks, or a permission the key lacks). Other endpoints go on.
    #[error(
        "{endpoint}: Anthropic refused this endpoint to this organisation or key (403: {message}); it may be a beta or plan feature not enabled here"
    )]
    Forbidden { endpoint: String, message: String },
    /// A 3xx: the admin key is never sent on to another address.
    #[error("{endpoint}: the server answered {status}, a redirect{}; the admin key is not sent on: check the base URL", location.as_ref().map(|to| format!(" to {to}")).unwrap_or_default())]
    Redirected { endpoint: String, status: u16, location: Option<String> },
    /// No attempt reached the server at all.
    #[error("{endpoint}: the Admin API could not be reached after {attempts} attempts: {last}")]
    Unreachable { endpoint: String, attempts: u32, last: String },
    /// Some endpoints failed and the others were stored (each failure was reported on its own).
    #[error("{} of the sync's endpoints failed ({}); the others were stored", failures.len(), failures.iter().map(|failure| failure.endpoint.as_str()).collect::<Vec<_>>().join(", "))]
    Incomplete { failures: Vec<crate::EndpointFailure> },
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

impl SyncError {
    /// Whether the error stops the whole sync: a missing or refused key, an unreachable or
    /// redirecting server and a store failure fail every endpoint alike. The others (a 403 or 404
    /// of one endpoint, bad data, a server that keeps failing one endpoint) fail only their
    /// endpoint, and the sync goes on with the rest.
    pub fn stops_the_sync(&self) -> bool {
        matches!(
            self,
            SyncError::NoKey { .. }
                | SyncError::Unauthorized { .. }
                | SyncError::Redirected { .. }
                | SyncError::Unreachable { .. }
                | SyncError::Sink(_)
                | SyncError::Settings(_)
                | SyncError::Incomplete { .. }
        )
    }

    /// Whether the answer was bad data (a page that never parsed), not a remote failure.
    pub fn is_bad_data(&self) -> bool {
        match self {
            SyncError::Ingest(_) => true,
            SyncError::Incomplete { failures } => failures.iter().any(|failure| failure.bad_data),
            _ => false,
        }
    }
}
