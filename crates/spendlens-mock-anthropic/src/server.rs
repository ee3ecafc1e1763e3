//! The HTTP server: binding 127.0.0.1, the axum routes, authentication, fault injection, the
//! request log, and a shutdown on drop that is bounded so a test never hangs.
//!
//! Each request is answered in one order: authentication (401), then a beta endpoint's
//! `anthropic-beta` header (400), then faults (which count only requests that got this far), then
//! parameters (400), then the page. Every request to a known endpoint
//! is logged with the status it got, faults included; unknown paths get a 404 and are not logged.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use serde_json::{Value, json};
use tokio::sync::{Notify, oneshot};

use crate::data::{Catalog, MockData};
use crate::error::MockError;
use crate::fault::{Fault, FaultBoard, FaultKind};
use crate::page;
use crate::query::Parameters;

/// How long in-flight requests may finish after shutdown begins before they are dropped.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

/// An Admin API endpoint the mock serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `GET /v1/organizations/usage_report/messages`
    Usage,
    /// `GET /v1/organizations/cost_report`
    Cost,
    /// `GET /v1/organizations/usage_report/claude_code`
    ClaudeCode,
    /// `GET /v1/organizations/workspaces`
    Workspaces,
    /// `GET /v1/organizations/api_keys`
    ApiKeys,
    /// `GET /v1/organizations/users`
    Users,
    /// `GET /v1/organizations/analytics/usage` (beta: needs [`ANALYTICS_BETA`])
    AnalyticsUsage,
    /// `GET /v1/organizations/analytics/cost` (beta: needs [`ANALYTICS_BETA`])
    AnalyticsCost,
}

/// The `anthropic-beta` value the Usage and Cost Analytics API requires.
pub const ANALYTICS_BETA: &str = "analytics-usage-cost-2026-08-24";

impl Endpoint {
    /// Every endpoint.
    pub const ALL: [Endpoint; 8] = [
        Endpoint::Usage,
        Endpoint::Cost,
        Endpoint::ClaudeCode,
        Endpoint::Workspaces,
        Endpoint::ApiKeys,
        Endpoint::Users,
        Endpoint::AnalyticsUsage,
        Endpoint::AnalyticsCost,
    ];

    /// The URL path, as the real API spells it.
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Usage => "/v1/organizations/usage_report/messages",
            Endpoint::Cost => "/v1/organizations/cost_report",
            Endpoint::ClaudeCode => "/v1/organizations/usage_report/claude_code",
            Endpoint::Workspaces => "/v1/organizations/workspaces",
            Endpoint::ApiKeys => "/v1/organizations/api_keys",
            Endpoint::Users => "/v1/organizations/users",
            Endpoint::AnalyticsUsage => "/v1/organizations/analytics/usage",
            Endpoint::AnalyticsCost => "/v1/organizations/analytics/cost",
        }
    }

    /// The `anthropic-beta` value a request must carry, for beta endpoints.
    pub fn beta(self) -> Option<&'static str> {
        match self {
            Endpoint::AnalyticsUsage | Endpoint::AnalyticsCost => Some(ANALYTICS_BETA),
            _ => None,
        }
    }
}

/// How the mock behaves.
#[derive(Clone, PartialEq, Eq)]
pub struct MockConfig {
    /// The only `x-api-key` accepted.
    pub admin_key: String,
}

impl MockConfig {
    /// A configuration accepting `admin_key`.
    pub fn new(admin_key: impl Into<String>) -> MockConfig {
        MockConfig { admin_key: admin_key.into() }
    }
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig::new("sk-ant-admin01-spendlens-mock-key")
    }
}

/// The key is a secret even in a mock: it never appears in logs or panics.
impl std::fmt::Debug for MockConfig {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("MockConfig").field("admin_key", &"[redacted]").finish()
    }
}

/// One request the mock received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub endpoint: Endpoint,
    /// The query string as sent (still percent-encoded), empty when there was none.
    pub query: String,
    /// The status the mock answered with.
    pub status: u16,
}

/// What the handlers share: the data (read-only) and the log and faults (behind a mutex).
struct Shared {
    catalog: Catalog,
    config: MockConfig,
    state: Mutex<MutableState>,
}

#[derive(Default)]
struct MutableState {
    log: Vec<RecordedRequest>,
    faults: FaultBoard,
}

