//! Where things live in the lake: directory and file names, the marker, and scope sanitising.
//!
//! This module owns only names. Creating, writing and deleting files is `files`' job.

use std::path::{Path as FilePath, PathBuf};

use serde::{Deserialize, Serialize};
use spendlens_model::{Day, Source};

use crate::StoreError;

/// The lake's directory under the data directory.
pub(crate) const LAKE_DIRECTORY: &str = "lake";
/// The marker file naming the lake's format and schema version.
pub(crate) const MARKER_FILE: &str = "_spendlens.json";
/// The writer lock's file in the data directory.
pub(crate) const WRITER_LOCK_FILE: &str = ".writer.lock";
/// The `format` the marker must name.
pub(crate) const FORMAT_NAME: &str = "spendlens-lake";
/// The lake schema version this build writes and reads (marker and Parquet metadata alike).
/// Version 2 added the nullable columns in [`ADDED_COLUMNS`]; files of version 1 are read with
/// them absent.
pub const SCHEMA_VERSION: u64 = 2;

/// Nullable columns added after version 1: a file without them is read as if each were null.
pub(crate) const ADDED_COLUMNS: [&str; 3] = ["account_id", "service_account_id", "actor_type"];
/// Parquet key-value metadata key holding the schema version of each file.
pub(crate) const FILE_VERSION_KEY: &str = "spendlens.schema_version";
/// The rollup summaries' directory under the lake (derived data: see `rollups`).
pub(crate) const ROLLUP_DIRECTORY: &str = "usage_rollup";
/// Parquet key-value metadata key of a usage file's generation (a hash of its data pages).
pub(crate) const GENERATION_KEY: &str = "spendlens.generation";
/// Parquet key-value metadata key of the generation a rollup summary was made from.
pub(crate) const SUMMARISES_KEY: &str = "spendlens.summarises";
/// Extension of every data file; temporary files never end with it.
pub(crate) const PARQUET_EXTENSION: &str = ".parquet";
/// Marks a temporary file: `.<name>.tmp-<pid>-<n>`.
pub(crate) const TEMPORARY_INFIX: &str = ".tmp-";

/// Longest sanitised scope kept before hashing, well under file-name limits.
const SCOPE_LENGTH_LIMIT: usize = 96;

/// The lake's four tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Table {
    Usage,
    Cost,
    Directory,
    Activity,
}

impl Table {
    pub(crate) const ALL: [Table; 4] = [Table::Usage, Table::Cost, Table::Directory, Table::Activity];

    /// Directory name under `lake/`, and the table's name in SQL.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Table::Usage => "usage",
            Table::Cost => "cost",
            Table::Directory => "directory",
            Table::Activity => "activity",
        }
    }

    /// Whether the table is partitioned by `day=` under `source=` (the directory is a snapshot).
    pub(crate) const fn has_day(self) -> bool {
        !matches!(self, Table::Directory)
    }
}

/// The marker file's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Marker {
    pub format: String,
    pub schema_version: u64,
}

impl Marker {
    pub(crate) fn current() -> Self {
        Marker { format: FORMAT_NAME.to_string(), schema_version: SCHEMA_VERSION }
    }
}

/// Paths of one lake.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    lake: PathBuf,
    data: PathBuf,
}

impl Layout {
    pub(crate) fn new(data_directory: &FilePath) -> Self {
        Layout { lake: data_directory.join(LAKE_DIRECTORY), data: data_directory.to_path_buf() }
    }

    /// The data directory the lake lives in (beside spendlens's state files).
    pub(crate) fn data(&self) -> &FilePath {
        &self.data
    }

    /// `DATA_DIR/.writer.lock`: the advisory lock every writer holds.
    pub(crate) fn writer_lock(&self) -> PathBuf {
        self.data.join(WRITER_LOCK_FILE)
    }

    pub(crate) fn lake(&self) -> &FilePath {
        &self.lake
    }

    pub(crate) fn marker(&self) -> PathBuf {
        self.lake.join(MARKER_FILE)
    }

    pub(crate) fn table(&self, table: Table) -> PathBuf {
        self.lake.join(table.name())
    }

    pub(crate) fn source(&self, table: Table, source: Source) -> PathBuf {
        self.table(table).join(source_partition(source))
    }

    pub(crate) fn day(&self, table: Table, source: Source, day: Day) -> PathBuf {
        self.source(table, source).join(day_partition(day))
    }
}

/// `source=<source>`.
pub(crate) fn source_partition(source: Source) -> String {
    format!("source={}", source.as_str())
}

/// `day=<YYYY-MM-DD>`.
pub(crate) fn day_partition(day: Day) -> String {
    format!("day={}", day.format("%Y-%m-%d"))
}

/// The source a `source=` directory name holds, in its exact canonical spelling only.
pub(crate) fn parse_source_partition(name: &str) -> Option<Source> {
    let text = name.strip_prefix("source=")?;
    Source::ALL.iter().copied().find(|source| source.as_str() == text)
}

/// The day a `day=` directory name holds.
pub(crate) fn parse_day_partition(name: &str) -> Option<Day> {
    let text = name.strip_prefix("day=")?;
    let day = Day::parse_from_str(text, "%Y-%m-%d").ok()?;
    (day_partition(day) == name).then_some(day)
}

/// The file of a scope: `<sanitised scope>.parquet`.
pub(crate) fn scope_file_name(stem: &str) -> String {
    format!("{stem}{PARQUET_EXTENSION}")
}

/// Whether a file name is one of the store's temporary files (left behind only by a crash).
pub(crate) fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.contains(TEMPORARY_INFIX)
}

