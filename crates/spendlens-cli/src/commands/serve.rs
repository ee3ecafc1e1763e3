//! `spendlens serve`: the OTLP/HTTP receiver and the team push endpoint, until interrupted.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args;
use spendlens_app::App;
use spendlens_server::{ServeSettings, ServeTokens, Token};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. OTLP/HTTP's port is 4318; listen beyond loopback only behind TLS.
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
    let mut settings = ServeSettings::new(app.settings().data_dir.clone(), tokens);
    settings.flush_interval = std::time::Duration::from_secs(args.flush_seconds.max(1));
    settings.notify = Arc::new(|news: &str| eprintln!("{news}"));
    let (people, collectors) = (settings.tokens.len(), settings.tokens.collectors());
    spendlens_server::serve_until_interrupted(args.listen, Arc::new(app), settings, |address| {
        eprintln!("spendlens serve: listening on http://{address}");
        eprintln!("  OTLP/HTTP: POST /v1/logs, /v1/metrics (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf or http/json, with a bearer token)");
        eprintln!("  team push: POST /v1/push ({people} people hold tokens; {collectors} collector tokens)");
    })?;
    eprintln!("spendlens serve: stopped; buffered telemetry stored");
    Ok(())
}
