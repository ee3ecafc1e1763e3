//! `spendlens init`: set a data directory up on the organisation's real data (see
//! `spendlens_app::init`), then offer the first sync.

use std::io::IsTerminal as _;

use anyhow::{Context, Result, bail};
use clap::Args;
use spendlens_app::App;
use spendlens_app::init::{FileChange, GivenKey, InitSettings, InitView, KeyOrigin};
use spendlens_app::views::to_json;
use spendlens_model::Day;
use spendlens_sync::{ClientSettings, Progress, SyncSettings};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Read the admin key from the first line of stdin. Otherwise it comes from
    /// ANTHROPIC_ADMIN_KEY, then `admin_key` in config.toml, then a prompt (no echo) when stdin is
    /// a terminal. Never a command-line argument, which would land in the shell's history.
    #[arg(long)]
    pub admin_key_stdin: bool,
    /// Do not write a typed or piped admin key into config.toml (each sync then needs
    /// ANTHROPIC_ADMIN_KEY). A key from ANTHROPIC_ADMIN_KEY is never written.
    #[arg(long)]
    pub no_save_key: bool,
    /// The Admin API's base URL (see `spendlens sync --help`): https only, plain http to a
    /// loopback address only. Not ANTHROPIC_BASE_URL.
    #[arg(long, env = "SPENDLENS_ADMIN_BASE_URL", default_value = "https://api.anthropic.com")]
    pub base_url: String,
    /// Run the first sync without asking.
    #[arg(long, short = 'y', conflicts_with = "no_sync")]
    pub yes: bool,
    /// Do not run the first sync (nor ask).
    #[arg(long)]
    pub no_sync: bool,
    /// First day the first sync fetches (default: a year ago).
    #[arg(long)]
    pub since: Option<Day>,
    /// The last day: the draft's 30 days of spend end here and the first sync fetches through it
    /// (default: today, UTC).
    #[arg(long)]
    pub until: Option<Day>,
    /// Attempts per request before giving up.
    #[arg(long, default_value_t = 6)]
    pub max_attempts: u32,
    /// First retry delay in milliseconds (doubles per attempt, with jitter).
    #[arg(long, default_value_t = 500)]
    pub backoff_ms: u64,
    /// Print what was done as JSON (the first sync's summary under `first_sync`).
    #[arg(long)]
    pub json: bool,
}

pub fn run(app: &App, args: &InitArgs) -> Result<()> {
    let key = admin_key(app, args)?;
    let today = crate::output::today();
    let mut settings = InitSettings::new(args.base_url.clone(), key, today)?;
    settings.client = client_settings(args, &settings.client);
    settings.save_key = !args.no_save_key;
    settings.until = args.until.unwrap_or(today);
    eprintln!("checking the admin key against {} ...", args.base_url);
    let mut bars = SyncBars::default();
    let mut view = app.init(&settings, &mut |event| bars.advance(event))?;
    bars.finish();
    if !args.json {
        crate::out!("{}", summary(&view));
    }
    for failure in &view.failures {
        eprintln!("note: {} (the draft does not need it)", failure.error);
    }

    let result = if first_sync_wanted(args)? {
        let mut sync = SyncSettings::new(client_settings(args, &settings.client), today);
        sync.since = args.since;
        sync.until = args.until;
        let mut bars = SyncBars::default();
        let outcome = app.sync(&sync, &mut |event| bars.advance(event));
        bars.finish();
        let (report, sync_view) = outcome?;
        if !args.json {
            crate::out!("{}", spendlens_report::sync_text(&sync_view));
        }
        for failure in &sync_view.failures {
            eprintln!("error: {}", failure.error);
        }
        view.first_sync = Some(sync_view);
        report.check().map_err(anyhow::Error::from)
    } else {
        if !args.json {
            crate::outln!("The first sync was not run: `spendlens sync` fetches a year of usage and cost when you are ready.");
        }
        Ok(())
    };
    if args.json {
        crate::out!("{}", to_json(&view)?);
    }
    result
}

