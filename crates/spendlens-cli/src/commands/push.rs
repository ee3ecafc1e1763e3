//! `spendlens push`: this person's transcript-derived usage lines to a team's `spendlens serve`.

use anyhow::{Context, Result};
use clap::Args;
use spendlens_app::App;
use spendlens_app::transcripts::person_email;
use spendlens_server::{PushClient, Token};

#[derive(Debug, Args)]
pub struct PushArgs {
    /// Base URL of the team's `spendlens serve` (else `server` under [push] in config.toml).
    #[arg(long, env = "SPENDLENS_SERVER")]
    pub server: Option<String>,
    /// Whose transcript lines to send (default: $SPENDLENS_EMAIL, else the OS user), as ingested.
    #[arg(long, env = "SPENDLENS_EMAIL")]
    pub email: Option<String>,
}

/// The push token: `SPENDLENS_PUSH_TOKEN`, else `token` under `[push]` in `config.toml`. Never a
/// command-line argument (those show in `ps` and shell history).
fn push_token(app: &App) -> Result<Token> {
    match std::env::var("SPENDLENS_PUSH_TOKEN") {
        Ok(token) if !token.trim().is_empty() => Ok(Token::new(token.trim())),
        _ => app.config()?.push.token.clone().map(Token::new).with_context(|| {
            format!(
                "no push token: set SPENDLENS_PUSH_TOKEN, or token under [push] in {} (then `chmod 600` it)",
                app.settings().config_path().display()
            )
        }),
    }
}

pub fn run(app: &App, args: PushArgs) -> Result<()> {
    let server = match args.server {
        Some(server) => server,
        None => app.config()?.push.server.clone().with_context(|| {
            format!(
                "no server: pass --server URL, set SPENDLENS_SERVER, or server under [push] in {}",
                app.settings().config_path().display()
            )
        })?,
    };
    let token = push_token(app)?;
    let email = person_email(args.email.as_deref());
    let lines = app.transcript_lines_of(&email)?;
    if lines.is_empty() {
        eprintln!(
            "no transcript lines for {email} in {}: run `spendlens ingest transcripts --email {email}` first",
            app.settings().data_dir.display()
        );
        return Ok(());
    }
    let client = PushClient::new(&server, token)?;
    let reply = client.push(&email, &lines)?;
    crate::outln!("pushed {} lines for {email}: {} accepted, {} already known", lines.len(), reply.accepted, reply.duplicates);
    Ok(())
}
