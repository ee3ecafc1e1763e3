//! One module per subcommand, each with its arguments and a `run` that calls the application
//! layer and prints what `spendlens-report` renders.

pub mod alerts;
pub mod cc;
pub mod commit;
pub mod completions;
pub mod crosscheck;
pub mod demo;
pub mod export;
pub mod forecast;
pub mod ingest;
pub mod init;
pub mod ledger;
pub mod optimise;
pub mod price;
pub mod prices;
pub mod push;
pub mod reconcile;
pub mod report;
pub mod reprice;
pub mod savings;
pub mod seats;
pub mod serve;
pub mod spikes;
pub mod status;
pub mod sync;