/// The name of a scope's partition file (`<stem>.parquet`, see [`scope_stem`]).
pub fn scope_file(scope: &str) -> Result<String, StoreError> {
    Ok(scope_file_name(&scope_stem(scope)?))
}

/// The file stem of a caller-given scope: the scope with characters outside `[A-Za-z0-9._-]`
/// made `_` (a leading `.` too, which would hide the file), cut to a safe length, then `-` and
/// sixteen hex digits of a stable hash of the scope as given. The hash is always there, so two
/// scopes never share a file, however they spell (`ana@example.com` and a scope literally named
/// `ana_example.com-…`; an email spelled like a reserved scope).
pub(crate) fn scope_stem(scope: &str) -> Result<String, StoreError> {
    Ok(format!("{}-{}", sanitised(scope)?, stable_hash(scope)))
}

/// The file stem earlier builds (lake schema 1 and 2 before hashing always) gave a scope: the
/// sanitised scope, with the short hash only when sanitising changed it. Still read, and removed
/// when its day is written again, so a lake keeps one file per scope and day.
pub(crate) fn legacy_scope_stem(scope: &str) -> Result<String, StoreError> {
    let stem = sanitised(scope)?;
    Ok(if stem == scope { stem } else { format!("{stem}-{}", short_hash(scope)) })
}

fn sanitised(scope: &str) -> Result<String, StoreError> {
    if scope.is_empty() {
        return Err(StoreError::InvalidInput { detail: "a scope name must not be empty".to_string() });
    }
    Ok(scope
        .chars()
        .enumerate()
        .map(|(index, character)| {
            let allowed = character.is_ascii_alphanumeric() || matches!(character, '_' | '-') || (character == '.' && index > 0);
            if allowed { character } else { '_' }
        })
        .take(SCOPE_LENGTH_LIMIT)
        .collect())
}

/// FNV-1a over the bytes: fixed by definition, so file names never change between builds or
/// platforms.
fn fnv1a(text: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    text.bytes().fold(OFFSET, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(PRIME))
}

/// Sixteen hex digits of FNV-1a.
fn stable_hash(text: &str) -> String {
    format!("{:016x}", fnv1a(text))
}

/// The eight hex digits earlier builds used.
fn short_hash(text: &str) -> String {
    let hash = fnv1a(text);
    format!("{:08x}", (hash ^ (hash >> 32)) & 0xffff_ffff)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use super::*;

    #[test]
    fn every_scope_is_sanitised_and_hashed() {
        let cases = [
            ("org", "org-"),
            ("demo", "demo-"),
            ("team-a_2.v1", "team-a_2.v1-"),
            ("ana@example.com", "ana_example.com-"),
            ("a/b", "a_b-"),
            (".hidden", "_hidden-"),
            ("..", "_.-"),
            ("café", "caf_-"),
        ];
        for (scope, prefix) in cases {
            let stem = scope_stem(scope).unwrap();
            assert!(stem.starts_with(prefix), "{scope} -> {stem}");
            assert_eq!(stem.len(), prefix.len() + 16, "{scope} -> {stem}");
            assert!(stem.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')), "{stem}");
            assert!(!stem.starts_with('.'));
        }
    }

    #[test]
    fn regression_scopes_that_sanitise_alike_never_share_a_file() {
        // An email and a scope spelled as its sanitised form used to collide when the hash of the
        // one matched the suffix of the other; an email spelled `unattributed` took the file of
        // the reserved scope of telemetry without a person.
        let email = scope_stem("ana@example.com").unwrap();
        let lookalike = scope_stem(&legacy_scope_stem("ana@example.com").unwrap()).unwrap();
        assert_ne!(email, lookalike);
        assert_ne!(scope_stem("a@b").unwrap(), scope_stem("a#b").unwrap());
        assert_ne!(scope_stem("a_b").unwrap(), scope_stem("a@b").unwrap());
        assert_eq!(scope_stem("a@b").unwrap(), scope_stem("a@b").unwrap());
        // Pinned: the hash is part of the on-disk layout and must never change.
        assert_eq!(stable_hash(""), "cbf29ce484222325");
        assert_eq!(scope_stem("ana@example.com").unwrap(), format!("ana_example.com-{}", stable_hash("ana@example.com")));
        // The names earlier builds gave, still recognised.
        assert_eq!(legacy_scope_stem("org").unwrap(), "org");
        assert_eq!(legacy_scope_stem("ana@example.com").unwrap(), "ana_example.com-c702bca7");
    }

    #[test]
    fn long_scopes_are_cut_and_hashed() {
        let long = "x".repeat(300);
        let stem = scope_stem(&long).unwrap();
        assert_eq!(stem.len(), SCOPE_LENGTH_LIMIT + 17);
        assert_ne!(scope_stem(&"x".repeat(301)).unwrap(), stem);
    }

    #[test]
    fn empty_scope_is_rejected() {
        assert!(matches!(scope_stem(""), Err(StoreError::InvalidInput { .. })));
    }

    #[test]
    fn partition_names_parse_only_in_canonical_spelling() {
        assert_eq!(parse_source_partition("source=admin_cost"), Some(Source::AdminCost));
        assert_eq!(parse_source_partition("source=Admin_Cost"), None);
        let day: Day = "2026-01-05".parse().unwrap();
        assert_eq!(parse_day_partition("day=2026-01-05"), Some(day));
        assert_eq!(parse_day_partition("day=2026-1-5"), None);
        assert!(is_temporary(".org.parquet.tmp-12-3"));
        assert!(!is_temporary("org.parquet"));
    }
}
