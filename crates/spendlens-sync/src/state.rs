//! The sync cursors: per endpoint, the day through which data is stored (exclusive).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use spendlens_model::Day;

use crate::SyncError;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncState {
    /// Endpoint name → first day not yet stored.
    pub cursors: BTreeMap<String, Day>,
}

impl SyncState {
    /// Reads the state, or an empty one when the file does not exist yet.
    pub fn load(path: &Path) -> Result<SyncState, SyncError> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|error| SyncError::State { path: path.to_path_buf(), detail: format!("not a sync state file: {error}") }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(SyncState::default()),
            Err(error) => Err(SyncError::State { path: path.to_path_buf(), detail: error.to_string() }),
        }
    }

    /// Writes the state atomically (temp file, sync, rename).
    pub fn save(&self, path: &Path) -> Result<(), SyncError> {
        let failed = |detail: String| SyncError::State { path: path.to_path_buf(), detail };
        let temporary: PathBuf = path.with_extension("json.tmp");
        let bytes = serde_json::to_vec_pretty(self).map_err(|error| failed(error.to_string()))?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|error| failed(error.to_string()))?;
        }
        let mut file = std::fs::File::create(&temporary).map_err(|error| failed(error.to_string()))?;
        file.write_all(&bytes).and_then(|()| file.sync_all()).map_err(|error| failed(error.to_string()))?;
        std::fs::rename(&temporary, path).map_err(|error| failed(error.to_string()))
    }
}
