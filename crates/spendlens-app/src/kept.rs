//! Answers kept in `DATA_DIR/cache/` under the key of everything they were computed from, so a
//! question asked again over unchanged data is answered without reading and pricing every line:
//! the `cc` views of a person's transcripts, the optimiser's months. The key holds this binary
//! (length and modification time), the price book, the question, and a version of the stored
//! data the caller names (which changes with any write to it). A cache is only ever an
//! optimisation: a missing, unreadable or stale file is recomputed (and rewritten), and a file
//! is replaced whole (written aside, then renamed), so a reader never sees half of one.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::DateTime;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use spendlens_model::{ContextWindow, Identity, InferenceGeo, Money, Path, Quantities, ServiceTier, Source, Speed, TokenCounts, UsageLine};
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
        let mut inputs = std::hash::DefaultHasher::new();
        (executable.len(), executable.modified().ok(), format!("{book:?}"), stored).hash(&mut inputs);
        Some(ViewCache { path: Self::path(app, kind, asked), key: format!("{asked} {:016x}", inputs.finish()) })
    }

    /// Where the answer of `kind` for `asked` is kept, whatever its key.
    fn path(app: &App, kind: &str, asked: &str) -> PathBuf {
        use std::hash::{Hash, Hasher};
        let mut slot = std::hash::DefaultHasher::new();
        asked.hash(&mut slot);
        app.settings.cache_dir().join(format!("{kind}-{:016x}.json", slot.finish()))
    }

    /// Whether an answer of `kind` for `asked` is kept, current or not (cheap: no key is made).
    pub(crate) fn is_kept(app: &App, kind: &str, asked: &str) -> bool {
        Self::path(app, kind, asked).is_file()
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

/// `#[serde(with = "compact_lines")]`: usage lines kept as [`CompactLines`].
pub(crate) mod compact_lines {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use spendlens_model::UsageLine;

    use super::CompactLines;

    pub(crate) fn serialize<S: Serializer>(lines: &[UsageLine], serializer: S) -> Result<S::Ok, S::Error> {
        CompactLines::of(lines).serialize(serializer)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<UsageLine>, D::Error> {
        CompactLines::deserialize(deserializer)?.lines().map_err(D::Error::custom)
    }
}

/// Usage lines as a kept answer holds them: each distinct string once, each line an array of
/// numbers and short names (no field names, no repeated ids): a fraction of the bytes of the
/// lines' own JSON, read several times faster. Exact: the lines come back equal, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct CompactLines {
    strings: Vec<String>,
    rows: Vec<CompactRow>,
}

/// One line: source, start and end (microseconds since the epoch), path, the identity's nine
/// strings (each an index into the strings plus one; 0 for none: workspace, key id, key name,
/// actor, session, request, project, account, service account), the model (an index), tier,
/// context window, geography, speed, the five token counts (input, 5-minute and 1-hour cache
/// writes, cache reads, output), web searches, code-execution seconds, requests and the reported
/// cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct CompactRow(
    Source,
    i64,
    i64,
    Path,
    [usize; 9],
    usize,
    ServiceTier,
    ContextWindow,
    InferenceGeo,
    Speed,
    [u64; 5],
    u64,
    u64,
    Option<u64>,
    Option<Money>,
);

/// `text`'s place among `strings`, added at the end when new.
fn intern<'a>(text: &'a str, strings: &mut Vec<String>, places: &mut HashMap<&'a str, usize>) -> usize {
    *places.entry(text).or_insert_with(|| {
        strings.push(text.to_string());
        strings.len() - 1
    })
}

impl CompactLines {
    pub(crate) fn of(lines: &[UsageLine]) -> CompactLines {
        let mut strings = Vec::new();
        let mut places = HashMap::new();
        let mut rows = Vec::with_capacity(lines.len());
        for line in lines {
            let identity = &line.identity;
            let mut ids = [0usize; 9];
            let texts = [
                &identity.workspace_id,
                &identity.api_key_id,
                &identity.api_key_name,
                &identity.actor_email,
                &identity.session_id,
                &identity.request_id,
                &identity.project,
                &identity.account_id,
                &identity.service_account_id,
            ];
            for (id, text) in ids.iter_mut().zip(texts) {
                *id = text.as_deref().map_or(0, |text| intern(text, &mut strings, &mut places) + 1);
            }
            let tokens = &line.quantities.tokens;
            rows.push(CompactRow(
                line.source,
                line.start.timestamp_micros(),
                line.end.timestamp_micros(),
                line.path,
                ids,
                intern(&line.model, &mut strings, &mut places),
                line.service_tier,
                line.context_window,
                line.inference_geo,
                line.speed,
                [tokens.input, tokens.cache_write_5m, tokens.cache_write_1h, tokens.cache_read, tokens.output],
                line.quantities.web_search_requests,
                line.quantities.code_execution_seconds,
                line.quantities.requests,
                line.reported_cost,
            ));
        }
        CompactLines { strings, rows }
    }

