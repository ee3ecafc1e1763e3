//! `spendlens demo`: the demo organisation written in the real source formats, ingested through
//! the real readers, and reported.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use spendlens_app::App;
use spendlens_app::demo::DemoStep;
use spendlens_model::{Day, Period};

use crate::args::ReportArgs;
use crate::progress::Bars;

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[arg(long, default_value_t = 120)]
    pub engineers: usize,
    #[arg(long, default_value_t = 8)]
    pub teams: usize,
    #[arg(long, default_value_t = 6)]
    pub features: usize,
    #[arg(long, default_value_t = 180)]
    pub days: u32,
    /// Last day of the demo window.
    #[arg(long, default_value = "2026-10-31")]
    pub end: Day,
    /// Multiplies API request volume.
    #[arg(long, default_value_t = 1.0)]
    pub traffic_scale: f64,
    /// Where to write the source files (default: DATA_DIR/demo-sources).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write the source files only; do not ingest or report.
    #[arg(long)]
    pub no_ingest: bool,
    /// The ticket classifier adopts the planted routing (Fable to Haiku) on this day, for
    /// `spendlens savings` to measure.
    #[arg(long, value_name = "DAY")]
    pub adopt_routing_on: Option<spendlens_model::Day>,
    #[command(flatten)]
    pub report: ReportArgs,
}

pub fn run(app: &App, args: DemoArgs) -> Result<()> {
    let started = std::time::Instant::now();
    let config = spendlens_demo::DemoConfig {
        seed: args.seed,
        engineers: args.engineers,
        teams: args.teams,
        features: args.features,
        days: args.days,
        end: args.end,
        traffic_scale: args.traffic_scale,
        adopt_routing_on: args.adopt_routing_on,
        ..spendlens_demo::DemoConfig::default()
    };
    let out = args.out.clone().unwrap_or_else(|| app.settings().data_dir.join("demo-sources"));
    let files = app.write_demo(&config, &out)?;
    eprintln!("demo organisation (seed {}) written to {}", args.seed, out.display());
    if args.no_ingest {
        return Ok(());
    }
    app.ingest_demo(&config, &files, &Bars::default(), &mut |step| match step {
        DemoStep::Source { name, ingested } => eprint!("{}", spendlens_report::ingested_text(name, &ingested)),
        DemoStep::Orgmap => {}
        DemoStep::Transcripts { email, ingested } => eprint!("{email}: {}", spendlens_report::transcripts_text(&ingested)),
    })?;
    eprintln!("ground truth: {}", files.ground_truth.display());
    eprintln!("ingested in {:.1}s\n", started.elapsed().as_secs_f64());
    let mut report_args = args.report.clone();
    if report_args.month.is_none() && report_args.since.is_none() {
        report_args.month = Some(Period::month_of(args.end).label());
    }
    crate::commands::report::run(app, &report_args, None)
}
