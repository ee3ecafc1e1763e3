//! The dashboard and its REST API, served by `spendlens serve` beside the writers' routes.
//!
//! Pages (`GET /`, `/claude-code`, `/api`, `/savings`, `/forecast`, `/spikes`,
//! `/reconciliation`, `/ledger`) are HTML rendered on the server with inline SVG charts, a
//! stylesheet and a small script of this crate's own: nothing is fetched from elsewhere, and the
//! pages work offline and without the script. Filters live in the address ([`query`]); every table
//! exports to CSV at `/csv/{page}/{table}?filters`. The REST API (`GET /api/v1/...`, described by
//! `/api/v1/openapi.json`, the file `docs/openapi.json`) answers with the application's typed
//! views serialised by `views::to_json`: `/api/v1/report?month=YYYY-MM` is byte for byte what
//! `spendlens report --month YYYY-MM --json` prints, and `/api/v1/commit?discount=15&term=12` what
//! `spendlens commit --discount 15 --term 12 --json` prints.
//!
//! Every dashboard route needs a reader's token ([`auth`]); a bind beyond loopback without one is
//! refused at start ([`crate::Server::bind`]). Answers are kept between requests while the data
//! directory is unchanged ([`cache`]), so a page is served in milliseconds once its answer is made.
//!
//! This module owns HTTP and layout; every figure comes from the application layer.

pub mod auth;
mod cache;
pub mod pages;
pub mod query;
mod render;
mod svg;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub use auth::DashboardTokens;
pub(crate) use cache::Cache;
use pages::Answers;
use query::{Filters, RawQuery};
use render::Page;

use crate::{ServerError, Shared};

/// The OpenAPI description of the REST API: `docs/openapi.json`, embedded.
pub const OPENAPI: &str = include_str!("../../../../docs/openapi.json");
const STYLESHEET: &str = include_str!("dashboard.css");
const SCRIPT: &str = include_str!("dashboard.js");

/// What the pages may load: this server's own stylesheet and script, nothing else.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The dashboard's routes, to merge with the writers'.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/", get(|state, headers, uri, query| page(state, headers, uri, query, "overview")))
        .route("/{page}", get(named_page))
        .route("/csv/{page}/{table}", get(csv))
        .route("/api/v1/{endpoint}", get(api))
        .route("/assets/dashboard.css", get(|| async { asset("text/css; charset=utf-8", STYLESHEET) }))
        .route("/assets/dashboard.js", get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(CONTENT_TYPE, content_type), (CACHE_CONTROL, "no-cache")], body).into_response()
}

async fn named_page(
    State(state): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    query: Query<RawQuery>,
    UrlPath(name): UrlPath<String>,
) -> Response {
    match render::PAGES.iter().find(|(slug, ..)| *slug == name && *slug != "overview") {
        Some((slug, ..)) => page(State(state), headers, uri, query, slug).await,
        None => (StatusCode::NOT_FOUND, "no such page\n").into_response(),
    }
}

/// Who may see this: `Ok(None)` lets the request through, `Ok(Some(response))` answers it (the
/// redirect that turns `?token=` into the session cookie), `Err` is a 401.
fn admit(state: &Shared, headers: &HeaderMap, uri: &Uri) -> Result<Option<Response>, ServerError> {
    let tokens = &state.settings.dashboard;
    let query = uri.query().unwrap_or("");
    if let Some(presented) = auth::token_in(query) {
        if !tokens.admits(&presented) {
            return Err(ServerError::Unauthorized);
        }
        let rest = auth::without_token(query);
        let location = if rest.is_empty() { uri.path().to_string() } else { format!("{}?{rest}", uri.path()) };
        let mut response = StatusCode::SEE_OTHER.into_response();
        let headers = response.headers_mut();
        headers.insert(SET_COOKIE, HeaderValue::from_str(&auth::session_cookie(&presented)).map_err(|_| ServerError::Unauthorized)?);
        headers.insert(
            LOCATION,
            HeaderValue::from_str(&location).map_err(|_| ServerError::Query { detail: "the address is not valid".into() })?,
        );
        return Ok(Some(secured(response)));
    }
    if tokens.admits_request(headers) { Ok(None) } else { Err(ServerError::Unauthorized) }
}

