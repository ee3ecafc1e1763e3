//! `spendlens push`: this person's transcript-derived usage lines to a team's `spendlens serve`.

use anyhow::Result;
use clap::Args;
use spendlens_app::App;
use spendlens_app::transcripts::person_email;
use spendlens_server::{PushClient, Token};

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

pub fn run(app: &App, args: PushArgs) -> Result<()> {
    let email = person_email(args.email.as_deref());
    let lines = app.transcript_lines_of(&email)?;
    if lines.is_empty() {
        eprintln!(
            "no transcript lines for {email} in {}: run `spendlens ingest transcripts --email {email}` first",
            app.settings().data_dir.display()
        );
        return Ok(());
    }
    let client = PushClient::new(&args.server, Token::new(args.token))?;
    let reply = client.push(&email, &lines)?;
    println!("pushed {} lines for {email}: {} accepted, {} already known", lines.len(), reply.accepted, reply.duplicates);
    Ok(())
}
