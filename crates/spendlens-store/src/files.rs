//! The lake's files on disk: atomic Parquet writes, deletions, stale temporary files, and the
//! check every data file passes before a query reads it.
//!
//! A file is written to `.<name>.tmp-<pid>-<n>` in its own directory, synced, renamed over its
//! target and the directory synced, so a reader sees the old file or the new one, never half of
//! one. Temporary names do not end in `.parquet`, so no engine lists them.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path as FilePath, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::arrow::{ArrowWriter, ProjectionMask};
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::metadata::KeyValue;
use datafusion::parquet::file::properties::{EnabledStatistics, WriterProperties};
use datafusion::parquet::schema::types::ColumnPath;

use crate::StoreError;
use crate::layout::{
    FILE_VERSION_KEY, PARQUET_EXTENSION, SCHEMA_VERSION, TEMPORARY_INFIX, is_temporary, parse_day_partition, parse_source_partition,
};

/// Distinguishes temporary files of concurrent writes within one process.
static TEMPORARY_COUNTER: AtomicU64 = AtomicU64::new(0);

fn temporary_path(target: &FilePath) -> Result<PathBuf, StoreError> {
    let name = target
        .file_name()
        .and_then(|name| name.to_str())
        .ok_or_else(|| StoreError::InvalidInput { detail: format!("{} has no file name", target.display()) })?;
    let number = TEMPORARY_COUNTER.fetch_add(1, Ordering::Relaxed);
    Ok(target.with_file_name(format!(".{name}{TEMPORARY_INFIX}{}-{number}", std::process::id())))
}

/// Flushes a directory's entries (a rename or a deletion in it) to disk.
pub(crate) fn sync_directory(directory: &FilePath) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        File::open(directory).and_then(|handle| handle.sync_all()).map_err(|error| StoreError::io("sync directory", directory, error))?;
    }
    #[cfg(not(unix))]
    let _ = directory;
    Ok(())
}

/// Creates `directory` and any missing parents, syncing each parent whose entries changed.
pub(crate) fn ensure_directory(directory: &FilePath) -> Result<(), StoreError> {
    ensure_directories(&[directory])
}

/// Creates each of `directories` and any missing parents, then syncs each parent whose entries
/// changed, once however many directories were made in it.
fn ensure_directories(directories: &[&FilePath]) -> Result<(), StoreError> {
    let mut changed: Vec<PathBuf> = Vec::new();
    for directory in directories {
        if directory.is_dir() {
            continue;
        }
        let mut missing = Vec::new();
        let mut cursor = Some(*directory);
        while let Some(path) = cursor.filter(|path| !path.as_os_str().is_empty() && !path.is_dir()) {
            missing.push(path.to_path_buf());
            cursor = path.parent();
        }
        fs::create_dir_all(directory).map_err(|error| StoreError::io("create directory", directory, error))?;
        // Outermost first: a parent is synced after the directory holding it exists on disk.
        for created in missing.iter().rev() {
            if let Some(parent) = created.parent().filter(|parent| !parent.as_os_str().is_empty())
                && !changed.iter().any(|known| known == parent)
            {
                changed.push(parent.to_path_buf());
            }
        }
    }
    for parent in &changed {
        sync_directory(parent)?;
    }
    Ok(())
}

