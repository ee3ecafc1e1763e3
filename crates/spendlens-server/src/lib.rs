//! spendlens server: `spendlens serve`. Two jobs on one listener:
//!
//! - an **OpenTelemetry receiver** for Claude Code: OTLP over HTTP, `POST /v1/logs` and
//!   `POST /v1/metrics`, in protobuf (`application/x-protobuf`) or JSON (`application/json`), as
//!   Claude Code sends them with `OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf` or `http/json`.
//!   `claude_code.api_request` events become usage lines and the activity counters become
//!   activity lines, both under source `otel` (see `spendlens_ingest::otel` for the mapping and
//!   [`pending`] for buffering, merging and the state files);
//! - a **team push endpoint**, `POST /v1/push`, where people send their transcript-derived usage
//!   lines with a personal token (see [`push`]).
//!
//! Every writing route needs a bearer token ([`ServeTokens`]): a person's token
//! (their telemetry is theirs, whatever `user.email` it names) or a team-wide collector token
//! (telemetry whose `user.email` says whose it is; no push). The token is checked before the body
//! is read; bodies are limited by their declared length before reading and by what arrives while
//! reading; at most [`ServeSettings::max_requests`] are served at once and the buffer waiting for a
//! flush is bounded ([`pending::Limits`]), both answering 503 with `Retry-After` when
//! full; telemetry timed far from now is refused ([`ServeSettings::accept_back`]). Every 500 is
//! logged through [`ServeSettings::notify`] with its cause.
//!
//! Answers follow OTLP/HTTP: 200 with an empty `Export*ServiceResponse` in the request's encoding,
//! 400 for a body that does not decode, 415 for any other content type (or a compressed body).
//! Accepted telemetry is buffered and stored every `flush_interval` and on shutdown: a crash loses
//! at most one interval, which Claude Code's exporters do not resend.
//!
//! This crate owns HTTP (routes, authentication, limits) and the push protocol; OTLP's wire format
//! and meaning live in `spendlens_ingest::otel`, and every store write goes through the
//! application layer (`spendlens-app`: the merge rule, activity counts). It does not read settings
//! files (the CLI resolves them and hands over tokens).
//! It never imports the gateway.
//!
//! The same listener serves the **dashboard** and its **REST API** ([`dashboard`]), read-only,
//! behind readers' tokens of their own ([`dashboard::DashboardTokens`]); a bind beyond loopback
//! without one is refused.

pub mod dashboard;
mod error;
pub mod pending;
pub mod push;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::{DateTime, Utc};
use spendlens_app::App;
use tokio::net::TcpListener;

pub use dashboard::DashboardTokens;
pub use error::ServerError;
pub use pending::FlushSummary;
pub use push::{Holder, PushClient, PushReply, PushRequest, ServeTokens, Token};

use crate::pending::{Batch, Pending};
use spendlens_ingest::otel::{self, Encoding};

/// Largest push body (a push of [`push::LINES_PER_REQUEST`] lines is well under it).
pub const PUSH_BODY_LIMIT: usize = 32 * 1024 * 1024;

/// Largest OTLP body: Claude Code's exporters send batches of at most a few hundred records.
pub const OTLP_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// Requests served at once; more get 503 with `Retry-After`.
pub const MAX_CONCURRENT_REQUESTS: usize = 32;

/// Called with a line of news (a flush failed, a record was skipped, a 500). Never given a token.
pub type Notify = Arc<dyn Fn(&str) + Send + Sync>;

/// What `spendlens serve` runs with.
#[derive(Clone)]
pub struct ServeSettings {
    /// Where the state files live (the lake's data directory).
    pub data_dir: PathBuf,
    pub tokens: ServeTokens,
    /// Who reads the dashboard and the REST API (none: every dashboard request gets 401, and a
    /// bind beyond loopback is refused).
    pub dashboard: DashboardTokens,
    /// How often buffered telemetry is stored.
    pub flush_interval: Duration,
    pub notify: Notify,
    /// The clock telemetry times are judged by (the system clock; tests set their own).
    pub clock: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
    /// Telemetry timed more than this before now is refused (default 7 days).
    pub accept_back: chrono::Duration,
    /// ... or more than this after now (default 1 day: clock skew).
    pub accept_ahead: chrono::Duration,
    /// Requests served at once (default [`MAX_CONCURRENT_REQUESTS`]).
    pub max_requests: usize,
    /// What the buffer waiting for a flush may hold.
    pub limits: pending::Limits,
}

