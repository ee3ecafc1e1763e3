//! Answers kept in `DATA_DIR/cache/` under the key of everything they were computed from, so a
//! question asked again over unchanged data is answered without reading and pricing every line:
//! the `cc` views of a person's transcripts, the optimiser's months. The key holds this binary
//! (length and modification time), the price book, the question, and a version of the stored
//! data the caller names (which changes with any write to it). A cache is only ever an
//! optimisation: a missing, unreadable or stale file is recomputed (and rewritten), and a file
//! is replaced whole (written aside, then renamed), so a reader never sees half of one.

use std::path::PathBuf;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use spendlens_pricing::PriceBook;

use crate::App;

/// One kept answer (per kind and question) and the key of the inputs it must match.
pub(crate) struct ViewCache {
    path: PathBuf,
    key: String,
}

#[derive(Serialize, Deserialize)]
struct Kept<T> {
    key: String,
    answer: T,
}

impl ViewCache {
    /// The kept answer of `kind` (a file name's prefix) for `asked`, valid for this binary,
    /// `book` and `stored` (the version of the data the answer reads). `None` when this binary
    /// cannot be stamped (then nothing is kept).
    pub(crate) fn new(app: &App, kind: &str, asked: &str, book: &PriceBook, stored: u64) -> Option<Self> {
        use std::hash::{Hash, Hasher};
        let executable = std::env::current_exe().and_then(std::fs::metadata).ok()?;
        let mut slot = std::hash::DefaultHasher::new();
        asked.hash(&mut slot);
        let mut inputs = std::hash::DefaultHasher::new();
        (executable.len(), executable.modified().ok(), format!("{book:?}"), stored).hash(&mut inputs);
        Some(ViewCache {
            path: app.settings.cache_dir().join(format!("{kind}-{:016x}.json", slot.finish())),
            key: format!("{asked} {:016x}", inputs.finish()),
        })
    }

    pub(crate) fn read<T: DeserializeOwned>(&self) -> Option<T> {
        let kept: Kept<T> = serde_json::from_slice(&std::fs::read(&self.path).ok()?).ok()?;
        (kept.key == self.key).then_some(kept.answer)
    }

    /// Whether an answer is kept for this question under another key (one that no longer
    /// matches its inputs), read from the file's first bytes: the key is written first.
    pub(crate) fn is_stale(&self) -> bool {
        use std::io::Read;
        let Ok(file) = std::fs::File::open(&self.path) else { return false };
        let Ok(expected) = serde_json::to_string(&self.key) else { return false };
        let expected = format!("{{\"key\":{expected},");
        let mut start = Vec::with_capacity(expected.len());
        match file.take(expected.len() as u64).read_to_end(&mut start) {
            Ok(_) => start != expected.as_bytes(),
            Err(_) => true,
        }
    }

    /// Best effort: an answer that cannot be kept is computed again next time.
    pub(crate) fn write<T: Serialize>(&self, answer: &T) {
        #[derive(Serialize)]
        struct KeptRef<'a, T> {
            key: &'a str,
            answer: &'a T,
        }
        if let Ok(bytes) = serde_json::to_vec(&KeptRef { key: &self.key, answer }) {
            let _ = spendlens_store::atomic::write_file(&self.path, &bytes);
        }
    }
}
