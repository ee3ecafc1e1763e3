//! The sync cursors: per endpoint, the day through which data is stored (exclusive). The sink
//! keeps them (the application layer writes `DATA_DIR/sync-state.json`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use spendlens_model::Day;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncState {
    /// Endpoint name → first day not yet stored.
    pub cursors: BTreeMap<String, Day>,
}