impl ServeSettings {
    pub fn new(data_dir: PathBuf, tokens: ServeTokens) -> ServeSettings {
        ServeSettings {
            data_dir,
            tokens,
            dashboard: DashboardTokens::default(),
            flush_interval: Duration::from_secs(2),
            notify: Arc::new(|_| {}),
            clock: Arc::new(Utc::now),
            accept_back: chrono::Duration::days(7),
            accept_ahead: chrono::Duration::days(1),
            max_requests: MAX_CONCURRENT_REQUESTS,
            limits: pending::Limits::default(),
        }
    }

    fn window(&self) -> otel::Window {
        otel::Window::around((self.clock)(), self.accept_back, self.accept_ahead)
    }
}

struct Shared {
    app: Arc<App>,
    settings: ServeSettings,
    pending: Mutex<Pending>,
    /// One store write (flush or push) at a time: each reads days, merges and replaces them.
    writes: tokio::sync::Mutex<()>,
    /// Requests being served.
    slots: tokio::sync::Semaphore,
    /// The dashboard's answers, kept while the data is unchanged.
    dashboard: Arc<dashboard::Cache>,
}

/// A bound server, not yet serving.
pub struct Server {
    listener: TcpListener,
    state: Arc<Shared>,
}

/// Stores buffered telemetry on demand (the server also does so on its timer and on shutdown).
#[derive(Clone)]
pub struct Flusher(Arc<Shared>);

impl Flusher {
    pub async fn flush(&self) -> Result<FlushSummary, ServerError> {
        flush(&self.0).await
    }
}

impl Server {
    /// Binds `address` and loads the state files from the data directory. Beyond loopback, the
    /// dashboard needs a token: without one this refuses to listen.
    pub async fn bind(address: SocketAddr, app: Arc<App>, settings: ServeSettings) -> Result<Server, ServerError> {
        if !address.ip().is_loopback() && settings.dashboard.is_empty() {
            return Err(ServerError::OpenDashboard { address: address.to_string() });
        }
        let pending = Pending::load(&settings.data_dir, settings.limits)?;
        let listener = TcpListener::bind(address).await.map_err(|source| ServerError::Listen { address: address.to_string(), source })?;
        let slots = tokio::sync::Semaphore::new(settings.max_requests.max(1));
        let dashboard = Arc::new(dashboard::Cache::new(settings.data_dir.clone()));
        let state = Arc::new(Shared { app, settings, pending: Mutex::new(pending), writes: tokio::sync::Mutex::new(()), slots, dashboard });
        Ok(Server { listener, state })
    }

    pub fn local_address(&self) -> Result<SocketAddr, ServerError> {
        self.listener.local_addr().map_err(|source| ServerError::Listen { address: "the bound socket".into(), source })
    }

    pub fn flusher(&self) -> Flusher {
        Flusher(self.state.clone())
    }

    /// Serves until `shutdown` completes, flushing on the timer; then stops taking requests, lets
    /// those in flight finish and flushes a last time.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), ServerError> {
        let app = self.state.clone();
        let ticker = tokio::spawn({
            let app = app.clone();
            async move {
                // The first tick is one interval from now (a plain `interval` fires at once, storing
                // whatever the first requests brought before anyone asked).
                let period = app.settings.flush_interval;
                let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
                interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    interval.tick().await;
                    if let Err(error) = flush(&app).await {
                        (app.settings.notify)(&format!("storing telemetry failed (kept for the next try): {error}"));
                    }
                }
            }
        });
        let warming = tokio::spawn(dashboard::warm(app.clone()));
        let served = axum::serve(self.listener, router(app.clone())).with_graceful_shutdown(shutdown).await;
        ticker.abort();
        warming.abort();
        let flushed = flush(&app).await;
        served.map_err(|source| ServerError::Listen { address: "the listener".into(), source })?;
        flushed.map(|_| ())
    }
}

