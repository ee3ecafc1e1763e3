//! The `spendlens` binary: argument parsing and wiring. The libraries do the work; this crate owns
//! stdout, exit codes and `anyhow`.

mod claude_code_views;
mod cli;
mod commands;
mod export;
mod ledger_cmd;
mod pipeline;
mod progress;
mod reconcile_cmd;
mod serve;
mod settings;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(exit_code(&error))
        }
    }
}

/// sysexits: 65 bad input data, 69 the remote service failed, 74 I/O and store trouble, 77 no or
/// refused credentials; 1 otherwise.
fn exit_code(error: &anyhow::Error) -> u8 {
    for cause in error.chain() {
        if let Some(ingest) = cause.downcast_ref::<spendlens_ingest::IngestError>() {
            return match ingest {
                spendlens_ingest::IngestError::Malformed { .. } => 65,
                spendlens_ingest::IngestError::Io { .. } => 74,
            };
        }
        if cause.downcast_ref::<spendlens_pricing::PriceError>().is_some() {
            return 65;
        }
        if let Some(server) = cause.downcast_ref::<spendlens_server::ServerError>() {
            return match server {
                spendlens_server::ServerError::PushRefused { status: 401 | 403, .. } | spendlens_server::ServerError::Tokens { .. } => 77,
                spendlens_server::ServerError::PushRefused { .. } | spendlens_server::ServerError::PushTransport { .. } => 69,
                _ => 74,
            };
        }
        if cause.downcast_ref::<spendlens_store::StoreError>().is_some() {
            return 74;
        }
        if let Some(sync) = cause.downcast_ref::<spendlens_sync::SyncError>() {
            return match sync {
                spendlens_sync::SyncError::NoKey { .. } | spendlens_sync::SyncError::Unauthorized { .. } => 77,
                spendlens_sync::SyncError::Ingest(_) => 65,
                _ => 69,
            };
        }
    }
    1
}
