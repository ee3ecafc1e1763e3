//! The direct read path: one scope's usage partition files read straight from Parquet, with no
//! query engine, only the columns asked for. It serves the per-person hot paths (the `cc` views,
//! merging new transcript or telemetry lines into a person's days), where a query plan would cost
//! more than the read. Every file passes the same checks as before a query (`files`).

use std::hash::{Hash, Hasher};

use spendlens_model::{Period, Source, UsageLine};

use crate::decode::{PRICED_LEAVES_OUT, UsageDetail, decode_usage_lines_into};
use crate::encode::{compare_usage, usage_schema};
use crate::files::{list_directory, read_checked_parquet};
use crate::layout::{Table, is_temporary, legacy_scope_stem, parse_day_partition, parse_source_partition, scope_file_name, scope_stem};
use crate::{ScopeFile, Store, StoreError};

/// The partition files of one scope of one source with a day in `period` (all if `None`), in day
/// order, each stamped with its name, inode, length and modification time.
pub(crate) fn scope_files(store: &Store, source: Source, scope: &str, period: Option<Period>) -> Result<Vec<ScopeFile>, StoreError> {
    let file_name = scope_file_name(&scope_stem(scope)?);
    // A day not written since an earlier build still holds the file under the name it gave.
    let legacy_name = scope_file_name(&legacy_scope_stem(scope)?);
    let mut files = Vec::new();
    for (name, path, is_directory) in list_directory(&store.layout.source(Table::Usage, source))? {
        let Some(day) = parse_day_partition(&name).filter(|_| is_directory) else { continue };
        if period.is_some_and(|period| !period.contains(day)) {
            continue;
        }
        let current = path.join(&file_name);
        let file = if current.exists() { current } else { path.join(&legacy_name) };
        let metadata = match std::fs::metadata(&file) {
            Ok(metadata) if metadata.is_file() => metadata,
            Ok(_) => continue,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) => return Err(StoreError::io("inspect", &file, error)),
        };
        files.push(ScopeFile { day, location: file.to_string_lossy().into_owned(), stamp: stamp(&metadata) });
    }
    Ok(files)
}

/// A hash of a file's length, modification time and inode: it changes whenever the file is
/// written or replaced.
fn stamp(metadata: &std::fs::Metadata) -> u64 {
    let mut stamp = std::hash::DefaultHasher::new();
    metadata.len().hash(&mut stamp);
    metadata.modified().ok().and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok()).hash(&mut stamp);
    #[cfg(unix)]
    std::os::unix::fs::MetadataExt::ino(metadata).hash(&mut stamp);
    stamp.finish()
}

/// The version of the days of `period` (all if `None`): a hash of the name and stamp of every
/// usage, cost and activity file filed under one of them, and of every file read whole whatever
/// the period (the directory's snapshots, the roster's seat records). Rollup summaries are left
/// out: they change how a day is read, never what it holds.
pub(crate) fn lake_version(store: &Store, period: Option<Period>) -> Result<u64, StoreError> {
    let mut hash = std::hash::DefaultHasher::new();
    for table in Table::ALL {
        for (name, source_directory, is_directory) in list_directory(&store.layout.table(table))? {
            let Some(source) = parse_source_partition(&name).filter(|_| is_directory) else { continue };
            if !table.has_day() {
                hash_files(&source_directory, &mut hash)?;
                continue;
            }
            let whole = table == Table::Cost && source == Source::Roster;
            for (name, day_directory, is_directory) in list_directory(&source_directory)? {
                let Some(day) = parse_day_partition(&name).filter(|_| is_directory) else { continue };
                if whole || period.is_none_or(|period| period.contains(day)) {
                    hash_files(&day_directory, &mut hash)?;
                }
            }
        }
    }
    Ok(hash.finish())
}

/// The name and stamp of every file of `directory` (not its folders, nor a write's temporary
/// files) added to `hash`.
fn hash_files(directory: &std::path::Path, hash: &mut std::hash::DefaultHasher) -> Result<(), StoreError> {
    for (name, path, is_directory) in list_directory(directory)? {
        if is_directory || is_temporary(&name) {
            continue;
        }
        let metadata = match std::fs::metadata(&path) {
            Ok(metadata) => metadata,
            // Replaced or removed while listed: a version of its own.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) => return Err(StoreError::io("inspect", &path, error)),
        };
        (path.to_string_lossy(), stamp(&metadata)).hash(hash);
    }
    Ok(())
}

/// One scope file's lines, only the columns `detail` names decoded, sorted.
pub(crate) fn read_scope_file(store: &Store, source: Source, file: &ScopeFile, detail: UsageDetail) -> Result<Vec<UsageLine>, StoreError> {
    let table = store.layout.table(Table::Usage);
    let schema = usage_schema();
    let only: Option<Vec<&str>> = match detail {
        UsageDetail::Full => None,
        UsageDetail::Priced => {
            Some(schema.fields().iter().map(|field| field.name().as_str()).filter(|name| !PRICED_LEAVES_OUT.contains(name)).collect())
        }
    };
    let path = std::path::Path::new(&file.location);
    let mut lines = Vec::new();
    for batch in read_checked_parquet(path, &schema, only.as_deref())? {
        decode_usage_lines_into(&batch, &table, Some(source), detail, &mut lines)?;
    }
    // Files are written sorted: sorting is only a safeguard.
    if !lines.is_sorted_by(|left, right| compare_usage(left, right) != std::cmp::Ordering::Greater) {
        lines.sort_by(compare_usage);
    }
    Ok(lines)
}
