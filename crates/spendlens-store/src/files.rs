//! The lake's files on disk: Parquet encoding and writes (through the one atomic writer,
//! [`crate::atomic`]), deletions, stale temporary files, and the check every data file passes
//! before a query reads it. Temporary names do not end in `.parquet`, so no engine lists them.

use std::collections::HashMap;
use std::fs::{self, File};
use std::path::{Path as FilePath, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use arrow_array::{Array, Date32Array, Decimal128Array, RecordBatch, StringArray, TimestampMicrosecondArray, UInt64Array};
use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::arrow::{ArrowWriter, ProjectionMask};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::metadata::ParquetMetaData;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use spendlens_model::{Day, Source};

use crate::StoreError;
use crate::atomic::{sync_directory, write_files_failing};
use crate::layout::{
    ADDED_COLUMNS, FILE_VERSION_KEY, GENERATION_KEY, PARQUET_EXTENSION, SCHEMA_VERSION, is_temporary, parse_day_partition,
    parse_source_partition,
};

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

/// Whether every row of `column` holds the same value (or none): such a column is a few bytes
/// dictionary- or level-encoded, and is stored uncompressed.
fn constant(column: &dyn Array) -> bool {
    fn same<T: PartialEq>(values: &[T]) -> bool {
        values.windows(2).all(|pair| pair[0] == pair[1])
    }
    if column.null_count() == column.len() {
        return true;
    }
    if column.null_count() > 0 {
        return false;
    }
    if let Some(values) = column.as_any().downcast_ref::<UInt64Array>() {
        return same(values.values());
    }
    if let Some(values) = column.as_any().downcast_ref::<Decimal128Array>() {
        return same(values.values());
    }
    if let Some(values) = column.as_any().downcast_ref::<Date32Array>() {
        return same(values.values());
    }
    if let Some(values) = column.as_any().downcast_ref::<TimestampMicrosecondArray>() {
        return same(values.values());
    }
    if let Some(values) = column.as_any().downcast_ref::<StringArray>() {
        let first = values.value(0);
        return (1..values.len()).all(|row| values.value(row) == first);
    }
    false
}

/// The writer's settings for `batch`: zstd, but for columns of few values and columns holding
/// one value in this file (a usage-report file has no sessions, actors or reported dollars), which
/// are stored uncompressed: zstd would make them larger, and every compressed column costs a
/// reader a compressor and a decompressor to set up.
fn writer_properties(batch: &RecordBatch, tags: &[(&str, &str)]) -> WriterProperties {
    let mut metadata = vec![KeyValue::new(FILE_VERSION_KEY.to_string(), SCHEMA_VERSION.to_string())];
    metadata.extend(tags.iter().map(|(key, value)| KeyValue::new(key.to_string(), value.to_string())));
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        // Partitions are pruned by their day folder, not by page statistics; request ids and
        // times are (nearly) unique per line, so a dictionary of them only costs.
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_column_dictionary_enabled(ColumnPath::from("request_id"), false)
        .set_column_dictionary_enabled(ColumnPath::from("start"), false)
        .set_column_dictionary_enabled(ColumnPath::from("end"), false)
        .set_key_value_metadata(Some(metadata));
    for column in FEW_VALUES {
        builder = builder.set_column_compression(ColumnPath::from(column), Compression::UNCOMPRESSED);
    }
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        if constant(column.as_ref()) {
            builder = builder.set_column_compression(ColumnPath::from(field.name().as_str()), Compression::UNCOMPRESSED);
        }
    }
    builder.build()
}

/// One record batch encoded as a Parquet file's bytes (`target` names it in errors).
pub(crate) fn parquet_bytes(target: &FilePath, batch: &RecordBatch) -> Result<Vec<u8>, StoreError> {
    Ok(parquet_bytes_tagged(target, batch, &[], None)?.0)
}

