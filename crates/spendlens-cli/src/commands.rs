//! One function per subcommand.

use std::io::Read;

use anyhow::{Context, Result, bail};
use chrono::Utc;
use spendlens_analysis::{Drivers, LedgerInput, Summary, assemble, summarise_with};
use spendlens_ingest::usage_object;
use spendlens_model::{ContextWindow, Day, Period, ServiceTier, Source, UsageLine};
use spendlens_pricing::PriceQuery;
use spendlens_store::{Store, UsageRollup};

use crate::cli::{
    Cli, Command, CrosscheckArgs, DemoArgs, IngestArgs, PriceArgs, PricesArgs, ReportArgs, ReportFormat, SourceKind, SyncArgs, TierArg,
};
use crate::pipeline::{self, Ingested};
use crate::settings::Settings;

pub fn run(cli: Cli) -> Result<()> {
    let settings = Settings::resolve(&cli)?;
    match cli.command {
        Command::Demo(args) => demo(&settings, args),
        Command::Ingest(args) => ingest(&settings, args),
        Command::Report(args) => report(&settings, &args.report, args.out.as_deref()),
        Command::Prices(args) => prices(&settings, args),
        Command::Price(args) => price(&settings, args),
        Command::Status(args) => status(&settings, args.json),
        Command::Sync(args) => sync(&settings, args),
        Command::Crosscheck(args) => crosscheck(&settings, &args),
        Command::Reconcile(args) => crate::reconcile_cmd::run(&settings, &args),
        Command::Cc(args) => crate::claude_code_views::run(&settings, args),
        Command::Ledger(args) => crate::ledger_cmd::run(&settings, &args),
        Command::Export(args) => crate::export::export(&settings, args),
        Command::Serve(args) => crate::serve::serve(&settings, args),
        Command::Push(args) => crate::serve::push(&settings, args),
    }
}

fn today() -> Day {
    Utc::now().date_naive()
}

pub(crate) fn open_store(settings: &Settings) -> Result<Store> {
    Store::open(&settings.data_dir).with_context(|| format!("opening the ledger in {}", settings.data_dir.display()))
}

fn say_ingested(what: &str, ingested: &Ingested) {
    eprintln!("{what}: {} lines from {} file(s)", ingested.lines, ingested.files);
    for problem in ingested.problems.iter().take(20) {
        eprintln!("  skipped {problem}");
    }
    if ingested.problems.len() > 20 {
        eprintln!("  ... and {} more unreadable lines", ingested.problems.len() - 20);
    }
}

fn ingest(settings: &Settings, args: IngestArgs) -> Result<()> {
    if args.paths.is_empty() && args.kind != SourceKind::Transcripts {
        bail!("give the file(s) to ingest, e.g. `spendlens ingest {} FILE...`", kind_name(args.kind));
    }
    if args.kind == SourceKind::Orgmap {
        if args.paths.len() != 1 {
            bail!("give exactly one org map file");
        }
        let ingested = pipeline::orgmap(&settings.data_dir, &args.paths[0])?;
        eprintln!("org map installed as {} ({} rules)", settings.orgmap_path().display(), ingested.lines);
        return Ok(());
    }
    let store = open_store(settings)?;
    let ingested = match args.kind {
        SourceKind::AdminUsage => pipeline::admin_usage(&store, &args.paths)?,
        SourceKind::AdminCost => pipeline::admin_cost(&store, &args.paths)?,
        SourceKind::AdminAnalyticsUsage => pipeline::admin_analytics_usage(&store, &args.paths)?,
        SourceKind::AdminAnalyticsCost => pipeline::admin_analytics_cost(&store, &args.paths)?,
        SourceKind::ClaudeCodeAnalytics => pipeline::claude_code_analytics(&store, &args.paths)?,
        SourceKind::Directory => pipeline::directory(&store, &args.paths)?,
        SourceKind::Roster => pipeline::roster(&store, &args.paths, args.until.unwrap_or_else(today))?,
        SourceKind::Transcripts => {
            let roots = if args.paths.is_empty() { pipeline::default_transcript_roots() } else { args.paths.clone() };
            let email = crate::claude_code_views::transcript_email(args.email);
            crate::claude_code_views::say_transcripts(&pipeline::transcripts(&store, &settings.data_dir, &roots, &email, None)?);
            return Ok(());
        }
        SourceKind::Orgmap => bail!("the org map is installed above, not stored in the lake"),
    };
    say_ingested(kind_name(args.kind), &ingested);
    Ok(())
}

