//! `spendlens sync`: the Admin API into the ledger.

use anyhow::Result;
use clap::Args;
use spendlens_app::App;
use spendlens_app::views::to_json;
use spendlens_model::Day;

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// First day to fetch (default: a few days before the last sync, or a year ago on the first).
    #[arg(long)]
    pub since: Option<Day>,
    /// Last day to fetch, inclusive (default: today, UTC).
    #[arg(long)]
    pub until: Option<Day>,
    /// The Admin API's base URL: a proxy or a test server may stand in. https only (plain http
    /// to a loopback address only); redirects are not followed. Not ANTHROPIC_BASE_URL, which
    /// often points Claude Code at a gateway that should never see the admin key.
    #[arg(long, env = "SPENDLENS_ADMIN_BASE_URL", default_value = "https://api.anthropic.com")]
    pub base_url: String,
    /// Days before the last sync's end that are re-read, because reports settle.
    #[arg(long, default_value_t = 3)]
    pub trailing_days: i64,
    /// Attempts per request before giving up.
    #[arg(long, default_value_t = 6)]
    pub max_attempts: u32,
    /// First retry delay in milliseconds (doubles per attempt, with jitter).
    #[arg(long, default_value_t = 500)]
    pub backoff_ms: u64,
    #[arg(long)]
    pub json: bool,
}

pub fn run(app: &App, args: &SyncArgs) -> Result<()> {
    let mut client = spendlens_sync::ClientSettings::new(args.base_url.clone(), app.admin_key()?);
    client.max_attempts = args.max_attempts;
    client.backoff = std::time::Duration::from_millis(args.backoff_ms);
    let mut settings = spendlens_sync::SyncSettings::new(client, crate::output::today());
    settings.since = args.since;
    settings.until = args.until;
    settings.trailing_days = args.trailing_days;
    let bar = crate::progress::bar(None, "buckets fetched");
    let (report, view) = app.sync(&settings, &mut |event| match event {
        spendlens_sync::Progress::Page { items, .. } => bar.inc(items as u64),
        spendlens_sync::Progress::Window { endpoint, period } => bar.set_message(format!("{} {}", endpoint.name(), period.label())),
        spendlens_sync::Progress::Stored { .. } => {}
    })?;
    bar.finish_and_clear();
    if args.json {
        crate::out!("{}", to_json(&view)?);
    } else {
        crate::out!("{}", spendlens_report::sync_text(&view));
    }
    for failure in &view.failures {
        eprintln!("error: {}", failure.error);
    }
    Ok(report.check()?)
}