/// [`parquet_bytes`] with `tags` added to the file's key-value metadata, and, with `content`, a
/// hash of the file's data pages under that key: the same lines give the same hash (so writing
/// them again leaves the same bytes), other lines another. Returns the bytes and the hash.
pub(crate) fn parquet_bytes_tagged(
    target: &FilePath,
    batch: &RecordBatch,
    tags: &[(&str, &str)],
    content: Option<&str>,
) -> Result<(Vec<u8>, Option<String>), StoreError> {
    let encode_error = |error: parquet::errors::ParquetError| StoreError::Encode { path: target.to_path_buf(), detail: error.to_string() };
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, batch.schema(), Some(writer_properties(batch, tags))).map_err(encode_error)?;
    writer.write(batch).map_err(encode_error)?;
    let mut hash = None;
    if let Some(key) = content {
        // Every data page out of the writer's buffers: all but the footer is in `bytes`.
        writer.flush().map_err(encode_error)?;
        writer.sync().map_err(|error| StoreError::Encode { path: target.to_path_buf(), detail: error.to_string() })?;
        let mut hasher = std::hash::DefaultHasher::new();
        std::hash::Hasher::write(&mut hasher, writer.inner());
        let value = format!("{:016x}", std::hash::Hasher::finish(&hasher));
        writer.append_key_value_metadata(KeyValue::new(key.to_string(), value.clone()));
        hash = Some(value);
    }
    writer.close().map_err(encode_error)?;
    Ok((bytes, hash))
}

/// Writes one record batch as a Parquet file, atomically.
pub(crate) fn write_parquet(target: &FilePath, batch: &RecordBatch, fail_before_rename: bool) -> Result<(), StoreError> {
    write_files_failing(&[(target, &parquet_bytes(target, batch)?)], fail_before_rename)
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

/// Removes temporary files crashed writes left under `directory` (recursively when `deep`).
///
/// Only ever called by the holder of the writer lock: every other writer's temporary file exists
/// only while it holds the lock, so what is left then is a crash's. Returns how many were removed.
pub(crate) fn remove_stale_temporaries(directory: &FilePath, deep: bool) -> Result<usize, StoreError> {
    let mut removed = 0;
    let mut pending = vec![directory.to_path_buf()];
    while let Some(directory) = pending.pop() {
        for (name, path, is_directory) in list_directory(&directory)? {
            if is_directory {
                if deep {
                    pending.push(path);
                }
            } else if is_temporary(&name) && remove_if_present(&path)? {
                removed += 1;
            }
        }
    }
    Ok(removed)
}

/// A file's length, modification time and inode: changes whenever the file is replaced.
type Stamp = (u64, SystemTime, u64);

/// Checks data files before a query and remembers which passed (with the generation a usage
/// file's footer names), so each is read once.
#[derive(Debug, Default)]
pub(crate) struct FileChecker {
    passed: Mutex<HashMap<PathBuf, (Stamp, Option<String>)>>,
}

impl FileChecker {
    /// Checks every `.parquet` file under `table_directory`: it must sit in a valid partition
    /// directory, be valid Parquet, carry no newer schema version and hold the table's columns.
    #[cfg(feature = "datafusion")]
    pub(crate) fn check_table(&self, table_directory: &FilePath, has_day: bool, schema: &Schema) -> Result<(), StoreError> {
        self.data_files(table_directory, has_day, schema).map(drop)
    }

    /// Checks every data file of a table as [`FileChecker::check_table`] does, and lists them
    /// (in no particular order), each with the source and day its partition names.
    pub(crate) fn data_files(&self, table_directory: &FilePath, has_day: bool, schema: &Schema) -> Result<Vec<DataFile>, StoreError> {
        let depth = if has_day { 2 } else { 1 };
        let mut files = Vec::new();
        let mut pending = vec![(table_directory.to_path_buf(), 0usize)];
        while let Some((directory, level)) = pending.pop() {
            for (name, path, is_directory) in list_directory(&directory)? {
                if is_directory {
                    pending.push((path, level + 1));
                } else if name.ends_with(PARQUET_EXTENSION) && !is_temporary(&name) {
                    let (source, day) = check_placement(&path, table_directory, level, depth)?;
                    let generation = self.check_file(&path, schema)?;
                    files.push(DataFile { source, day, path, generation });
                }
            }
        }
        Ok(files)
    }

    /// Checks one file (once per version of it); returns the generation its footer names.
    fn check_file(&self, path: &FilePath, schema: &Schema) -> Result<Option<String>, StoreError> {
        let metadata = fs::metadata(path).map_err(|error| StoreError::io("inspect", path, error))?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&metadata);
        #[cfg(not(unix))]
        let inode = 0;
        let stamp = (metadata.len(), metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH), inode);
        if let Some(generation) = self
            .passed
            .lock()
            .ok()
            .and_then(|passed| passed.get(path).filter(|(passed, _)| *passed == stamp).map(|(_, generation)| generation.clone()))
        {
            return Ok(generation);
        }
        let builder = open_parquet(path)?;
        check_builder(path, &builder, schema)?;
        let generation = tag(builder.metadata(), GENERATION_KEY);
        if let Ok(mut passed) = self.passed.lock() {
            passed.insert(path.to_path_buf(), (stamp, generation.clone()));
        }
        Ok(generation)
    }
}