fn kind_name(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::AdminUsage => "admin-usage",
        SourceKind::AdminCost => "admin-cost",
        SourceKind::AdminAnalyticsUsage => "admin-analytics-usage",
        SourceKind::AdminAnalyticsCost => "admin-analytics-cost",
        SourceKind::ClaudeCodeAnalytics => "claude-code-analytics",
        SourceKind::Directory => "directory",
        SourceKind::Roster => "roster",
        SourceKind::Orgmap => "orgmap",
        SourceKind::Transcripts => "transcripts",
    }
}

/// A rollup row as a day-grain usage line, the shape analyses take.
pub(crate) fn rollup_line(row: UsageRollup) -> UsageLine {
    let start = row.day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let mut line = UsageLine::new(start, start + chrono::Duration::days(1), row.source, row.model);
    line.path = row.path;
    line.identity.workspace_id = row.workspace_id;
    line.identity.api_key_id = row.api_key_id;
    line.identity.api_key_name = row.api_key_name;
    line.identity.actor_email = row.actor_email;
    line.service_tier = row.service_tier;
    line.context_window = row.context_window;
    line.inference_geo = row.inference_geo;
    line.speed = row.speed;
    line.quantities = row.quantities;
    line.reported_cost = row.reported_cost;
    line
}

/// The report's period: `--month`, `--since/--until` (inclusive), or the latest month with data.
pub(crate) fn report_period(store: &Store, args: &ReportArgs) -> Result<Option<Period>> {
    if let Some(month) = &args.month {
        return Period::parse_month(month).map(Some).with_context(|| format!("--month {month:?} is not YYYY-MM"));
    }
    if let (Some(since), Some(until)) = (args.since, args.until) {
        if until < since {
            bail!("--until {until} is before --since {since}");
        }
        return Ok(Some(Period::new(since, until + chrono::Duration::days(1))));
    }
    Ok(store.usage_span()?.map(|(_, last)| Period::month_of(last)))
}

/// The ledger of a span with the usage and directory it was assembled from.
pub(crate) struct LoadedLedger {
    pub ledger: spendlens_analysis::Ledger,
    pub usage: Vec<UsageLine>,
    pub directory: Vec<spendlens_model::DirectoryEntry>,
}

/// The ledger of `span`: the store's usage rollups, cost lines and directory, placed by the org
/// map and priced by the book. Every command that shows ledger dollars assembles it here.
pub(crate) fn load_ledger(settings: &Settings, store: &Store, span: Period) -> Result<LoadedLedger> {
    let book = settings.price_book()?;
    let orgmap = settings.orgmap()?;
    let usage: Vec<UsageLine> = store.usage_rollup(Some(span))?.into_iter().map(rollup_line).collect();
    let costs = store.cost_lines(Some(span))?;
    let directory = store.directory()?;
    let ledger = assemble(LedgerInput { usage: &usage, costs: &costs, directory: &directory, orgmap: &orgmap, book: &book });
    Ok(LoadedLedger { ledger, usage, directory })
}

pub(crate) fn assemble_ledger(settings: &Settings, store: &Store, period: Period) -> Result<spendlens_analysis::Ledger> {
    Ok(load_ledger(settings, store, period)?.ledger)
}

/// The summary of `period` (with the previous period for month-over-month change, and activity
/// for unit economics) and the ledger it was drawn from.
pub(crate) fn build_report(settings: &Settings, store: &Store, period: Period) -> Result<(Summary, LoadedLedger)> {
    let loaded = load_ledger(settings, store, Period::new(period.previous().start, period.end))?;
    let activity = store.activity(Some(period))?;
    let summary =
        summarise_with(&loaded.ledger, period, Drivers { usage: &loaded.usage, activity: &activity, directory: &loaded.directory });
    Ok((summary, loaded))
}