/// Writes files, each whole or not at all: temporary files, sync, rename, directory sync. With
/// several files, every temporary file is written before any is synced (the kernel starts writing
/// the first while the last is filled), each directory is synced once, and nothing is renamed
/// until every temporary file is on disk.
///
/// When `fail_before_rename` is set the write stops after the syncs, leaving the temporary files
/// behind as a crash would.
pub(crate) fn write_files_atomically(files: &[(&FilePath, &[u8])], fail_before_rename: bool) -> Result<(), StoreError> {
    let mut directories: Vec<&FilePath> = Vec::with_capacity(files.len());
    for (target, _) in files {
        let directory =
            target.parent().ok_or_else(|| StoreError::InvalidInput { detail: format!("{} has no directory", target.display()) })?;
        if !directories.contains(&directory) {
            directories.push(directory);
        }
    }
    ensure_directories(&directories)?;
    let mut temporaries: Vec<(PathBuf, File)> = Vec::with_capacity(files.len());
    let remove_all = |temporaries: &[(PathBuf, File)]| {
        // Best effort: a temporary name is never read, and the next open removes it anyway.
        for (temporary, _) in temporaries {
            let _ = fs::remove_file(temporary);
        }
    };
    for (target, bytes) in files {
        let written = temporary_path(target).and_then(|temporary| {
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temporary)
                .map_err(|error| StoreError::io("create", &temporary, error))?;
            let result = file.write_all(bytes).map_err(|error| StoreError::io("write", &temporary, error));
            temporaries.push((temporary, file));
            result
        });
        if let Err(error) = written {
            remove_all(&temporaries);
            return Err(error);
        }
    }
    for (temporary, file) in &temporaries {
        if let Err(error) = file.sync_all() {
            let error = StoreError::io("sync", temporary, error);
            remove_all(&temporaries);
            return Err(error);
        }
    }
    if fail_before_rename {
        let first = temporaries.first().map(|(temporary, _)| temporary.clone()).unwrap_or_default();
        return Err(StoreError::InjectedFailure { path: first });
    }
    for (index, ((temporary, _), (target, _))) in temporaries.iter().zip(files).enumerate() {
        if let Err(error) = fs::rename(temporary, target) {
            remove_all(&temporaries[index..]);
            return Err(StoreError::io("rename into place", target, error));
        }
    }
    for directory in directories {
        sync_directory(directory)?;
    }
    Ok(())
}

/// Writes `bytes` atomically (the marker file).
pub(crate) fn write_bytes_atomically(target: &FilePath, bytes: &[u8]) -> Result<(), StoreError> {
    write_files_atomically(&[(target, bytes)], false)
}

/// Columns that hold a handful of distinct values per file: dictionary-encoded, they take a few
/// dozen bytes, which zstd only makes larger (and a compressor and a decompressor are set up per
/// compressed column, on write and on read). They are stored uncompressed.
const FEW_VALUES: [&str; 17] = [
    "path",
    "workspace_id",
    "api_key_id",
    "api_key_name",
    "model",
    "service_tier",
    "context_window",
    "inference_geo",
    "speed",
    "kind",
    "token_type",
    "seat_type",
    "team",
    "status",
    "customer_type",
    "subscription_type",
    "terminal_type",
];

fn writer_properties() -> WriterProperties {
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        // Partitions are pruned by their day folder, not by page statistics; request ids and
        // times are (nearly) unique per line, so a dictionary of them only costs.
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_column_dictionary_enabled(ColumnPath::from("request_id"), false)
        .set_column_dictionary_enabled(ColumnPath::from("start"), false)
        .set_column_dictionary_enabled(ColumnPath::from("end"), false)
        .set_key_value_metadata(Some(vec![KeyValue::new(FILE_VERSION_KEY.to_string(), SCHEMA_VERSION.to_string())]));
    for column in FEW_VALUES {
        builder = builder.set_column_compression(ColumnPath::from(column), Compression::UNCOMPRESSED);
    }
    builder.build()
}

/// One record batch encoded as a Parquet file's bytes (`target` names it in errors).
pub(crate) fn parquet_bytes(target: &FilePath, batch: &RecordBatch) -> Result<Vec<u8>, StoreError> {
    let encode_error =
        |error: datafusion::parquet::errors::ParquetError| StoreError::Encode { path: target.to_path_buf(), detail: error.to_string() };
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, batch.schema(), Some(writer_properties())).map_err(encode_error)?;
    writer.write(batch).map_err(encode_error)?;
    writer.close().map_err(encode_error)?;
    Ok(bytes)
}

