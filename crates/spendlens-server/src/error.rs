//! The server's errors, grouped by what the caller can do about them, and the one place that
//! maps them to HTTP responses.

use std::path::PathBuf;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The body's content type is neither OTLP protobuf nor OTLP JSON (or it is compressed).
    #[error("unsupported content: {detail}")]
    UnsupportedMedia { detail: String },
    /// The body could not be decoded as the message its route and content type name.
    #[error("undecodable {what}: {detail}")]
    Undecodable { what: &'static str, detail: String },
    /// A push whose lines are not transcript usage lines, or are otherwise unusable.
    #[error("invalid push: {detail}")]
    InvalidPush { detail: String },
    /// No bearer token, or one no configured person holds.
    #[error("missing or unknown push token")]
    Unauthorized,
    /// A valid token pushing another person's lines.
    #[error("this token may push only {allowed}'s lines, not {attempted}'s")]
    Forbidden { allowed: String, attempted: String },
    /// The `[serve.tokens]` table is unusable (an empty or short token, a blank email).
    #[error("serve tokens: {detail}")]
    Tokens { detail: String },
    #[error(transparent)]
    Store(#[from] spendlens_store::StoreError),
    #[error(transparent)]
    App(#[from] spendlens_app::AppError),
    /// An OTLP body that does not decode as the message its route names.
    #[error(transparent)]
    Decode(#[from] spendlens_ingest::IngestError),
    /// A state file under the data directory could not be read or written.
    #[error("{action} {path}: {source}")]
    StateFile { action: &'static str, path: PathBuf, source: std::io::Error },
    #[error("cannot listen on {address}: {source}")]
    Listen { address: String, source: std::io::Error },
    /// The background task running a store write failed to complete.
    #[error("a store task failed: {detail}")]
    Task { detail: String },
    /// Client side of `spendlens push`: the request did not get through.
    #[error("pushing to {url}: {source}")]
    PushTransport { url: String, source: reqwest::Error },
    /// Client side of `spendlens push`: the server refused the push.
    #[error("the server at {url} answered {status}: {body}")]
    PushRefused { url: String, status: u16, body: String },
}

impl ServerError {
    pub(crate) fn undecodable(what: &'static str, detail: impl std::fmt::Display) -> Self {
        ServerError::Undecodable { what, detail: detail.to_string() }
    }

    fn status(&self) -> StatusCode {
        match self {
            ServerError::UnsupportedMedia { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ServerError::Undecodable { .. } | ServerError::InvalidPush { .. } | ServerError::Decode(_) => StatusCode::BAD_REQUEST,
            ServerError::Unauthorized => StatusCode::UNAUTHORIZED,
            ServerError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ServerError::Tokens { .. }
            | ServerError::Store(_)
            | ServerError::App(_)
            | ServerError::StateFile { .. }
            | ServerError::Listen { .. }
            | ServerError::Task { .. }
            | ServerError::PushTransport { .. }
            | ServerError::PushRefused { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The only mapping from errors to HTTP. Client errors say what was wrong; server errors say
/// nothing about the machine (paths, store details) to the caller.
impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = if status.is_server_error() { "internal error\n".to_string() } else { format!("{self}\n") };
        let mut response = (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        response
    }
}
