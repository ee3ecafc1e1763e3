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
    /// No bearer token, or one no configured person or collector holds.
    #[error("missing or unknown token (send Authorization: Bearer TOKEN)")]
    Unauthorized,
    /// A valid token sending what it may not: another person's lines, or a collector pushing.
    #[error("this token may send {allowed}, not {attempted}")]
    Forbidden { allowed: String, attempted: String },
    /// The body is larger than the route takes (checked before it is read).
    #[error("the body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// Too many requests at once, or the buffer of telemetry waiting to be stored is full: try
    /// again shortly (OTLP exporters do).
    #[error("busy: {detail}; try again shortly")]
    Busy { detail: &'static str },
    /// A dashboard or API request whose query string is wrong (the message names the parameter),
    /// or a question the application cannot answer as asked.
    #[error("bad request: {detail}")]
    Query { detail: String },
    /// A bind beyond loopback with no dashboard token: the dashboard and REST API would be open.
    #[error(
        "refusing to listen on {address}: beyond loopback the dashboard and REST API need a token; add [serve.dashboard_tokens] \
         (name = \"token\", at least 16 characters) to config.toml"
    )]
    OpenDashboard { address: String },
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

    /// Whether the fault is the server's (a 500: logged with its cause, never shown to the caller).
    pub fn is_server_side(&self) -> bool {
        self.status().is_server_error() && !matches!(self, ServerError::Busy { .. })
    }

    /// The error with every cause in its chain, for the server's log.
    pub fn with_causes(&self) -> String {
        let mut text = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(inner) = cause {
            let more = inner.to_string();
            if !text.contains(&more) {
                text.push_str(": ");
                text.push_str(&more);
            }
            cause = inner.source();
        }
        text
    }

    fn status(&self) -> StatusCode {
        match self {
            ServerError::UnsupportedMedia { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ServerError::Undecodable { .. } | ServerError::InvalidPush { .. } | ServerError::Decode(_) | ServerError::Query { .. } => {
                StatusCode::BAD_REQUEST
            }
            ServerError::Unauthorized => StatusCode::UNAUTHORIZED,
            ServerError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ServerError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ServerError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ServerError::Tokens { .. }
            | ServerError::OpenDashboard { .. }
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
        let body = if self.is_server_side() { "internal error\n".to_string() } else { format!("{self}\n") };
        let mut response = (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("2"));
        }
        response
    }
}