/// Writes one record batch as a Parquet file, atomically.
pub(crate) fn write_parquet(target: &FilePath, batch: &RecordBatch, fail_before_rename: bool) -> Result<(), StoreError> {
    write_files_atomically(&[(target, &parquet_bytes(target, batch)?)], fail_before_rename)
}

/// Deletes a file if it exists; reports whether it did.
pub(crate) fn remove_if_present(path: &FilePath) -> Result<bool, StoreError> {
    match fs::remove_file(path) {
        Ok(()) => {
            if let Some(directory) = path.parent() {
                sync_directory(directory)?;
            }
            Ok(true)
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(StoreError::io("remove", path, error)),
    }
}

/// The entries of a directory, or none when it does not exist.
pub(crate) fn list_directory(directory: &FilePath) -> Result<Vec<(String, PathBuf, bool)>, StoreError> {
    let entries = match fs::read_dir(directory) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(StoreError::io("list", directory, error)),
    };
    let mut listed = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|error| StoreError::io("list", directory, error))?;
        let kind = entry.file_type().map_err(|error| StoreError::io("inspect", entry.path(), error))?;
        listed.push((entry.file_name().to_string_lossy().into_owned(), entry.path(), kind.is_dir()));
    }
    listed.sort();
    Ok(listed)
}

/// Removes temporary files a crashed write left anywhere under `lake` (and nothing outside it).
///
/// Returns how many were removed. A write still running in another process at that moment fails
/// cleanly at its rename; the file it would have replaced stays whole.
pub(crate) fn remove_stale_temporaries(lake: &FilePath) -> Result<usize, StoreError> {
    let mut removed = 0;
    let mut pending = vec![lake.to_path_buf()];
    while let Some(directory) = pending.pop() {
        for (name, path, is_directory) in list_directory(&directory)? {
            if is_directory {
                pending.push(path);
            } else if is_temporary(&name) && remove_if_present(&path)? {
                removed += 1;
            }
        }
    }
    Ok(removed)
}

/// Checks data files before a query and remembers which passed, so each is read once.
#[derive(Debug, Default)]
pub(crate) struct FileChecker {
    passed: Mutex<HashMap<PathBuf, (u64, SystemTime)>>,
}

impl FileChecker {
    /// Checks every `.parquet` file under `table_directory`: it must sit in a valid partition
    /// directory, be valid Parquet, carry no newer schema version and hold the table's columns.
    pub(crate) fn check_table(&self, table_directory: &FilePath, has_day: bool, schema: &Schema) -> Result<(), StoreError> {
        let depth = if has_day { 2 } else { 1 };
        let mut pending = vec![(table_directory.to_path_buf(), 0usize)];
        while let Some((directory, level)) = pending.pop() {
            for (name, path, is_directory) in list_directory(&directory)? {
                if is_directory {
                    pending.push((path, level + 1));
                } else if name.ends_with(PARQUET_EXTENSION) && !is_temporary(&name) {
                    check_placement(&path, table_directory, level, depth)?;
                    self.check_file(&path, schema)?;
                }
            }
        }
        Ok(())
    }

    fn check_file(&self, path: &FilePath, schema: &Schema) -> Result<(), StoreError> {
        let metadata = fs::metadata(path).map_err(|error| StoreError::io("inspect", path, error))?;
        let stamp = (metadata.len(), metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH));
        if self.passed.lock().map(|passed| passed.get(path) == Some(&stamp)).unwrap_or(false) {
            return Ok(());
        }
        check_parquet(path, schema)?;
        if let Ok(mut passed) = self.passed.lock() {
            passed.insert(path.to_path_buf(), stamp);
        }
        Ok(())
    }
}

