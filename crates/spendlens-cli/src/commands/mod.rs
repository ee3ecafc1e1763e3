//! One module per subcommand, each with its arguments and a `run` that calls the application
//! layer and prints what `spendlens-report` renders.

pub mod cc;
pub mod crosscheck;
pub mod demo;
pub mod export;
pub mod ingest;
pub mod ledger;
pub mod price;
pub mod prices;
pub mod push;
pub mod reconcile;
pub mod report;
pub mod serve;
pub mod status;
pub mod sync;

use anyhow::Result;
use spendlens_app::{App, Settings};

use crate::cli::{Cli, Command};

/// Today, UTC: the default day of the commands that need one.
pub fn today() -> spendlens_model::Day {
    chrono::Utc::now().date_naive()
}

pub fn run(cli: Cli) -> Result<()> {
    let app = App::new(Settings::resolve(cli.data_dir, cli.prices)?);
    match cli.command {
        Command::Demo(args) => demo::run(&app, args),
        Command::Ingest(args) => ingest::run(&app, args),
        Command::Report(args) => report::run(&app, &args.report, args.out.as_deref()),
        Command::Prices(args) => prices::run(&app, &args),
        Command::Price(args) => price::run(&app, args),
        Command::Status(args) => status::run(&app, args.json),
        Command::Sync(args) => sync::run(&app, &args),
        Command::Crosscheck(args) => crosscheck::run(&app, &args),
        Command::Reconcile(args) => reconcile::run(&app, &args),
        Command::Cc(args) => cc::run(&app, args),
        Command::Ledger(args) => ledger::run(&app, &args),
        Command::Export(args) => export::run(&app, args),
        Command::Serve(args) => serve::run(app, args),
        Command::Push(args) => push::run(&app, args),
    }
}

/// Rendered output to `out` (a file the user named), or to stdout when there is none.
pub fn emit(text: &str, out: Option<&std::path::Path>) -> Result<()> {
    use anyhow::Context;
    match out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("report written to {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}
