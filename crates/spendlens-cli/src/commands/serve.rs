//! `spendlens serve`: the OTLP/HTTP receiver, the team push endpoint, the dashboard and its REST
//! API, until interrupted.
//!
//! The dashboard's readers hold `[serve.dashboard_tokens]` (name = "token"). Beyond loopback one is
//! required; on loopback without one, a token is made up at each start and printed once, inside
//! the link to open (the browser then keeps it in an HttpOnly, SameSite=Strict cookie).

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args;
use spendlens_app::App;
use spendlens_server::{DashboardTokens, ServeSettings, ServeTokens, Token};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. OTLP/HTTP's port is 4318; listen beyond loopback only behind TLS (and
    /// with [serve.dashboard_tokens] in config.toml: the dashboard needs a token there).
    #[arg(long, default_value = "127.0.0.1:4318")]
    pub listen: SocketAddr,
    /// Seconds between stores of buffered telemetry.
    #[arg(long, default_value_t = 2)]
    pub flush_seconds: u64,
}

pub fn run(app: App, args: ServeArgs) -> Result<()> {
    let config_path = app.settings().config_path();
    let config = &app.config()?.serve;
    let pairs = |tokens: &std::collections::BTreeMap<String, String>| -> Vec<(String, Token)> {
        tokens.iter().map(|(name, token)| (name.clone(), Token::new(token.clone()))).collect()
    };
    let tokens = ServeTokens::new(pairs(&config.tokens))
        .and_then(|tokens| tokens.with_collectors(pairs(&config.collector_tokens)))
        .with_context(|| format!("reading [serve.tokens] and [serve.collector_tokens] in {}", config_path.display()))?;
    if tokens.is_empty() {
        anyhow::bail!(
            "spendlens serve needs at least one token, since every route writes: add [serve.tokens] (email = \"token\": a person's \
             pushes and own telemetry) or [serve.collector_tokens] (name = \"token\": telemetry naming whose it is) to {path}, \
             then `chmod 600 {path}`; Claude Code sends one with OTEL_EXPORTER_OTLP_HEADERS=\"Authorization=Bearer TOKEN\"",
            path = config_path.display()
        );
    }
    let configured = DashboardTokens::new(pairs(&config.dashboard_tokens))
        .with_context(|| format!("reading [serve.dashboard_tokens] in {}", config_path.display()))?;
    let (dashboard, printed) = if !configured.is_empty() {
        (configured, None)
    } else if args.listen.ip().is_loopback() {
        let (generated, token) = DashboardTokens::generate()?;
        (generated, Some(token))
    } else {
        anyhow::bail!(
            "spendlens serve refuses to listen on {listen} without a dashboard token: beyond loopback anyone who reaches the \
             port would read every team's spend. Add [serve.dashboard_tokens] (name = \"token\", at least 16 characters) to \
             {path}, then `chmod 600 {path}`",
            listen = args.listen,
            path = config_path.display()
        );
    };
    let readers = dashboard.len();
    let mut settings = ServeSettings::new(app.settings().data_dir.clone(), tokens);
    settings.dashboard = dashboard;
    settings.flush_interval = std::time::Duration::from_secs(args.flush_seconds.max(1));
    settings.notify = Arc::new(|news: &str| eprintln!("{news}"));
    let (people, collectors) = (settings.tokens.len(), settings.tokens.collectors());
    spendlens_server::serve_until_interrupted(args.listen, Arc::new(app), settings, |address| {
        eprintln!("spendlens serve: listening on http://{address}");
        eprintln!("  OTLP/HTTP: POST /v1/logs, /v1/metrics (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf or http/json, with a bearer token)");
        eprintln!("  team push: POST /v1/push ({people} people hold tokens; {collectors} collector tokens)");
        match &printed {
            // Printed once, here: the link signs the browser in (the token then lives in a cookie).
            Some(token) => eprintln!("  dashboard: http://{address}/?token={} (a token made up for this run)", token.expose()),
            None => eprintln!("  dashboard: http://{address}/ ({readers} dashboard tokens; open it once with ?token=TOKEN)"),
        }
        eprintln!("  REST API: GET /api/v1/... with Authorization: Bearer TOKEN (described at /api/v1/openapi.json)");
    })?;
    eprintln!("spendlens serve: stopped; buffered telemetry stored");
    Ok(())
}
