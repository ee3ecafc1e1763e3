//! The one atomic writer of spendlens: a file is written to `.<name>.tmp-<pid>-<n>` in its own
//! directory (a name no reader lists, unique to the process and the write), synced, renamed over
//! its target, and the directory synced, so a reader sees the old file or the new one, never half
//! of one, and a crash leaves at worst a temporary file. Lake partitions, state files, settings
//! files and caches all go through it.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path as FilePath, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::StoreError;
use crate::layout::TEMPORARY_INFIX;

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
pub(crate) fn write_files_failing(files: &[(&FilePath, &[u8])], fail_before_rename: bool) -> Result<(), StoreError> {
    write_files_as(files, fail_before_rename, false)
}

/// [`write_files_failing`], with every file readable and writable by its owner alone from the
/// moment it exists when `owner_only` is set (on Unix).
fn write_files_as(files: &[(&FilePath, &[u8])], fail_before_rename: bool, owner_only: bool) -> Result<(), StoreError> {
    let mut directories: Vec<&FilePath> = Vec::with_capacity(files.len());
    for (target, _) in files {
        let directory =
            target.parent().ok_or_else(|| StoreError::InvalidInput { detail: format!("{} has no directory", target.display()) })?;
        // A bare file name is in the working directory.
        let directory = if directory.as_os_str().is_empty() { FilePath::new(".") } else { directory };
        if !directories.contains(&directory) {
            directories.push(directory);
        }
    }
    ensure_directories(&directories)?;
    let mut temporaries: Vec<(PathBuf, File)> = Vec::with_capacity(files.len());
    let remove_all = |temporaries: &[(PathBuf, File)]| {
        // Best effort: a temporary name is never read, and the next writer to take the lock removes it.
        for (temporary, _) in temporaries {
            let _ = fs::remove_file(temporary);
        }
    };
    for (target, bytes) in files {
        let written = temporary_path(target).and_then(|temporary| {
            let mut options = OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            if owner_only {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            #[cfg(not(unix))]
            let _ = owner_only;
            let mut file = options.open(&temporary).map_err(|error| StoreError::io("create", &temporary, error))?;
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

/// Writes `bytes` to `target` atomically, creating its directory when missing.
pub fn write_file(target: &FilePath, bytes: &[u8]) -> Result<(), StoreError> {
    write_files_failing(&[(target, bytes)], false)
}

/// Writes `bytes` to `target` atomically, readable and writable by its owner alone (mode 600 on
/// Unix) from the moment the temporary file exists: a settings file holding secrets.
pub fn write_private_file(target: &FilePath, bytes: &[u8]) -> Result<(), StoreError> {
    write_files_as(&[(target, bytes)], false, true)
}

/// Writes several files, each whole or not at all, and none renamed into place until every one is
/// on disk (see [`write_files_failing`]).
pub fn write_files(files: &[(&FilePath, &[u8])]) -> Result<(), StoreError> {
    write_files_failing(files, false)
}