/// Headers every dashboard answer carries.
fn secured(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert("content-security-policy", HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.entry(CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    response
}

/// The answer to a dashboard request; errors are logged when they are the server's.
fn reply(state: &Shared, route: &str, outcome: Result<Response, ServerError>) -> Response {
    secured(outcome.unwrap_or_else(|error| {
        if error.is_server_side() {
            (state.settings.notify)(&format!("GET {route} failed (500): {}", error.with_causes()));
        }
        error.into_response()
    }))
}

fn answers(state: &Shared) -> Answers {
    Answers { app: state.app.clone(), cache: state.dashboard.clone() }
}

async fn build(state: &Shared, slug: &str, filters: &Filters) -> Result<Page, ServerError> {
    let answers = answers(state);
    match slug {
        "claude-code" => pages::claude_code(&answers, filters).await,
        "api" => pages::api(&answers, filters).await,
        "savings" => pages::savings(&answers, filters).await,
        "forecast" => pages::forecast(&answers, filters).await,
        "spikes" => pages::spikes(&answers, filters).await,
        "reconciliation" => pages::reconciliation(&answers, filters).await,
        "ledger" => pages::ledger(&answers, filters).await,
        _ => pages::overview(&answers, filters).await,
    }
}

async fn page(State(state): State<Arc<Shared>>, headers: HeaderMap, uri: Uri, Query(raw): Query<RawQuery>, slug: &'static str) -> Response {
    let outcome = async {
        if let Some(redirect) = admit(&state, &headers, &uri)? {
            return Ok(redirect);
        }
        let _slot = crate::slot(&state)?;
        let filters = Filters::from_raw(&raw)?;
        let page = build(&state, slug, &filters).await?;
        Ok(([(CONTENT_TYPE, "text/html; charset=utf-8")], render::html(&page, &filters)).into_response())
    }
    .await;
    match outcome {
        Err(ServerError::Unauthorized) => secured(unauthorised_page()),
        other => reply(&state, uri.path(), other),
    }
}

fn unauthorised_page() -> Response {
    let body = r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>spendlens: sign in</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/dashboard.css"></head><body><main id="main"><h1>This dashboard needs its token</h1><p>Open the link <code>spendlens serve</code> printed when it started (it ends in <code>?token=…</code>), or add <code>?token=TOKEN</code> with a token from <code>[serve.dashboard_tokens]</code> in the server's <code>config.toml</code>. The browser keeps it for the session.</p></main></body></html>"#;
    let mut response = (StatusCode::UNAUTHORIZED, [(CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
    response.headers_mut().insert(axum::http::header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

async fn csv(
    State(state): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    Query(raw): Query<RawQuery>,
    UrlPath((slug, table)): UrlPath<(String, String)>,
) -> Response {
    let outcome = async {
        if let Some(redirect) = admit(&state, &headers, &uri)? {
            return Ok(redirect);
        }
        let _slot = crate::slot(&state)?;
        let filters = Filters::from_raw(&raw)?;
        let Some((slug, ..)) = render::PAGES.iter().find(|(known, ..)| *known == slug) else {
            return Ok((StatusCode::NOT_FOUND, "no such page\n").into_response());
        };
        let page = build(&state, slug, &filters).await?;
        let found = page.blocks.iter().find_map(|block| match block {
            render::Block::Table(found) if found.id == table => Some(found),
            _ => None,
        });
        let Some(found) = found else { return Ok((StatusCode::NOT_FOUND, "no such table on this page\n").into_response()) };
        let name = format!("attachment; filename=\"spendlens-{slug}-{}.csv\"", found.id);
        let disposition = HeaderValue::from_str(&name).unwrap_or(HeaderValue::from_static("attachment"));
        Ok(([(CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")), (CONTENT_DISPOSITION, disposition)], render::csv(found))
            .into_response())
    }
    .await;
    reply(&state, uri.path(), outcome)
}

/// `GET /api/v1/{endpoint}`: the application's views as the CLI prints them.
async fn api(
    State(state): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    Query(raw): Query<RawQuery>,
    UrlPath(endpoint): UrlPath<String>,
) -> Response {
    let started = std::time::Instant::now();
    let outcome = async {
        if raw.token.is_some() {
            // The API takes its token as a bearer header (or the browser's cookie), never in the address.
            return Err(ServerError::Query { detail: "send the token as Authorization: Bearer TOKEN, not in the address".into() });
        }
        admit(&state, &headers, &uri)?;
        let _slot = crate::slot(&state)?;
        let filters = Filters::from_raw(&raw)?;
        let json = api_json(&state, &endpoint, &filters).await?;
        // The server's own time for the answer, for benchmarks (`Server-Timing`, milliseconds).
        let timing = HeaderValue::from_str(&format!("app;dur={:.1}", started.elapsed().as_secs_f64() * 1000.0))
            .unwrap_or(HeaderValue::from_static("app"));
        Ok(match json {
            Some(json) => {
                ([(CONTENT_TYPE, HeaderValue::from_static("application/json")), (HeaderName::from_static("server-timing"), timing)], json)
                    .into_response()
            }
            None => (StatusCode::NOT_FOUND, "no such endpoint: see /api/v1/openapi.json\n").into_response(),
        })
    }
    .await;
    reply(&state, uri.path(), outcome)
}

/// The JSON of `endpoint` for `filters` (`None`: no such endpoint).
async fn api_json(state: &Shared, endpoint: &str, filters: &Filters) -> Result<Option<String>, ServerError> {
    let answers = answers(state);
    Ok(Some(match endpoint {
        "openapi.json" => OPENAPI.to_string(),
        "report" => answers.report(answers.period_with_data(filters).await?).await?.summary.json.clone(),
        "trend" => {
            let period = answers.period_with_data(filters).await?;
            let report = answers.report(period).await?;
            spendlens_app::views::to_json(&pages::trend(&report.daily, period, filters.grain)).map_err(ServerError::App)?
        }
        "models" => answers.report(answers.period_with_data(filters).await?).await?.models.json.clone(),
        "optimise" => answers.optimise(answers.period_with_data(filters).await?, filters.feature.clone()).await?.json.clone(),
        "savings" => match answers.savings_period(filters).await? {
            Some(period) => answers.savings(period).await?.json.clone(),
            None => return answers.period_with_data(filters).await.map(|_| None),
        },
        "reconcile" => {
            let period = answers.period_with_data(filters).await?;
            if period != spendlens_model::Period::month_of(period.start) {
                return Err(ServerError::Query { detail: "reconcile takes month=YYYY-MM (an invoice covers a calendar month)".into() });
            }
            answers.reconcile(period).await?.json.clone()
        }
        "forecast" => answers.forecast(filters.terms.forecast()).await?.json.clone(),
        "commit" => match filters.terms.commit() {
            Some(options) => answers.commit(options).await?.json.clone(),
            None => {
                return Err(ServerError::Query {
                    detail:
                        "commit needs discount=PCT (as spendlens commit --discount); term, overage_rate, start and baseline are optional"
                            .into(),
                });
            }
        },
        "budgets" => answers.budgets(pages::budget_month(answers.period_with_data(filters).await?)).await?.json.clone(),
        "spikes" => answers.spikes(filters).await?.json.clone(),
        "seats" => answers.seats(answers.period_with_data(filters).await?).await?.json.clone(),
        "insights" => answers.insights(answers.period_with_data(filters).await?).await?.json.clone(),
        "ledger" => answers.placements(answers.period_with_data(filters).await?, pages::placement_filter(filters)).await?.json.clone(),
        _ => return Ok(None),
    }))
}

/// How often the data directory is looked at for a change the answers must follow.
const WARM_CHECK: std::time::Duration = std::time::Duration::from_secs(5);

/// Keeps every page's answers for its default view (the latest month) made, so no visitor waits
/// for them: at start, then again whenever the data directory changed (an ingest, a sync, this
/// server's own flushes) and has stayed unchanged for one more look, so a stream of telemetry
/// flushes does not keep the answers being made over and over. The cheap answers come first; the
/// forecast, the slowest, last. Runs until the server stops (it is aborted then).
pub(crate) async fn warm(state: Arc<Shared>) {
    let mut warmed: Option<u64> = None;
    let mut seen: Option<u64> = None;
    loop {
        let data_dir = state.settings.data_dir.clone();
        let now = tokio::task::spawn_blocking(move || cache::fingerprint(&data_dir)).await.ok();
        // Made at start; after that once a change has settled.
        if now.is_some() && now != warmed && (warmed.is_none() || now == seen) {
            let started = std::time::Instant::now();
            match warm_once(&state).await {
                Ok(()) => (state.settings.notify)(&format!(
                    "spendlens serve: the dashboard's answers are ready (made in {:.1} s)",
                    started.elapsed().as_secs_f64()
                )),
                Err(error) => (state.settings.notify)(&format!("preparing the dashboard's answers failed: {}", error.with_causes())),
            }
            warmed = now;
        }
        seen = now;
        tokio::time::sleep(WARM_CHECK).await;
    }
}

/// Every page's default answers, made (or found kept).
async fn warm_once(state: &Shared) -> Result<(), ServerError> {
    let answers = answers(state);
    let filters = Filters::default();
    let Some(period) = answers.period(&filters).await? else { return Ok(()) };
    answers.report(period).await?;
    answers.placements(period, pages::placement_filter(&filters)).await?;
    answers.reconcile(period).await?;
    answers.budgets(pages::budget_month(period)).await?;
    answers.seats(period).await?;
    answers.insights(period).await?;
    answers.optimise(period, None).await?;
    if let Some(span) = answers.savings_period(&filters).await? {
        answers.savings(span).await?;
    }
    answers.spikes(&filters).await?;
    // The Overview's month against its forecast, then the Forecast page's own.
    answers.forecast(pages::month_forecast_options(pages::budget_month(period))).await?;
    answers.forecast(filters.terms.forecast()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    #[test]
    fn the_openapi_file_describes_every_endpoint_and_no_other() {
        let document: serde_json::Value = serde_json::from_str(super::OPENAPI).unwrap();
        let mut described: Vec<String> = document["paths"].as_object().unwrap().keys().cloned().collect();
        described.sort();
        let mut served: Vec<String> = [
            "budgets",
            "commit",
            "forecast",
            "insights",
            "ledger",
            "models",
            "openapi.json",
            "optimise",
            "reconcile",
            "report",
            "savings",
            "seats",
            "spikes",
            "trend",
        ]
        .iter()
        .map(|name| format!("/api/v1/{name}"))
        .collect();
        served.sort();
        assert_eq!(described, served);
    }
}