/// A data file of a table, checked, with the partition values its path holds.
#[derive(Debug, Clone)]
pub(crate) struct DataFile {
    pub source: Source,
    /// `None` for a table without days (the directory).
    pub day: Option<Day>,
    pub path: PathBuf,
    /// A usage file's generation (`spendlens.generation`), if its footer names one.
    pub generation: Option<String>,
}

/// The value of `key` in a file's key-value metadata.
pub(crate) fn tag(metadata: &ParquetMetaData, key: &str) -> Option<String> {
    metadata.file_metadata().key_value_metadata()?.iter().find(|entry| entry.key == key)?.value.clone()
}

/// The value of `key` in a Parquet file's key-value metadata, from its footer (nothing is
/// decoded): `None` when the file has no such entry.
pub(crate) fn footer_tag(path: &FilePath, key: &str) -> Result<Option<String>, StoreError> {
    let file = File::open(path).map_err(|error| StoreError::io("open", path, error))?;
    let metadata = parquet::file::metadata::ParquetMetaDataReader::new()
        .parse_and_finish(&file)
        .map_err(|error| StoreError::corrupt(path, format!("not a valid Parquet file: {error}")))?;
    Ok(tag(&metadata, key))
}

/// The rows a Parquet file holds, from its footer (nothing is decoded).
pub(crate) fn parquet_rows(path: &FilePath) -> Result<u64, StoreError> {
    let rows = open_parquet(path)?.metadata().file_metadata().num_rows();
    u64::try_from(rows).map_err(|_| StoreError::corrupt(path, format!("the footer counts {rows} rows")))
}

/// Checks that a data file sits in a valid partition; returns the source and day it names.
fn check_placement(path: &FilePath, table_directory: &FilePath, level: usize, depth: usize) -> Result<(Source, Option<Day>), StoreError> {
    let expected = if depth == 2 { "source=<source>/day=<YYYY-MM-DD>/" } else { "source=<source>/" };
    let misplaced = || StoreError::corrupt(path, format!("a data file must sit in {}/{expected}", table_directory.display()));
    if level != depth {
        return Err(misplaced());
    }
    let relative = path.strip_prefix(table_directory).map_err(|_| misplaced())?;
    let mut parts = relative.iter().map(|part| part.to_string_lossy());
    let source = parts.next().ok_or_else(misplaced)?;
    let Some(source) = parse_source_partition(&source) else {
        return Err(StoreError::corrupt(path, format!("{source:?} is not a known source partition")));
    };
    if depth == 2 {
        let day = parts.next().ok_or_else(misplaced)?;
        let Some(day) = parse_day_partition(&day) else {
            return Err(StoreError::corrupt(path, format!("{day:?} is not a day=YYYY-MM-DD partition")));
        };
        return Ok((source, Some(day)));
    }
    Ok((source, None))
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
    check_metadata(path, builder.metadata(), builder.schema(), schema)
}

/// Rows of a coded read's batches: a column chunk's dictionary is met once per batch.
const CODED_BATCH_ROWS: usize = 65_536;

/// [`read_checked_parquet`] of the columns `only`, with those of `coded` that are stored as text
/// read as dictionaries (`Dictionary(Int32, Utf8)`): a column chunk's spellings decoded once,
/// each row a code into them (see `coded`).
pub(crate) fn read_checked_parquet_coded(
    path: &FilePath,
    schema: &Schema,
    only: &[&str],
    coded: &[&str],
) -> Result<Vec<RecordBatch>, StoreError> {
    Ok(read_checked_parquet_coded_tagged(path, schema, only, coded, None)?.unwrap_or_default())
}