fn report(settings: &Settings, args: &ReportArgs, out: Option<&std::path::Path>) -> Result<()> {
    let store = open_store(settings)?;
    let Some(period) = report_period(&store, args)? else {
        bail!("the ledger in {} is empty: run `spendlens demo`, or ingest your sources first", settings.data_dir.display());
    };
    let (summary, loaded) = build_report(settings, &store, period)?;
    let text = match args.format() {
        ReportFormat::Table => spendlens_report::summary_table(&summary, args.top),
        ReportFormat::Markdown => spendlens_report::summary_markdown(&summary, args.top),
        ReportFormat::Json => format!("{}\n", serde_json::to_string_pretty(&spendlens_report::summary_json(&summary))?),
        ReportFormat::Csv => spendlens_report::summary_csv(&summary),
        ReportFormat::Html => {
            let daily = spendlens_report::daily_spend(&loaded.ledger.entries, period);
            spendlens_report::summary_html(&summary, &daily, args.top)
        }
    };
    crate::export::emit(&text, out)
}

fn demo(settings: &Settings, args: DemoArgs) -> Result<()> {
    let started = std::time::Instant::now();
    let config = spendlens_demo::DemoConfig {
        seed: args.seed,
        engineers: args.engineers,
        teams: args.teams,
        features: args.features,
        days: args.days,
        end: args.end,
        traffic_scale: args.traffic_scale,
        ..spendlens_demo::DemoConfig::default()
    };
    let book = settings.price_book()?;
    let out = args.out.clone().unwrap_or_else(|| settings.data_dir.join("demo-sources"));
    let org = spendlens_demo::generate(&config, &book)?;
    let files = spendlens_demo::render(&org, &out)?;
    eprintln!("demo organisation (seed {}) written to {}", args.seed, out.display());
    if args.no_ingest {
        return Ok(());
    }
    let store = open_store(settings)?;
    say_ingested("admin-usage", &pipeline::admin_usage(&store, &files.usage_pages)?);
    say_ingested("admin-cost", &pipeline::admin_cost(&store, &files.cost_pages)?);
    // Both Console billing sources, as a synced organisation holds them: the ledger bills each day
    // from one (the cost report where it has the day) and the report names the other as set aside.
    say_ingested("admin-analytics-usage", &pipeline::admin_analytics_usage(&store, &files.analytics_usage_pages)?);
    say_ingested("admin-analytics-cost", &pipeline::admin_analytics_cost(&store, &files.analytics_cost_pages)?);
    say_ingested("claude-code-analytics", &pipeline::claude_code_analytics(&store, &files.claude_code_pages)?);
    let listings = vec![files.workspaces.clone(), files.api_keys.clone(), files.users.clone()];
    say_ingested("directory", &pipeline::directory(&store, &listings)?);
    say_ingested("roster", &pipeline::roster(&store, std::slice::from_ref(&files.roster), args.end)?);
    pipeline::orgmap(&settings.data_dir, &files.orgmap)?;
    for (email, root) in &files.transcript_dirs {
        eprint!("{email}: ");
        crate::claude_code_views::say_transcripts(&pipeline::transcripts(
            &store,
            &settings.data_dir,
            std::slice::from_ref(root),
            email,
            None,
        )?);
    }
    eprintln!("ground truth: {}", files.ground_truth.display());
    eprintln!("ingested in {:.1}s\n", started.elapsed().as_secs_f64());
    let mut report_args = args.report.clone();
    if report_args.month.is_none() && report_args.since.is_none() {
        report_args.month = Some(Period::month_of(args.end).label());
    }
    report(settings, &report_args, None)
}