impl Shared {
    /// The mutable state; a handler that panicked holding it leaves it usable.
    fn state(&self) -> MutexGuard<'_, MutableState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A running mock Admin API on `127.0.0.1`. Dropping it stops the server.
pub struct MockAdminApi {
    address: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for MockAdminApi {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("MockAdminApi").field("address", &self.address).finish_non_exhaustive()
    }
}

impl MockAdminApi {
    /// Checks `data`, binds a free port on 127.0.0.1 and serves it from a background thread.
    pub fn start(data: MockData, config: MockConfig) -> Result<MockAdminApi, MockError> {
        let shared = Arc::new(Shared { catalog: Catalog::new(data)?, config, state: Mutex::new(MutableState::default()) });
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(MockError::Start)?;
        listener.set_nonblocking(true).map_err(MockError::Start)?;
        let address = listener.local_addr().map_err(MockError::Start)?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(MockError::Start)?;
        let router = router(Arc::clone(&shared));
        let (shutdown, signal) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("mock-admin-api-{}", address.port()))
            .spawn(move || {
                runtime.block_on(serve(listener, router, signal));
                runtime.shutdown_timeout(Duration::from_millis(100));
            })
            .map_err(MockError::Start)?;
        Ok(MockAdminApi { address, shared, shutdown: Some(shutdown), thread: Some(thread) })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The socket the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Requests received by `endpoint` so far, whatever their answer.
    pub fn requests(&self, endpoint: Endpoint) -> u64 {
        self.shared.state().log.iter().filter(|request| request.endpoint == endpoint).count() as u64
    }

    /// Requests received by every endpoint so far.
    pub fn total_requests(&self) -> u64 {
        self.shared.state().log.len() as u64
    }

    /// Every request received so far, in arrival order.
    pub fn request_log(&self) -> Vec<RecordedRequest> {
        self.shared.state().log.clone()
    }

    /// Forgets the requests received so far (counts restart at zero).
    pub fn clear_request_log(&self) {
        self.shared.state().log.clear();
    }