/// Binds `address`, tells `ready` where it listens, and serves on a runtime of its own until Ctrl-C
/// or SIGTERM; then stores what is buffered. What `spendlens serve` runs.
pub fn serve_until_interrupted(
    address: SocketAddr,
    app: Arc<App>,
    settings: ServeSettings,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServerError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|source| ServerError::Listen { address: "a runtime for the server".into(), source })?;
    runtime.block_on(async move {
        let server = Server::bind(address, app, settings).await?;
        ready(server.local_address()?);
        server.run(until_interrupted()).await
    })
}

/// Resolves on Ctrl-C or SIGTERM: what `spendlens serve` waits for.
pub async fn until_interrupted() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! { _ = interrupt => {}, _ = terminate => {} }
    }
    #[cfg(not(unix))]
    interrupt.await;
}

fn router(app: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/logs", post(logs))
        .route("/v1/metrics", post(metrics))
        .route("/v1/push", post(push_lines))
        .merge(dashboard::routes())
        .with_state(app)
}

async fn logs(State(app): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
    let outcome = receive_logs(&app, &headers, body).await;
    answer(&app, "/v1/logs", outcome)
}

async fn metrics(State(app): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
    let outcome = receive_metrics(&app, &headers, body).await;
    answer(&app, "/v1/metrics", outcome)
}

async fn push_lines(State(app): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
    let outcome = receive_push(&app, &headers, body).await;
    answer(&app, "/v1/push", outcome)
}

/// The response; a server-side failure is logged with its cause (the caller sees only "internal
/// error").
fn answer(app: &Shared, route: &str, outcome: Result<Response, ServerError>) -> Response {
    outcome.unwrap_or_else(|error| {
        if error.is_server_side() {
            (app.settings.notify)(&format!("POST {route} failed (500): {}", error.with_causes()));
        }
        error.into_response()
    })
}

/// Who sent the request, from its bearer token (401 without a known one).
fn caller<'a>(app: &'a Shared, headers: &HeaderMap) -> Result<Holder<'a>, ServerError> {
    headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
        .map(str::trim)
        .and_then(|token| app.settings.tokens.holder(token))
        .ok_or(ServerError::Unauthorized)
}

/// The body, refused with 413 when its declared length or what arrives passes `limit`.
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, ServerError> {
    let declared = headers.get(CONTENT_LENGTH).and_then(|value| value.to_str().ok()).and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(ServerError::PayloadTooLarge { limit });
    }
    axum::body::to_bytes(body, limit).await.map_err(|error| {
        let too_large = std::error::Error::source(&error).is_some_and(|cause| cause.is::<http_body_util::LengthLimitError>());
        if too_large { ServerError::PayloadTooLarge { limit } } else { ServerError::undecodable("request body", error) }
    })
}

/// A slot among the requests served at once (503 when all are taken).
fn slot(app: &Shared) -> Result<tokio::sync::SemaphorePermit<'_>, ServerError> {
    app.slots.try_acquire().map_err(|_| ServerError::Busy { detail: "too many requests at once" })
}

async fn receive_logs(app: &Shared, headers: &HeaderMap, body: Body) -> Result<Response, ServerError> {
    let _slot = slot(app)?;
    let holder = caller(app, headers)?;
    let encoding = encoding_of(headers)?;
    let body = read_body(headers, body, OTLP_BODY_LIMIT).await?;
    let request = otel::decode_logs(encoding, &body)?;
    let mut events = otel::api_requests(&request, &app.settings.window());
    if let Holder::Person(email) = holder {
        // A person's token: the telemetry is theirs, whatever `user.email` it names.
        for line in &mut events.lines {
            line.identity.actor_email = Some(email.to_string());
        }
        events.attributes.iter_mut().for_each(|(someone, _)| email.clone_into(someone));
    }
    report(app, &events.problems);
    {
        let mut pending = lock(&app.pending);
        pending.make_room(events.lines.len(), events.attributes.len())?;
        events.lines.into_iter().for_each(|line| pending.add_line(line));
        events.attributes.into_iter().for_each(|(email, seen)| pending.add_attributes(email, seen));
    }
    Ok(otlp_ok(encoding, otel::logs_response(encoding)))
}