    /// The lines, or what makes them unreadable (a string or instant out of range).
    pub(crate) fn lines(self) -> Result<Vec<UsageLine>, String> {
        let string = |place: usize| self.strings.get(place).cloned().ok_or_else(|| format!("no string {place}"));
        let optional = |place: usize| if place == 0 { Ok(None) } else { string(place - 1).map(Some) };
        let instant = |micros: i64| DateTime::from_timestamp_micros(micros).ok_or_else(|| format!("no instant {micros}"));
        let mut lines = Vec::with_capacity(self.rows.len());
        for CompactRow(source, start, end, path, ids, model, tier, window, geo, speed, tokens, searches, seconds, requests, reported) in
            &self.rows
        {
            let mut line = UsageLine::new(instant(*start)?, instant(*end)?, *source, string(*model)?);
            line.path = *path;
            let [workspace, key, key_name, actor, session, request, project, account, service_account] = *ids;
            line.identity = Identity {
                workspace_id: optional(workspace)?,
                api_key_id: optional(key)?,
                api_key_name: optional(key_name)?,
                actor_email: optional(actor)?,
                session_id: optional(session)?,
                request_id: optional(request)?,
                project: optional(project)?,
                account_id: optional(account)?,
                service_account_id: optional(service_account)?,
            };
            line.service_tier = *tier;
            line.context_window = *window;
            line.inference_geo = *geo;
            line.speed = *speed;
            let [input, cache_write_5m, cache_write_1h, cache_read, output] = *tokens;
            line.quantities = Quantities {
                tokens: TokenCounts { input, cache_write_5m, cache_write_1h, cache_read, output },
                web_search_requests: *searches,
                code_execution_seconds: *seconds,
                requests: *requests,
            };
            line.reported_cost = *reported;
            lines.push(line);
        }
        Ok(lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_lines_come_back_equal_in_order() {
        let start = DateTime::from_timestamp_micros(1_790_000_000_123_456).unwrap();
        let mut full = UsageLine::new(start, start + chrono::Duration::days(16), Source::AdminUsage, "claude-sonnet-5-5");
        full.path = Path::Api;
        full.identity = Identity {
            workspace_id: Some("wrkspc_1".into()),
            api_key_id: Some("apikey_1".into()),
            api_key_name: Some("name \"quoted\" é".into()),
            actor_email: Some("a@example.com".into()),
            session_id: Some("s".into()),
            request_id: Some("r".into()),
            project: Some("/home/a".into()),
            account_id: Some("user_1".into()),
            service_account_id: Some("apikey_1".into()),
        };
        full.service_tier = "flex".parse().unwrap();
        full.context_window = "200k-1M".parse().unwrap();
        full.inference_geo = "us".parse().unwrap();
        full.speed = "fast".parse().unwrap();
        full.quantities = Quantities {
            tokens: TokenCounts { input: 1, cache_write_5m: 2, cache_write_1h: 3, cache_read: 4, output: u64::MAX },
            web_search_requests: 5,
            code_execution_seconds: 6,
            requests: Some(7),
        };
        full.reported_cost = Some("12.345678901".parse().unwrap());
        let mut bare = UsageLine::new(start, start, Source::AdminAnalyticsUsage, "apikey_1");
        bare.identity.api_key_id = Some("claude-sonnet-5-5".into());
        let lines = vec![full.clone(), bare, full];
        let compact = CompactLines::of(&lines);
        // Each distinct string once, whichever field it came from.
        assert_eq!(compact.strings.iter().filter(|text| *text == "apikey_1").count(), 1);
        let text = serde_json::to_string(&compact).unwrap();
        let back: CompactLines = serde_json::from_str(&text).unwrap();
        assert_eq!(back.lines().unwrap(), lines);
        // A string out of range is an unreadable answer, never a wrong one.
        let mut broken = compact.clone();
        broken.strings.truncate(1);
        assert!(broken.lines().is_err());
    }
}
