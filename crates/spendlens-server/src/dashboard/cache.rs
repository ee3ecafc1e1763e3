//! Answers kept between requests, so a page is served in milliseconds once its answer is made.
//!
//! An answer (a report, a plan, a reconciliation) takes the application seconds on a large
//! organisation, and the same answer is asked for by every page view, CSV export and API call of
//! the same period. Answers are kept by question (use case and its arguments) while the data
//! directory is unchanged: the lake's folders (a partition replaced atomically changes its
//! folder's modification time), the org map, the price file and `config.toml`. Any change, by
//! this server's own flushes and pushes or by another process's ingest or sync, empties the cache.
//! One answer is made at a time (each can take a gigabyte on a large organisation), and a question
//! asked while its answer is being made waits for it instead of making it twice.

use std::any::Any;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::ServerError;

/// How many answers are kept (the oldest is dropped first).
const CAPACITY: usize = 96;

type Kept = Arc<dyn Any + Send + Sync>;

pub(crate) struct Cache {
    data_dir: PathBuf,
    state: Mutex<State>,
    /// Held while an answer is made.
    making: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    fingerprint: Option<u64>,
    answers: HashMap<String, Kept>,
    order: VecDeque<String>,
}

impl Cache {
    pub(crate) fn new(data_dir: PathBuf) -> Cache {
        Cache { data_dir, state: Mutex::new(State::default()), making: tokio::sync::Mutex::new(()) }
    }

    /// The answer to `question`, kept or made by `make` (on a blocking thread).
    pub(crate) async fn answer<T, F>(&self, question: String, make: F) -> Result<Arc<T>, ServerError>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Result<T, ServerError> + Send + 'static,
    {
        let data_dir = self.data_dir.clone();
        let fingerprint = tokio::task::spawn_blocking(move || fingerprint(&data_dir))
            .await
            .map_err(|error| ServerError::Task { detail: error.to_string() })?;
        if let Some(kept) = self.kept::<T>(&question, fingerprint) {
            return Ok(kept);
        }
        let _making = self.making.lock().await;
        if let Some(kept) = self.kept::<T>(&question, fingerprint) {
            return Ok(kept);
        }
        let made = Arc::new(tokio::task::spawn_blocking(make).await.map_err(|error| ServerError::Task { detail: error.to_string() })??);
        let mut state = self.lock();
        if state.fingerprint == Some(fingerprint) {
            if state.order.len() >= CAPACITY
                && let Some(oldest) = state.order.pop_front()
            {
                state.answers.remove(&oldest);
            }
            state.order.push_back(question.clone());
            state.answers.insert(question, made.clone() as Kept);
        }
        Ok(made)
    }

    fn kept<T: Send + Sync + 'static>(&self, question: &str, fingerprint: u64) -> Option<Arc<T>> {
        let mut state = self.lock();
        if state.fingerprint != Some(fingerprint) {
            *state = State { fingerprint: Some(fingerprint), ..State::default() };
            return None;
        }
        state.answers.get(question).cloned().and_then(|kept| kept.downcast::<T>().ok())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Plain data: a panic elsewhere leaves nothing half-written.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A hash of every lake folder's path and modification time and of the settings files' times.
pub(crate) fn fingerprint(data_dir: &Path) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for name in ["orgmap.toml", "prices.toml", "config.toml"] {
        let modified = std::fs::metadata(data_dir.join(name)).and_then(|metadata| metadata.modified()).ok();
        (name, modified).hash(&mut hasher);
    }
    let mut folders = vec![data_dir.join("lake")];
    while let Some(folder) = folders.pop() {
        let modified = std::fs::metadata(&folder).and_then(|metadata| metadata.modified()).ok();
        (&folder, modified).hash(&mut hasher);
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        let mut children: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_dir()))
            .map(|entry| entry.path())
            .collect();
        children.sort();
        folders.extend(children);
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn a_partition_replaced_changes_the_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let day = dir.path().join("lake/usage/source=admin_usage/day=2026-10-01");
        std::fs::create_dir_all(&day).unwrap();
        std::fs::write(day.join("org.parquet"), b"a").unwrap();
        let before = fingerprint(dir.path());
        assert_eq!(before, fingerprint(dir.path()));
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(day.join("org.parquet.tmp-1"), b"b").unwrap();
        std::fs::rename(day.join("org.parquet.tmp-1"), day.join("org.parquet")).unwrap();
        assert_ne!(before, fingerprint(dir.path()), "a file renamed into a day folder");
        let after = fingerprint(dir.path());
        std::fs::write(dir.path().join("orgmap.toml"), b"").unwrap();
        assert_ne!(after, fingerprint(dir.path()), "a new org map");
    }

    #[tokio::test]
    async fn an_answer_is_made_once_while_the_data_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lake")).unwrap();
        let cache = Cache::new(dir.path().to_path_buf());
        let made = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        for _ in 0..3 {
            let counter = made.clone();
            let answer = cache
                .answer("q".into(), move || Ok::<_, ServerError>(counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 41))
                .await
                .unwrap();
            assert_eq!(*answer, 41);
        }
        assert_eq!(made.load(std::sync::atomic::Ordering::SeqCst), 1);
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::create_dir_all(dir.path().join("lake/cost")).unwrap();
        let counter = made.clone();
        let answer = cache
            .answer("q".into(), move || Ok::<_, ServerError>(counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 41))
            .await
            .unwrap();
        assert_eq!(*answer, 42, "made again after the lake changed");
    }
}
