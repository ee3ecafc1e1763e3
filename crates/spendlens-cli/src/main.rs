//! The `spendlens` binary: glue. Each subcommand parses its arguments, calls the application layer
//! (`spendlens-app`), renders its answer through `spendlens-report`, and maps errors to exit codes
//! (here, the one place). This crate owns stdout, exit codes and `anyhow`; it holds no arithmetic,
//! no I/O beyond stdout, stderr and the files the user names, and no threads.

mod args;
mod cli;
mod commands;
mod output;
mod progress;

use std::process::ExitCode;

use clap::Parser;
use spendlens_app::{App, AppError, Settings};

use crate::cli::{Cli, Command};
use crate::commands::{
    cc, commit, crosscheck, demo, export, forecast, ingest, ledger, optimise, price, prices, push, reconcile, report, reprice, savings,
    seats, serve, status, sync,
};
use anyhow::Result;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(exit_code(&error))
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let app = App::new(Settings::resolve(cli.data_dir, cli.prices)?);
    match cli.command {
        Command::Demo(args) => demo::run(&app, args),
        Command::Ingest(args) => ingest::run(&app, args),
        Command::Report(args) => report::run(&app, &args.report, args.out.as_deref()),
        Command::Prices(args) => prices::run(&app, &args),
        Command::Price(args) => price::run(&app, args),
        Command::Status(args) => status::run(&app, args.json),
        Command::RefreshRollups(args) => status::run_refresh_rollups(&app, args.json),
        Command::Sync(args) => sync::run(&app, &args),
        Command::Crosscheck(args) => crosscheck::run(&app, &args),
        Command::Optimise(args) => optimise::run(&app, &args),
        Command::Forecast(args) => forecast::run(&app, &args),
        Command::Commit(args) => commit::run(&app, &args),
        Command::Savings(args) => savings::run(&app, &args),
        Command::Spikes(args) => commands::spikes::run(&app, &args),
        Command::Alerts(args) => commands::alerts::run(&app, &args),
        Command::Seats(args) => seats::run(&app, &args),
        Command::Reprice(args) => reprice::run(&app, &args),
        Command::Reconcile(args) => reconcile::run(&app, &args),
        Command::Cc(args) => cc::run(&app, args),
        Command::Ledger(args) => ledger::run(&app, &args),
        Command::Export(args) => export::run(&app, args),
        Command::Serve(args) => serve::run(app, args),
        Command::Push(args) => push::run(&app, args),
        Command::Init(args) => commands::init::run(&app, &args),
        Command::Completions(args) => commands::completions::completions(&args),
        Command::Man(args) => commands::completions::man(&args),
    }
}

/// sysexits: 64 bad usage or settings, 65 bad input data, 69 the remote service failed, 74 I/O and store trouble, 77 no or
/// refused credentials; 1 otherwise. The first error in the chain that says which decides.
fn exit_code(error: &anyhow::Error) -> u8 {
    for cause in error.chain() {
        if let Some(code) = cause.downcast_ref::<AppError>().and_then(app_code) {
            return code;
        }
        if let Some(code) = cause.downcast_ref::<spendlens_ingest::IngestError>().map(ingest_code) {
            return code;
        }
        if cause.downcast_ref::<spendlens_pricing::PriceError>().is_some() {
            return 65;
        }
        if let Some(server) = cause.downcast_ref::<spendlens_server::ServerError>() {
            return match server {
                spendlens_server::ServerError::PushRefused { status: 401 | 403, .. } | spendlens_server::ServerError::Tokens { .. } => 77,
                spendlens_server::ServerError::PushRefused { .. } | spendlens_server::ServerError::PushTransport { .. } => 69,
                spendlens_server::ServerError::App(inner) => app_code(inner).unwrap_or(74),
                _ => 74,
            };
        }
        if cause.downcast_ref::<spendlens_store::StoreError>().is_some() {
            return 74;
        }
        if let Some(code) = cause.downcast_ref::<spendlens_sync::SyncError>().and_then(sync_code) {
            return code;
        }
    }
    1
}

fn ingest_code(error: &spendlens_ingest::IngestError) -> u8 {
    match error {
        spendlens_ingest::IngestError::Malformed { .. } => 65,
        spendlens_ingest::IngestError::Io { .. } => 74,
    }
}

/// `None`: the error says nothing of its own (its source decides, or 1).
fn app_code(error: &AppError) -> Option<u8> {
    match error {
        AppError::Ingest(error) => Some(ingest_code(error)),
        AppError::Price(_) => Some(65),
        AppError::Store(_) => Some(74),
        AppError::Sync(error) => sync_code(error),
        AppError::Demo(_) | AppError::Config { .. } | AppError::File { .. } | AppError::Invalid(_) => None,
    }
}

fn sync_code(error: &spendlens_sync::SyncError) -> Option<u8> {
    use spendlens_sync::SyncError;
    match error {
        SyncError::NoKey { .. } | SyncError::Unauthorized { .. } => Some(77),
        SyncError::Ingest(_) => Some(65),
        SyncError::Incomplete { .. } if error.is_bad_data() => Some(65),
        SyncError::Settings(_) => Some(64),
        // What the sink could not keep decides (a store failure is 74).
        SyncError::Sink(inner) => Some(
            if inner.downcast_ref::<AppError>().and_then(app_code) == Some(74)
                || inner.downcast_ref::<spendlens_store::StoreError>().is_some()
            {
                74
            } else {
                69
            },
        ),
        _ => Some(69),
    }
}