/// `--admin-key-stdin`, else ANTHROPIC_ADMIN_KEY, else config.toml's, else a prompt on a terminal.
fn admin_key(app: &App, args: &InitArgs) -> Result<GivenKey> {
    if args.admin_key_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).context("reading the admin key from stdin")?;
        if line.trim().is_empty() {
            bail!("--admin-key-stdin: stdin held no admin key");
        }
        return Ok(GivenKey::new(line, KeyOrigin::Given)?);
    }
    if let Ok(key) = std::env::var("ANTHROPIC_ADMIN_KEY")
        && !key.trim().is_empty()
    {
        return Ok(GivenKey::new(key, KeyOrigin::Environment)?);
    }
    if let Some(key) = &app.config()?.anthropic.admin_key {
        return Ok(GivenKey::new(key.clone(), KeyOrigin::Config)?);
    }
    let terminal = console::Term::stderr();
    if std::io::stdin().is_terminal() && terminal.is_term() {
        eprint!("Admin API key (sk-ant-admin..., from Console > Settings > Admin keys; not shown): ");
        let key = terminal.read_secure_line().context("reading the admin key from the terminal")?;
        if key.trim().is_empty() {
            bail!("no admin key was typed");
        }
        return Ok(GivenKey::new(key, KeyOrigin::Given)?);
    }
    Err(spendlens_sync::SyncError::NoKey { config: app.settings().config_path() })
        .context("spendlens init needs the admin key: pipe it with --admin-key-stdin, or run init in a terminal to be asked")
}

fn client_settings(args: &InitArgs, template: &ClientSettings) -> ClientSettings {
    let mut client = template.clone();
    client.max_attempts = args.max_attempts;
    client.backoff = std::time::Duration::from_millis(args.backoff_ms);
    client
}

/// `--yes`, `--no-sync`, else the answer to a question on a terminal (no when there is none).
fn first_sync_wanted(args: &InitArgs) -> Result<bool> {
    if args.yes || args.no_sync {
        return Ok(args.yes);
    }
    if !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    let since = args.since.map_or_else(|| "a year back".to_string(), |day| format!("from {day}"));
    eprint!("Run the first sync now ({since}; it can take a while)? [Y/n] ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).context("reading the answer")?;
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "" | "y" | "yes"))
}

/// What was done, for a person.
fn summary(view: &InitView) -> String {
    let config = match view.config_change {
        FileChange::Created if view.key_saved => "written, with the admin key (mode 600)",
        FileChange::Created => "written (the key stays in ANTHROPIC_ADMIN_KEY)",
        FileChange::Extended => "given the admin key (mode 600)",
        FileChange::KeyReplaced => "given the new admin key (mode 600)",
        FileChange::Unchanged => "unchanged",
    };
    let orgmap = match view.orgmap_change {
        FileChange::Created => "drafted: every workspace and API key, commented out".to_string(),
        FileChange::Extended | FileChange::KeyReplaced => format!(
            "kept as you left it, with {} new workspace(s) and {} new API key(s) added at its end",
            view.orgmap_added_workspaces.len(),
            view.orgmap_added_api_keys.len()
        ),
        FileChange::Unchanged => "unchanged: no new workspaces or API keys".to_string(),
    };
    format!(
        "The admin key works. Directory: {} workspaces, {} API keys, {} users.\n\
         Spend {} to {}: {} (the cost report).\n\
         config.toml: {config}: {}\n\
         org map: {orgmap}: {}\n\
         Next: assign features and teams in the org map (uncomment, name); reports use it as it is.\n",
        view.workspaces,
        view.api_keys,
        view.users,
        view.spend_since,
        view.spend_until,
        view.spend_usd,
        view.config.display(),
        view.orgmap.display(),
    )
}

/// A bar per endpoint, in days stored of its window (drawn only on a terminal).
#[derive(Default)]
struct SyncBars {
    current: Option<indicatif::ProgressBar>,
}

impl SyncBars {
    fn advance(&mut self, event: Progress) {
        match event {
            Progress::Window { endpoint, period } => {
                self.finish();
                let days = u64::try_from(period.days()).unwrap_or(0);
                self.current = Some(crate::progress::bar(Some(days), endpoint.name()));
            }
            Progress::Stored { period, .. } => {
                if let Some(bar) = &self.current {
                    bar.inc(u64::try_from(period.days()).unwrap_or(0));
                }
            }
            Progress::Page { .. } => {}
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.current.take() {
            bar.finish_and_clear();
        }
    }
}