fn check_placement(path: &FilePath, table_directory: &FilePath, level: usize, depth: usize) -> Result<(), StoreError> {
    let expected = if depth == 2 { "source=<source>/day=<YYYY-MM-DD>/" } else { "source=<source>/" };
    let misplaced = || StoreError::corrupt(path, format!("a data file must sit in {}/{expected}", table_directory.display()));
    if level != depth {
        return Err(misplaced());
    }
    let relative = path.strip_prefix(table_directory).map_err(|_| misplaced())?;
    let mut parts = relative.iter().map(|part| part.to_string_lossy());
    let source = parts.next().ok_or_else(misplaced)?;
    if parse_source_partition(&source).is_none() {
        return Err(StoreError::corrupt(path, format!("{source:?} is not a known source partition")));
    }
    if depth == 2 {
        let day = parts.next().ok_or_else(misplaced)?;
        if parse_day_partition(&day).is_none() {
            return Err(StoreError::corrupt(path, format!("{day:?} is not a day=YYYY-MM-DD partition")));
        }
    }
    Ok(())
}

/// Whether a stored column type can be read as the type the table declares.
fn compatible(stored: &DataType, declared: &DataType) -> bool {
    let text = |data_type: &DataType| matches!(data_type, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View);
    match (stored, declared) {
        (DataType::Timestamp(stored_unit, Some(_)), DataType::Timestamp(declared_unit, Some(_))) => stored_unit == declared_unit,
        (DataType::Dictionary(_, value), _) => compatible(value, declared),
        _ => stored == declared || (text(stored) && text(declared)),
    }
}

fn check_parquet(path: &FilePath, schema: &Schema) -> Result<(), StoreError> {
    check_builder(path, &open_parquet(path)?, schema)
}

fn open_parquet(path: &FilePath) -> Result<ParquetRecordBatchReaderBuilder<File>, StoreError> {
    let file = File::open(path).map_err(|error| StoreError::io("open", path, error))?;
    ParquetRecordBatchReaderBuilder::try_new(file).map_err(|error| StoreError::corrupt(path, format!("not a valid Parquet file: {error}")))
}

/// Reads a whole data file, after the checks a query's files pass (valid Parquet, no newer
/// schema version, the table's columns), opening it once. Only the columns named in `only` are
/// decoded (every column when `None`); the file must still hold every column of `schema`.
pub(crate) fn read_checked_parquet(path: &FilePath, schema: &Schema, only: Option<&[&str]>) -> Result<Vec<RecordBatch>, StoreError> {
    let mut builder = open_parquet(path)?;
    check_builder(path, &builder, schema)?;
    if let Some(names) = only {
        let mask = ProjectionMask::columns(builder.parquet_schema(), names.iter().copied());
        builder = builder.with_projection(mask);
    }
    let reader = builder.build().map_err(|error| StoreError::corrupt(path, format!("not a valid Parquet file: {error}")))?;
    reader.map(|batch| batch.map_err(|error| StoreError::corrupt(path, format!("not a valid Parquet file: {error}")))).collect()
}

fn check_builder(path: &FilePath, builder: &ParquetRecordBatchReaderBuilder<File>, schema: &Schema) -> Result<(), StoreError> {
    let version = builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .and_then(|pairs| pairs.iter().find(|pair| pair.key == FILE_VERSION_KEY))
        .and_then(|pair| pair.value.clone());
    if let Some(version) = version {
        let found: u64 =
            version.trim().parse().map_err(|_| StoreError::corrupt(path, format!("{FILE_VERSION_KEY} {version:?} is not a number")))?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::corrupt(
                path,
                format!("written with lake schema version {found}, newer than this build's {SCHEMA_VERSION}: upgrade spendlens"),
            ));
        }
    }
    let stored = builder.schema();
    for field in schema.fields() {
        let Ok(found) = stored.field_with_name(field.name()) else {
            return Err(StoreError::corrupt(path, format!("column {:?} is missing", field.name())));
        };
        if !compatible(found.data_type(), field.data_type()) {
            return Err(StoreError::corrupt(
                path,
                format!("column {:?} is {} where {} is expected", field.name(), found.data_type(), field.data_type()),
            ));
        }
    }
    Ok(())
}
