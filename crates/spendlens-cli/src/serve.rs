//! `spendlens serve` and `spendlens push`: settings in, spendlens-server out. The server library
//! does the work; this module reads `config.toml`, opens the store and prints.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args;
use spendlens_model::Source;
use spendlens_server::{PushClient, PushTokens, ServeSettings, Server, Token};
use spendlens_store::Store;

use crate::settings::Settings;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. OTLP/HTTP's port is 4318; listen beyond loopback only behind TLS.
    #[arg(long, default_value = "127.0.0.1:4318")]
    pub listen: SocketAddr,
    /// Seconds between stores of buffered telemetry.
    #[arg(long, default_value_t = 2)]
    pub flush_seconds: u64,
}

#[derive(Debug, Args)]
pub struct PushArgs {
    /// Base URL of the team's `spendlens serve`.
    #[arg(long, env = "SPENDLENS_SERVER")]
    pub server: String,
    /// Your push token (the server's `[serve.tokens]` entry for your email).
    #[arg(long, env = "SPENDLENS_PUSH_TOKEN", hide_env_values = true)]
    pub token: String,
    /// Whose transcript lines to send (default: $SPENDLENS_EMAIL, else the OS user), as ingested.
    #[arg(long, env = "SPENDLENS_EMAIL")]
    pub email: Option<String>,
}

pub fn serve(settings: &Settings, args: ServeArgs) -> Result<()> {
    let config = settings.config()?;
    let tokens = PushTokens::new(config.serve.tokens.into_iter().map(|(email, token)| (email, Token::new(token))))
        .with_context(|| format!("reading [serve.tokens] in {}", settings.config_path().display()))?;
    let store =
        Arc::new(Store::open(&settings.data_dir).with_context(|| format!("opening the ledger in {}", settings.data_dir.display()))?);
    let mut server_settings = ServeSettings::new(settings.data_dir.clone(), tokens);
    server_settings.flush_interval = std::time::Duration::from_secs(args.flush_seconds.max(1));
    server_settings.notify = Arc::new(|news: &str| eprintln!("{news}"));
    let people = server_settings.tokens.len();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().context("starting the server runtime")?;
    runtime.block_on(async move {
        let server = Server::bind(args.listen, store, server_settings).await?;
        let address = server.local_address()?;
        eprintln!("spendlens serve: listening on http://{address}");
        eprintln!("  OTLP/HTTP: POST /v1/logs, /v1/metrics (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf or http/json)");
        eprintln!("  team push: POST /v1/push (push tokens for {people} people in [serve.tokens])");
        server.run(spendlens_server::until_interrupted()).await?;
        eprintln!("spendlens serve: stopped; buffered telemetry stored");
        anyhow::Ok(())
    })
}

pub fn push(settings: &Settings, args: PushArgs) -> Result<()> {
    let email = match args.email {
        Some(email) => email,
        None => std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into()),
    }
    .trim()
    .to_ascii_lowercase();
    let store = Store::open(&settings.data_dir).with_context(|| format!("opening the ledger in {}", settings.data_dir.display()))?;
    let lines: Vec<_> = store
        .usage_lines_of(Source::Transcript, None)?
        .into_iter()
        .filter(|line| line.identity.actor_email.as_deref() == Some(email.as_str()))
        .collect();
    if lines.is_empty() {
        eprintln!(
            "no transcript lines for {email} in {}: run `spendlens ingest transcripts --email {email}` first",
            settings.data_dir.display()
        );
        return Ok(());
    }
    let client = PushClient::new(&args.server, Token::new(args.token))?;
    let reply = client.push(&email, &lines)?;
    println!("pushed {} lines for {email}: {} accepted, {} already known", lines.len(), reply.accepted, reply.duplicates);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::settings::ConfigFile;

    #[test]
    fn serve_tokens_parse_and_debug_redacts_them() {
        let config: ConfigFile = toml::from_str("[serve.tokens]\n\"alice@example.com\" = \"alice-push-token-5f1c2a9e\"\n").unwrap();
        assert_eq!(config.serve.tokens["alice@example.com"], "alice-push-token-5f1c2a9e");
        let shown = format!("{config:?}");
        assert!(shown.contains("alice@example.com") && !shown.contains("alice-push-token"), "{shown}");
    }

    #[test]
    fn serve_section_rejects_unknown_keys() {
        let error = toml::from_str::<ConfigFile>("[serve]\ntoken = \"x\"\n").unwrap_err();
        assert!(error.to_string().contains("token"), "{error}");
    }
}
