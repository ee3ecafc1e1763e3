//! spendlens embedded store: a Hive-partitioned Parquet lake under the data directory, written
//! atomically and idempotently, and read straight from its files (Apache Arrow and Parquet), or,
//! with the `datafusion` feature, also with Apache DataFusion SQL.
//!
//! This crate owns the lake's layout, its files, its readers and all of spendlens's SQL. It does
//! not know where lines come from (`spendlens-ingest`) or what they mean (`spendlens-analysis`).
//!
//! # Layout
//!
//! The layout is a contract: other engines (DuckDB, Spark, pandas, polars) read the lake directly.
//!
//! ```text
//! DATA_DIR/lake/_spendlens.json                                  {"format":"spendlens-lake","schema_version":2}
//! DATA_DIR/lake/usage/source=<source>/day=<YYYY-MM-DD>/<scope>.parquet
//! DATA_DIR/lake/cost/source=<source>/day=<YYYY-MM-DD>/<scope>.parquet
//! DATA_DIR/lake/directory/source=<source>/<scope>.parquet       (a snapshot: no day)
//! DATA_DIR/lake/activity/source=<source>/day=<YYYY-MM-DD>/<scope>.parquet
//! DATA_DIR/lake/usage_rollup/source=<source>/day=<YYYY-MM-DD>/<scope>.parquet   (derived: see below)
//! ```
//!
//! - `<source>` is the source's canonical spelling (`admin_usage`, `admin_cost`, `roster`, ...).
//!   `source` and `day` are Hive partition columns: they are in the path, not in the files.
//! - `<scope>` is the unit a writer replaces as a whole (`org`, a user's email, `demo`), named
//!   `<stem>-<hash>`: the scope with characters outside `[A-Za-z0-9._-]` (and a leading `.`) made
//!   `_`, cut at 96 characters, then sixteen hex digits of FNV-1a of the scope as given, always, so
//!   distinct scopes never share a file however they spell ([`scope_file`]). Two scopes of a
//!   source on the same day are two files, and both count. Files of earlier builds (the stem alone,
//!   or with eight hex digits when sanitising changed it) are still read, and renamed to the
//!   current name before their day is written again.
//! - A usage line is filed under the UTC day of its `start`; a cost line under its `start` day;
//!   an activity line under its `day`.
//! - Each file is Parquet (zstd; columns of a few values, and columns holding one value in that
//!   file, uncompressed) with key-value metadata `spendlens.schema_version=2`; rows are
//!   sorted, so the same input gives the same bytes.
//! - Files are replaced atomically: written to `.<scope>.parquet.tmp-<pid>-<n>` in the same
//!   directory (a name no reader lists), synced, renamed over the target, and the directory synced.
//!   Every writer holds the data directory's advisory lock (`DATA_DIR/.writer.lock`); leftover
//!   temporary files from a crash are removed by the next writer once it holds the lock.
//!
//! Columns (`Decimal128(38, 18)` holds exact US dollars; timestamps are microseconds, UTC):
//!
//! - **usage**: `start`, `end` (timestamp), `path`, `workspace_id`, `api_key_id`, `api_key_name`,
//!   `actor_email`, `session_id`, `request_id`, `project`, `account_id`, `service_account_id`
//!   (nullable utf8), `model`, `service_tier`,
//!   `context_window`, `inference_geo`, `speed` (utf8), `input_tokens`, `cache_write_5m_tokens`,
//!   `cache_write_1h_tokens`, `cache_read_tokens`, `output_tokens`, `web_search_requests`,
//!   `code_execution_seconds` (uint64), `requests` (nullable uint64), `reported_cost_usd`
//!   (nullable decimal).
//! - **cost**: `start_day`, `end_day` (date32, end exclusive), `amount_usd` (decimal), `kind`,
//!   `description`, `path` (utf8), the nine identity columns above, `model`, `service_tier`,
//!   `token_type`, `context_window`, `inference_geo`, `seat_type`, `team` (nullable utf8).
//! - **directory**: `kind`, `id` (utf8), `name`, `email`, `workspace_id`, `created_by`, `status`
//!   (nullable utf8).
//! - **activity** (what an engineer did with Claude Code on a day; no dollars): `actor_email`,
//!   `api_key_name`, `actor_type`, `customer_type`, `subscription_type`, `terminal_type` (nullable utf8),
//!   `sessions`, `lines_added`, `lines_removed`, `commits`, `pull_requests`, `tool_accepted`,
//!   `tool_rejected` (uint64), `active_seconds` (nullable uint64).
//!
//! - **usage_rollup** (derived data, never the truth: a usage file's day rollup, which spendlens
//!   reads instead of the lines): the text columns `path` to `speed` of the usage table but
//!   `session_id`, `request_id` and `project`, the quantity columns and `reported_cost_usd` summed
//!   per group (`requests` and `reported_cost_usd` null when no line had one), `sessions` (distinct
//!   non-empty session ids) and `lines` (uint64). Each usage file's footer holds
//!   `spendlens.generation`, a hash of its data pages; its summary's footer names the generation it
//!   was made from (`spendlens.summarises`), and a summary naming another is not read. Other
//!   engines read the usage table and can ignore this one; deleting it loses nothing
//!   (`spendlens refresh-rollups` makes it again).
//!
//! Enumerations are stored in the model's canonical lower-case spellings (`as_str()`); a value a
//! source wrote that this build does not know (a new service tier, say) is stored exactly as
//! written, and read back as that unknown value.
//!
//! A new table is an additive change: it is a directory of its own that older builds never list,
//! so `activity` did not bump the version. Changing a table's columns does: version 2 added the
//! nullable `account_id`, `service_account_id` (usage, cost) and `actor_type` (activity). A
//! version-1 file is read with those columns absent; the first write of a version-2 build raises
//! the marker, so an older build refuses the lake rather than meet files it cannot read.
//!
//! # Engines
//!
//! The lake is plain Parquet in Hive partitions, so any engine can read it and spendlens never
//! holds the data hostage. The default build reads it with no query engine: each read lists the
//! partitions it wants by name, decodes only the columns it needs, and groups in hash maps, the
//! files shared over the cores (`scan`, `direct`). That answers every question spendlens asks as
//! fast as a query engine did, and compiles in a fraction of DataFusion's time (about 1,700 of a
//! cold build's 2,600 CPU-seconds were DataFusion and its SQL parser).
//!
//! The `datafusion` feature adds `SqlLake`: the same [`Lake`] answered as DataFusion SQL over
//! listing tables. A test holds both engines to the same answers (`cargo test -p spendlens-store
//! --features datafusion`), and it is the way to Ballista (whose 55 line builds on DataFusion 55)
//! when an organisation's usage outgrows one machine.

pub mod atomic;
mod coded;
mod convert;
mod decode;
mod direct;
mod encode;
mod error;
mod export;
mod files;
mod hours;
mod lake;
mod layout;
mod rollups;
mod scan;
#[cfg(feature = "datafusion")]
mod sql;
mod store;
mod summaries;

pub use decode::UsageDetail;
pub use error::StoreError;
pub use export::{ExportColumn, ExportValues, export_parquet};
pub use lake::{Lake, LakeExt, ScopeFile};
pub use layout::{SCHEMA_VERSION, scope_file};
pub use rollups::RollupRefresh;
#[cfg(feature = "datafusion")]
pub use sql::SqlLake;
pub use store::{Replace, Store, WriteSummary, WriterLock};
pub use summaries::{StoreTotals, Totals, UsageRollup};