fn prices(settings: &Settings, args: PricesArgs) -> Result<()> {
    let book = settings.price_book()?;
    let date = args.date.unwrap_or_else(today);
    if args.json {
        let models: Vec<serde_json::Value> = book
            .models()
            .filter_map(|model| {
                let (from, card) = model.card_on(date)?;
                Some(serde_json::json!({
                    "model": model.id, "family": model.family, "display": model.display, "since": from,
                    "usd_per_mtok": {
                        "input": card.input.normalize().to_string(), "cache_write_5m": card.cache_write_5m.normalize().to_string(),
                        "cache_write_1h": card.cache_write_1h.normalize().to_string(), "cache_read": card.cache_read.normalize().to_string(),
                        "output": card.output.normalize().to_string(),
                    },
                    "long_context_threshold_tokens": model.long_context.as_ref().map(|long| long.threshold_tokens),
                    "us_residency_multiplier": model.us_residency_multiplier.map(|m| m.normalize().to_string()),
                    "fast_multiplier": model.fast_multiplier.map(|m| m.normalize().to_string()),
                    "origin": model.origin,
                }))
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({"version": book.version, "date": date, "models": models}))?);
    } else {
        print!("{}", spendlens_report::price_book_table(&book, date));
    }
    Ok(())
}

fn price(settings: &Settings, args: PriceArgs) -> Result<()> {
    let (source, text) = match &args.usage {
        Some(text) => ("argument".to_string(), text.clone()),
        None => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).context("reading the usage object from stdin")?;
            ("stdin".to_string(), text)
        }
    };
    let usage = usage_object::read(&source, &text)?;
    let book = settings.price_book()?;
    let mut query = PriceQuery::new(args.model.clone(), args.date.unwrap_or_else(today), usage.quantities.tokens);
    query.service_tier = match args.tier {
        TierArg::Standard => usage.service_tier.unwrap_or(ServiceTier::Standard),
        TierArg::Batch => ServiceTier::Batch,
        TierArg::Priority => ServiceTier::Priority,
    };
    query.context_window = if args.long_context { ContextWindow::Long } else { ContextWindow::Base };
    query.inference_geo = if args.us_only { spendlens_model::InferenceGeo::Us } else { usage.inference_geo };
    query.speed = usage.speed;
    query.quantities = usage.quantities;
    let priced = book.price(&query)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&priced)?);
    } else {
        print!("{}", spendlens_report::priced_table(&priced));
    }
    Ok(())
}

