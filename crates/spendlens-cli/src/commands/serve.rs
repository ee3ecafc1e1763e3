//! `spendlens serve`: the OTLP/HTTP receiver and the team push endpoint, until interrupted.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args;
use spendlens_app::App;
use spendlens_server::{PushTokens, ServeSettings, Token};

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
    let tokens = PushTokens::new(app.config()?.serve.tokens.iter().map(|(email, token)| (email.clone(), Token::new(token.clone()))))
        .with_context(|| format!("reading [serve.tokens] in {}", app.settings().config_path().display()))?;
    let mut settings = ServeSettings::new(app.settings().data_dir.clone(), tokens);
    settings.flush_interval = std::time::Duration::from_secs(args.flush_seconds.max(1));
    settings.notify = Arc::new(|news: &str| eprintln!("{news}"));
    let people = settings.tokens.len();
    spendlens_server::serve_until_interrupted(args.listen, Arc::new(app), settings, |address| {
        eprintln!("spendlens serve: listening on http://{address}");
        eprintln!("  OTLP/HTTP: POST /v1/logs, /v1/metrics (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf or http/json)");
        eprintln!("  team push: POST /v1/push (push tokens for {people} people in [serve.tokens])");
    })?;
    eprintln!("spendlens serve: stopped; buffered telemetry stored");
    Ok(())
}