    /// Replaces the faults in force; their triggers count requests from now on.
    pub fn set_faults(&self, faults: Vec<Fault>) {
        self.shared.state().faults.set(faults);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.set_faults(Vec::new());
    }
}

impl Drop for MockAdminApi {
    /// Stops accepting at once, lets in-flight requests finish for up to [`SHUTDOWN_GRACE`], then
    /// drops them; returns when the listener is closed.
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Serves until `signal`, then shuts down gracefully for at most [`SHUTDOWN_GRACE`].
async fn serve(listener: TcpListener, router: Router, signal: oneshot::Receiver<()>) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    let stopping = Arc::new(Notify::new());
    let stopping_signal = Arc::clone(&stopping);
    let server = axum::serve(listener, router).with_graceful_shutdown(async move {
        let _ = signal.await;
        stopping_signal.notify_one();
    });
    let deadline = async move {
        stopping.notified().await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        _ = server => {}
        () = deadline => {}
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Endpoint::ALL
        .into_iter()
        .fold(Router::new(), |router, endpoint| router.route(endpoint.path(), route(endpoint)))
        .fallback(not_found)
        .with_state(shared)
}

fn route(endpoint: Endpoint) -> MethodRouter<Arc<Shared>> {
    get(move |State(shared): State<Arc<Shared>>, headers: HeaderMap, uri: Uri| handle(shared, endpoint, headers, uri))
}

async fn not_found() -> Response {
    Reply::error(StatusCode::NOT_FOUND, "not_found_error", "Not found").into_response()
}

async fn handle(shared: Arc<Shared>, endpoint: Endpoint, headers: HeaderMap, uri: Uri) -> Response {
    let reply = answer(&shared, endpoint, &headers, &uri).await;
    let query = uri.query().unwrap_or_default().to_string();
    shared.state().log.push(RecordedRequest { endpoint, query, status: reply.status.as_u16() });
    reply.into_response()
}

async fn answer(shared: &Shared, endpoint: Endpoint, headers: &HeaderMap, uri: &Uri) -> Reply {
    if let Err(reply) = authenticate(&shared.config, headers) {
        return reply;
    }
    if let Err(reply) = check_beta(endpoint, headers) {
        return reply;
    }
    let fault = shared.state().faults.next(endpoint);
    match fault {
        Some(FaultKind::RateLimited { retry_after_seconds }) => {
            let mut reply =
                Reply::error(StatusCode::TOO_MANY_REQUESTS, "rate_limit_error", "Number of requests has exceeded your rate limit");
            reply.retry_after = Some(retry_after_seconds);
            return reply;
        }
        Some(FaultKind::ServerError { status }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return if status.as_u16() == 529 {
                Reply::error(status, "overloaded_error", "Overloaded")
            } else {
                Reply::error(status, "api_error", "Internal server error")
            };
        }
        Some(FaultKind::Slow { delay_ms }) => tokio::time::sleep(Duration::from_millis(delay_ms)).await,
        Some(FaultKind::NotAPage) => {
            return Reply {
                status: StatusCode::OK,
                body: json!({ "data": "not a list", "has_more": false }).to_string(),
                location: None,
                retry_after: None,
            };
        }
        Some(FaultKind::Redirect { port }) => {
            let target = format!("http://127.0.0.1:{port}{}", uri.path_and_query().map_or("/", |whole| whole.as_str()));
            return Reply { status: StatusCode::TEMPORARY_REDIRECT, body: String::new(), location: Some(target), retry_after: None };
        }
        Some(FaultKind::Truncated | FaultKind::LoopingPageToken | FaultKind::MoreWithoutToken) | None => {}
    }
    let looping = fault == Some(FaultKind::LoopingPageToken);
    let mut reply = match Parameters::from_uri(uri).and_then(|parameters| page::answer(&shared.catalog, endpoint, &parameters, looping)) {
        Ok(mut body) => {
            if fault == Some(FaultKind::MoreWithoutToken) {
                body["has_more"] = json!(true);
                for cursor in ["next_page", "last_id"] {
                    if body.get(cursor).is_some() {
                        body[cursor] = Value::Null;
                    }
                }
            }
            Reply { status: StatusCode::OK, body: body.to_string(), location: None, retry_after: None }
        }
        Err(bad) => Reply::error(StatusCode::BAD_REQUEST, "invalid_request_error", &bad.0),
    };
    if fault == Some(FaultKind::Truncated) {
        let mut half = reply.body.len() / 2;
        while !reply.body.is_char_boundary(half) {
            half -= 1;
        }
        reply.body.truncate(half);
    }
    reply
}

/// The admin key and an `anthropic-version` header, or a 401 that never repeats the key sent.
fn authenticate(config: &MockConfig, headers: &HeaderMap) -> Result<(), Reply> {
    let unauthorised = |message: &str| Err(Reply::error(StatusCode::UNAUTHORIZED, "authentication_error", message));
    match headers.get("x-api-key") {
        None => return unauthorised("x-api-key header is required"),
        Some(key) if key.as_bytes() != config.admin_key.as_bytes() => return unauthorised("invalid x-api-key"),
        Some(_) => {}
    }
    if headers.get("anthropic-version").is_none_or(|version| version.is_empty()) {
        return unauthorised("anthropic-version header is required");
    }
    Ok(())
}

/// A beta endpoint's `anthropic-beta` header (comma-separated, possibly repeated), or a 400 as the
/// API gives for a beta feature requested without its header.
fn check_beta(endpoint: Endpoint, headers: &HeaderMap) -> Result<(), Reply> {
    let Some(beta) = endpoint.beta() else {
        return Ok(());
    };
    let sent = headers
        .get_all("anthropic-beta")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|value| value.trim() == beta);
    if sent {
        return Ok(());
    }
    let message = format!("anthropic-beta: {} is in beta: send the header `anthropic-beta: {beta}`", endpoint.path());
    Err(Reply::error(StatusCode::BAD_REQUEST, "invalid_request_error", &message))
}

/// An answer before it becomes an HTTP response.
struct Reply {
    status: StatusCode,
    body: String,
    /// `Location`, for a redirect.
    location: Option<String>,
    retry_after: Option<u64>,
}

impl Reply {
    /// Anthropic's error shape: `{"type": "error", "error": {"type", "message"}}`.
    fn error(status: StatusCode, kind: &str, message: &str) -> Reply {
        let body = json!({ "type": "error", "error": { "type": kind, "message": message } });
        Reply { status, body: body.to_string(), location: None, retry_after: None }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body).into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(location) = self.location.and_then(|location| HeaderValue::from_str(&location).ok()) {
            headers.insert(axum::http::header::LOCATION, location);
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