fn status(settings: &Settings, json: bool) -> Result<()> {
    let store = open_store(settings)?;
    let totals = store.totals()?;
    let span = store.usage_span()?;
    if json {
        let sources: serde_json::Map<String, serde_json::Value> = totals
            .by_source
            .iter()
            .map(|(source, t)| {
                (
                    source.as_str().to_string(),
                    serde_json::json!({"usage_rows": t.usage_rows, "cost_rows": t.cost_rows, "directory_rows": t.directory_rows,
                        "tokens": t.tokens.total(), "cost_usd": t.cost}),
                )
            })
            .collect();
        let value = serde_json::json!({
            "data_dir": settings.data_dir, "first_day": span.map(|s| s.0), "last_day": span.map(|s| s.1),
            "cost_usd": totals.overall.cost, "sources": sources,
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    println!("ledger: {}", settings.data_dir.display());
    match span {
        Some((first, last)) => println!("data from {first} to {last}"),
        None => println!("empty: run `spendlens demo` or ingest your sources"),
    }
    let mut table = spendlens_report::Table::new(&["Source", "Usage rows>", "Cost rows>", "Tokens>", "Stored cost>"]);
    for (source, t) in &totals.by_source {
        let billed = if matches!(source, Source::AdminCost | Source::AdminAnalyticsCost | Source::Roster | Source::Invoice) {
            t.cost.to_string()
        } else {
            "-".into()
        };
        table.row(vec![source.to_string(), t.usage_rows.to_string(), t.cost_rows.to_string(), t.tokens.total().to_string(), billed]);
    }
    print!("{}", table.render(0));
    if totals.by_source.contains_key(&Source::AdminCost) && totals.by_source.contains_key(&Source::AdminAnalyticsCost) {
        println!(
            "The cost report and the Cost Analytics endpoint describe the same spend: the ledger bills the cost report's days \
             from it and only the other days from Cost Analytics (`spendlens report` shows the billed total and which source \
             carried it)."
        );
    }
    Ok(())
}

fn sync(settings: &Settings, args: SyncArgs) -> Result<()> {
    let key = settings.admin_key()?;
    let mut client = spendlens_sync::ClientSettings::new(args.base_url.clone(), key);
    client.max_attempts = args.max_attempts;
    client.backoff = std::time::Duration::from_millis(args.backoff_ms);
    let mut sync_settings = spendlens_sync::SyncSettings::new(client, today());
    sync_settings.since = args.since;
    sync_settings.until = args.until;
    sync_settings.trailing_days = args.trailing_days;
    let store = open_store(settings)?;
    let bar = crate::progress::spinner("buckets fetched");
    let mut fetched = 0u64;
    let report = spendlens_sync::run(&store, &settings.data_dir.join("sync-state.json"), &sync_settings, &mut |event| match event {
        spendlens_sync::Progress::Page { items, .. } => {
            fetched += items as u64;
            bar.set_position(fetched);
        }
        spendlens_sync::Progress::Window { endpoint, period } => bar.set_message(format!("{} {}", endpoint.name(), period.label())),
        spendlens_sync::Progress::Stored { .. } => {}
    })?;
    bar.finish_and_clear();
    if args.json {
        let windows: serde_json::Map<String, serde_json::Value> = report
            .windows
            .iter()
            .map(|(name, period)| {
                (name.to_string(), serde_json::json!({"start": period.start, "end": period.end, "lines": report.lines.get(name)}))
            })
            .collect();
        let value = serde_json::json!({"endpoints": windows, "directory_entries": report.directory_entries, "requests": report.requests});
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        for (name, period) in &report.windows {
            println!("{name}: {} lines for {}", report.lines.get(name).copied().unwrap_or(0), period.label());
        }
        println!("directory: {} entries; {} requests", report.directory_entries, report.requests);
    }
    Ok(())
}

fn crosscheck(settings: &Settings, args: &CrosscheckArgs) -> Result<()> {
    let store = open_store(settings)?;
    let Some(period) = report_period(&store, &args.period)? else {
        bail!("the ledger in {} is empty", settings.data_dir.display());
    };
    let book = settings.price_book()?;
    let usage: Vec<UsageLine> = store.usage_rollup(Some(period))?.into_iter().map(rollup_line).collect();
    let costs = store.cost_lines(Some(period))?;
    let check = spendlens_analysis::crosscheck(&usage, &costs, &book, period);
    if args.period.json {
        let rows: Vec<&spendlens_analysis::CrossCheckRow> =
            check.rows.iter().filter(|row| args.all || row.cause != spendlens_analysis::Cause::Matched).collect();
        let causes: serde_json::Map<String, serde_json::Value> = check
            .by_cause
            .iter()
            .map(|(cause, (groups, difference))| {
                (
                    serde_json::to_value(cause).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
                    serde_json::json!({"groups": groups, "difference_usd": difference, "explanation": cause.explain()}),
                )
            })
            .collect();
        let value = serde_json::json!({
            "period": check.period, "priced_usd": check.priced_usd, "billed_usd": check.billed_usd,
            "groups": check.rows.len(), "reconciles": check.reconciles(), "causes": causes, "rows": rows,
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    println!(
        "crosscheck {} · usage report priced {} · cost report {} · {} day × workspace × model groups",
        period.label(),
        check.priced_usd,
        check.billed_usd,
        check.rows.len()
    );
    let mut causes = spendlens_report::Table::new(&["Cause", "Groups>", "Difference>", "Meaning"]);
    for (cause, (groups, difference)) in &check.by_cause {
        causes.row(vec![format!("{cause:?}"), groups.to_string(), difference.to_string(), cause.explain().to_string()]);
    }
    print!("{}", causes.render(2));
    let mut rows = spendlens_report::Table::new(&["Day", "Workspace", "Model", "Priced>", "Billed>", "Difference>", "Cause"]);
    for row in check.rows.iter().filter(|row| args.all || row.cause != spendlens_analysis::Cause::Matched) {
        rows.row(vec![
            row.day.to_string(),
            row.workspace_id.clone().unwrap_or_else(|| "(default)".into()),
            row.model.clone(),
            row.priced_usd.to_string(),
            row.billed_usd.to_string(),
            row.difference_usd.to_string(),
            format!("{:?}", row.cause),
        ]);
    }
    if !rows.is_empty() {
        println!();
        print!("{}", rows.render(2));
    }
    Ok(())
}