async fn receive_metrics(app: &Shared, headers: &HeaderMap, body: Body) -> Result<Response, ServerError> {
    let _slot = slot(app)?;
    let holder = caller(app, headers)?;
    let encoding = encoding_of(headers)?;
    let body = read_body(headers, body, OTLP_BODY_LIMIT).await?;
    let request = otel::decode_metrics(encoding, &body)?;
    let window = app.settings.window();
    let problems = {
        let mut pending = lock(&app.pending);
        // Each data point adds at most one person-day and one person's attributes.
        pending.make_room(0, otel::data_points(&request))?;
        let mut activity = otel::activity(&request, &mut pending.counters, &window);
        if let Holder::Person(email) = holder {
            let mut mine = std::collections::BTreeMap::new();
            for ((_, day), counts) in std::mem::take(&mut activity.counts) {
                mine.entry((Some(email.to_string()), day)).or_insert_with(otel::ActivityCounts::default).add(&counts);
            }
            activity.counts = mine;
            activity.attributes.iter_mut().for_each(|(someone, _)| email.clone_into(someone));
        }
        pending.counters_changed = true;
        for (key, counts) in activity.counts {
            pending.activity.entry(key).or_default().add(&counts);
        }
        activity.attributes.into_iter().for_each(|(email, seen)| pending.add_attributes(email, seen));
        activity.problems
    };
    report(app, &problems);
    Ok(otlp_ok(encoding, otel::metrics_response(encoding)))
}

async fn receive_push(app: &Shared, headers: &HeaderMap, body: Body) -> Result<Response, ServerError> {
    let _slot = slot(app)?;
    // Authenticate before looking at the body: an unknown caller learns nothing about it.
    let holder = caller(app, headers)?;
    if matches!(holder, Holder::Collector(_)) {
        return Err(ServerError::Forbidden { allowed: "telemetry only (a collector token)".into(), attempted: "a push".into() });
    }
    let body = read_body(headers, body, PUSH_BODY_LIMIT).await?;
    let request = spendlens_ingest::push::read_request("push request", &body)?;
    let email = push::authorise(holder, &request)?;
    let _write = app.writes.lock().await;
    let application = app.app.clone();
    let reply = tokio::task::spawn_blocking(move || push::store_push(&application, &email, request.lines))
        .await
        .map_err(|error| ServerError::Task { detail: error.to_string() })??;
    Ok((StatusCode::OK, axum::Json(reply)).into_response())
}

/// The OTLP encoding the request's headers name (415 otherwise).
fn encoding_of(headers: &HeaderMap) -> Result<Encoding, ServerError> {
    let value = |name| headers.get(name).map(|value: &axum::http::HeaderValue| value.to_str().unwrap_or(""));
    Encoding::of(value(CONTENT_TYPE), value(axum::http::header::CONTENT_ENCODING))
        .map_err(|detail| ServerError::UnsupportedMedia { detail })
}

fn otlp_ok(encoding: Encoding, body: Vec<u8>) -> Response {
    (StatusCode::OK, [(CONTENT_TYPE, encoding.content_type())], body).into_response()
}

fn report(app: &Shared, problems: &[String]) {
    for problem in problems.iter().take(5) {
        (app.settings.notify)(problem);
    }
    if problems.len() > 5 {
        (app.settings.notify)(&format!("... and {} more skipped records", problems.len() - 5));
    }
}

/// The buffer guards plain data: a panic elsewhere leaves nothing half-written, so a poisoned
/// lock is taken as it is.
fn lock(pending: &Mutex<Pending>) -> std::sync::MutexGuard<'_, Pending> {
    pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn flush(app: &Arc<Shared>) -> Result<FlushSummary, ServerError> {
    let _write = app.writes.lock().await;
    let batch = lock(&app.pending).take();
    if batch.is_empty() {
        return Ok(FlushSummary::default());
    }
    let (application, data_dir) = (app.app.clone(), app.settings.data_dir.clone());
    let outcome = tokio::task::spawn_blocking(move || {
        let mut batch = batch;
        let result = pending::store_batch(&application, &data_dir, &mut batch);
        (batch, result)
    })
    .await;
    match outcome {
        Ok((_, Ok(summary))) => Ok(summary),
        Ok((batch, Err(error))) => {
            put_back(app, batch);
            Err(error)
        }
        Err(error) => Err(ServerError::Task { detail: error.to_string() }),
    }
}

fn put_back(app: &Shared, batch: Batch) {
    lock(&app.pending).put_back(batch);
}