/// [`read_checked_parquet_coded`] of a file whose footer names `tagged` (key, value): `None`,
/// with nothing decoded, when it names another value or none.
pub(crate) fn read_checked_parquet_coded_tagged(
    path: &FilePath,
    schema: &Schema,
    only: &[&str],
    coded: &[&str],
    tagged: Option<(&str, &str)>,
) -> Result<Option<Vec<RecordBatch>>, StoreError> {
    let invalid = |error: parquet::errors::ParquetError| StoreError::corrupt(path, format!("not a valid Parquet file: {error}"));
    let file = File::open(path).map_err(|error| StoreError::io("open", path, error))?;
    let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(invalid)?;
    if let Some((key, value)) = tagged
        && tag(metadata.metadata(), key).as_deref() != Some(value)
    {
        return Ok(None);
    }
    check_metadata(path, metadata.metadata(), metadata.schema(), schema)?;
    let stored = metadata.schema();
    let fields: Vec<Field> = stored
        .fields()
        .iter()
        .map(|field| {
            let field = field.as_ref().clone();
            if coded.contains(&field.name().as_str()) && *field.data_type() == DataType::Utf8 {
                field.with_data_type(DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)))
            } else {
                field
            }
        })
        .collect();
    let options = ArrowReaderOptions::new().with_schema(Arc::new(Schema::new_with_metadata(fields, stored.metadata().clone())));
    let metadata = ArrowReaderMetadata::try_new(metadata.metadata().clone(), options).map_err(invalid)?;
    let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata).with_batch_size(CODED_BATCH_ROWS);
    let mask = ProjectionMask::columns(builder.parquet_schema(), only.iter().copied());
    let reader = builder.with_projection(mask).build().map_err(invalid)?;
    reader
        .map(|batch| batch.map_err(|error| StoreError::corrupt(path, format!("not a valid Parquet file: {error}"))))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn check_metadata(path: &FilePath, metadata: &ParquetMetaData, stored: &Schema, schema: &Schema) -> Result<(), StoreError> {
    let version = metadata
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
    for field in schema.fields() {
        let Ok(found) = stored.field_with_name(field.name()) else {
            if ADDED_COLUMNS.contains(&field.name().as_str()) {
                continue;
            }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use parquet::file::reader::{FileReader, SerializedFileReader};
    use spendlens_model::{Source, UsageLine};

    use super::*;
    use crate::encode::usage_batch;

    /// Which columns of a usage file are compressed: a column holding one value (or none) in
    /// the file is stored plain, a varying count is zstd.
    #[test]
    fn columns_of_one_value_are_stored_uncompressed() {
        let start = chrono::DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z").unwrap().to_utc();
        let lines: Vec<UsageLine> = (0..100u64)
            .map(|index| {
                let mut line = UsageLine::new(start, start + chrono::Duration::hours(1), Source::AdminUsage, "claude-sonnet-4-5");
                line.quantities.tokens.input = 1_000 + index * 7;
                line.quantities.tokens.output = 5;
                line.quantities.web_search_requests = index % 2;
                line
            })
            .collect();
        let batch = usage_batch(&mut lines.iter().collect::<Vec<_>>()).unwrap();
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("test.parquet");
        fs::write(&path, parquet_bytes(&path, &batch).unwrap()).unwrap();
        let reader = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
        let group = reader.metadata().row_group(0);
        let codec = |name: &str| {
            (0..group.num_columns())
                .map(|index| group.column(index))
                .find(|column| column.column_path().string() == name)
                .unwrap()
                .compression()
        };
        assert_eq!(codec("input_tokens"), Compression::ZSTD(ZstdLevel::default()));
        assert_eq!(codec("web_search_requests"), Compression::ZSTD(ZstdLevel::default()));
        for plain in ["output_tokens", "actor_email", "session_id", "requests", "reported_cost_usd", "start", "model"] {
            assert_eq!(codec(plain), Compression::UNCOMPRESSED, "{plain}");
        }
    }
}
