//! Claude Code's local JSONL transcripts (`~/.claude/projects/<encoded-cwd>/<session>.jsonl`,
//! subagent files under `<session>/subagents/`), read fast and incrementally.
//!
//! One API response is written as several lines sharing `message.id` (one per content block), with
//! partial `output_tokens` on early lines; subagent and resumed-session files can replay a parent's
//! message under a new `requestId`. So responses are de-duplicated across every file read, keyed by
//! `message.id` (falling back to `requestId`), keeping the best copy by a total order, [`rank`]:
//! the largest token total, then the main-chain copy, then (for copies alike in both) the smaller
//! content fingerprint. Because the order is total, the winner does not depend on the order files
//! are read in, so files are read in parallel and an incremental run can merge new copies with the
//! winner of an earlier run and reach exactly the cold-run answer.
//!
//! Reading: lines are found by a structural scanner ([`scan`]) that visits only top-level keys and
//! `message`'s keys, skipping string contents with `memchr`; only the small `usage` object goes
//! through serde. Lines without `"usage"` are skipped after a byte search. Files are streamed line
//! by line (memory bounded by the longest line), on every core ([`read_files`]).
//!
//! Incremental ingest ([`state`]): each file's cursor (length, modification time, offset after the
//! last complete line, lines consumed) and, per scope (the person), every response key's winner
//! summary (day, fingerprint, token total, main chain) are kept in a state file. A later run reads
//! only appended bytes and merges their responses with the recorded winners; see [`state`] for why
//! this equals a cold ingest.
//!
//! Prompts and code are never kept: only ids, timestamps, model, tokens and the working directory.

mod scan;
pub mod state;

use std::cmp::Reverse;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path as FilePath, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::wire::{CacheCreation, ServerToolUse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use spendlens_model::{Path, ServiceTier, Source, Speed, TokenCounts, UsageLine};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Usage<'a> {
    input_tokens: u64,
    output_tokens: u64,
    cache_read_input_tokens: u64,
    cache_creation_input_tokens: u64,
    cache_creation: Option<CacheCreation>,
    #[serde(borrow)]
    service_tier: Option<&'a str>,
    speed: Option<&'a str>,
    server_tool_use: Option<ServerToolUse>,
}

/// A line that could not be read, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub detail: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.detail)
    }
}

/// One API response as the best copy read so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The copy came from the main chain (not a subagent or `/btw` sidechain).
    pub main_chain: bool,
    pub line: UsageLine,
}

impl Response {
    /// The de-duplication order: larger is kept. See the module docs.
    pub fn rank(&self) -> (u64, bool, Reverse<u64>) {
        rank(self.line.tokens.total(), self.main_chain, fingerprint(&self.line))
    }
}

/// The de-duplication order over a copy's token total, chain and fingerprint.
pub fn rank(total: u64, main_chain: bool, fingerprint: u64) -> (u64, bool, Reverse<u64>) {
    (total, main_chain, Reverse(fingerprint))
}

/// A stable 64-bit FNV-1a hash of every field a transcript line stores (what the store gives back
/// identically: times in microseconds). Names one stored line among a day's lines.
pub fn fingerprint(line: &UsageLine) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for byte in bytes.iter().chain(&[0xff]) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    eat(&line.start.timestamp_micros().to_le_bytes());
    for text in [&line.identity.request_id, &line.identity.session_id, &line.identity.project, &line.identity.actor_email] {
        eat(text.as_deref().unwrap_or("\u{0}").as_bytes());
    }
    eat(line.model.as_bytes());
    eat(line.service_tier.as_str().as_bytes());
    eat(line.speed.as_str().as_bytes());
    let tokens = &line.tokens;
    for count in [tokens.input, tokens.cache_write_5m, tokens.cache_write_1h, tokens.cache_read, tokens.output, line.web_search_requests] {
        eat(&count.to_le_bytes());
    }
    hash
}

/// Collects responses from any number of transcript files, de-duplicating across all of them.
#[derive(Debug)]
pub struct TranscriptReader {
    actor_email: String,
    responses: HashMap<String, Response>,
    problems: Vec<Problem>,
    incomplete_tails: usize,
    usage_marker: memchr::memmem::Finder<'static>,
}

/// What a reader found.
#[derive(Debug, Clone, PartialEq)]
pub struct TranscriptBatch {
    /// One line per distinct API response, sorted by time.
    pub lines: Vec<UsageLine>,
    /// Lines that could not be read (reported, skipped).
    pub problems: Vec<Problem>,
    /// Files whose last line was cut short (Claude Code still writing): skipped silently.
    pub incomplete_tails: usize,
}

/// How one line was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Taken {
    /// Read (or skipped as not usage, or reported as malformed).
    Consumed,
    /// An unterminated last line that does not parse yet: left for a later run.
    Incomplete,
}

impl TranscriptReader {
    /// Lines are attributed to `actor_email` (the configured email or the OS user).
    pub fn new(actor_email: impl Into<String>) -> Self {
        TranscriptReader {
            actor_email: actor_email.into(),
            responses: HashMap::new(),
            problems: Vec::new(),
            incomplete_tails: 0,
            usage_marker: memchr::memmem::Finder::new(b"\"usage\""),
        }
    }

    /// Reads one file's bytes.
    pub fn read(&mut self, file: &str, bytes: &[u8]) {
        let mut rest = bytes;
        let mut number = 0;
        while !rest.is_empty() {
            number += 1;
            match memchr::memchr(b'\n', rest) {
                Some(end) => {
                    self.take(file, number, &rest[..end], true);
                    rest = &rest[end + 1..];
                }
                None => {
                    self.take(file, number, rest, false);
                    rest = &[];
                }
            }
        }
    }

    /// Reads a stream from `cursor` on, up to `limit` bytes in all; returns the advanced cursor's
    /// offset and line count, and the bytes read.
    fn read_stream(&mut self, file: &str, stream: impl Read, mut cursor: FileCursor) -> std::io::Result<(FileCursor, u64)> {
        let mut reader = BufReader::with_capacity(1 << 18, stream);
        let mut buffer = Vec::new();
        let mut bytes_read = 0;
        loop {
            buffer.clear();
            let count = reader.read_until(b'\n', &mut buffer)? as u64;
            if count == 0 {
                break;
            }
            bytes_read += count;
            let terminated = buffer.last() == Some(&b'\n');
            let line = if terminated { &buffer[..buffer.len() - 1] } else { &buffer[..] };
            let number = usize::try_from(cursor.lines + 1).unwrap_or(usize::MAX);
            if self.take(file, number, line, terminated) == Taken::Incomplete {
                break;
            }
            cursor.offset += count;
            cursor.lines += 1;
        }
        Ok((cursor, bytes_read))
    }

    fn take(&mut self, file: &str, number: usize, raw: &[u8], terminated: bool) -> Taken {
        if self.usage_marker.find(raw).is_none() {
            // Without usage it matters not; an unterminated one is left to be re-read whole later.
            return if terminated { Taken::Consumed } else { Taken::Incomplete };
        }
        match scan::scan(raw) {
            Ok(fields) => {
                if let Err(detail) = self.keep(fields) {
                    self.problems.push(Problem { file: file.to_string(), line: number, detail });
                }
                Taken::Consumed
            }
            Err(_) if !terminated => {
                self.incomplete_tails += 1;
                Taken::Incomplete
            }
            Err(error) => {
                self.problems.push(Problem { file: file.to_string(), line: number, detail: format!("not JSON: {error}") });
                Taken::Consumed
            }
        }
    }

    fn keep(&mut self, line: scan::Fields<'_>) -> Result<(), String> {
        if line.kind.as_deref() != Some("assistant") {
            return Ok(());
        }
        let Some(raw_usage) = line.usage else { return Ok(()) };
        if raw_usage == b"null" {
            return Ok(());
        }
        let model = line.model.as_deref().unwrap_or_default();
        if model.is_empty() || model == "<synthetic>" {
            return Ok(());
        }
        let usage: Usage<'_> = serde_json::from_slice(raw_usage).map_err(|error| format!("message.usage: {error}"))?;
        let key = match (&line.message_id, &line.request_id) {
            (Some(id), _) => id.to_string(),
            (None, Some(request)) => request.to_string(),
            (None, None) => return Err("an assistant line with usage but neither message.id nor requestId".into()),
        };
        let timestamp = line.timestamp.as_deref().ok_or("an assistant line without a timestamp")?;
        let time: DateTime<Utc> =
            DateTime::parse_from_rfc3339(timestamp).map_err(|_| format!("timestamp {timestamp:?} is not RFC 3339"))?.with_timezone(&Utc);
        // The store keeps microseconds: so must the fingerprint's copy.
        let time = DateTime::from_timestamp_micros(time.timestamp_micros()).unwrap_or(time);
        let (write_5m, write_1h) = match usage.cache_creation {
            Some(split) if split.ephemeral_5m_input_tokens + split.ephemeral_1h_input_tokens > 0 => {
                (split.ephemeral_5m_input_tokens, split.ephemeral_1h_input_tokens)
            }
            _ => (usage.cache_creation_input_tokens, 0),
        };
        let mut usage_line = UsageLine::new(time, time, Source::Transcript, model);
        usage_line.path = Path::ClaudeCode;
        usage_line.identity.actor_email = Some(self.actor_email.clone());
        usage_line.identity.session_id = line.session_id.map(Into::into);
        // The store has no message-id column: a response without a request id is named by its message.
        usage_line.identity.request_id = line.request_id.or(line.message_id).map(Into::into);
        usage_line.identity.project = line.cwd.map(Into::into);
        usage_line.service_tier = usage.service_tier.and_then(|tier| tier.parse().ok()).unwrap_or(ServiceTier::Standard);
        usage_line.speed = if usage.speed == Some("fast") { Speed::Fast } else { Speed::Standard };
        usage_line.tokens = TokenCounts {
            input: usage.input_tokens,
            cache_write_5m: write_5m,
            cache_write_1h: write_1h,
            cache_read: usage.cache_read_input_tokens,
            output: usage.output_tokens,
        };
        usage_line.web_search_requests = usage.server_tool_use.map_or(0, |tools| tools.web_search_requests);
        usage_line.requests = Some(1);
        self.offer(key, Response { main_chain: !line.is_sidechain, line: usage_line });
        Ok(())
    }

    /// Keeps `response` if it ranks above the copy kept for `key`.
    fn offer(&mut self, key: String, response: Response) {
        match self.responses.get(&key) {
            Some(kept) if kept.rank() >= response.rank() => {}
            _ => {
                self.responses.insert(key, response);
            }
        }
    }

    /// Folds another reader's findings into this one (the order does not matter).
    pub fn absorb(&mut self, other: TranscriptReader) {
        for (key, response) in other.responses {
            self.offer(key, response);
        }
        self.problems.extend(other.problems);
        self.incomplete_tails += other.incomplete_tails;
    }

    /// The best copy of every response, by key, with the problems found.
    pub fn into_responses(self) -> (HashMap<String, Response>, Vec<Problem>, usize) {
        (self.responses, self.problems, self.incomplete_tails)
    }

    pub fn finish(self) -> TranscriptBatch {
        let mut lines: Vec<UsageLine> = self.responses.into_values().map(|response| response.line).collect();
        lines.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.identity.request_id.cmp(&b.identity.request_id)));
        TranscriptBatch { lines, problems: self.problems, incomplete_tails: self.incomplete_tails }
    }
}

/// Where reading a file stopped: what the state file records per file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCursor {
    /// The file's length when it was last read.
    pub length: u64,
    /// Its modification time then, in nanoseconds since the epoch.
    pub modified_ns: u64,
    /// The byte offset after the last complete line consumed.
    pub offset: u64,
    /// Lines consumed (so problems in appended bytes get their true line number).
    pub lines: u64,
}

/// What [`read_files`] did.
#[derive(Debug)]
pub struct FilesRead {
    pub reader: TranscriptReader,
    /// The new cursor of every file read, by canonical path (unchanged files are not listed).
    pub cursors: Vec<(String, FileCursor)>,
    /// Files opened (new, grown, or re-read whole).
    pub files_read: usize,
    pub bytes_read: u64,
    /// Files that could not be opened or read, with why (reported; their cursors are unchanged).
    pub unreadable: Vec<String>,
}

fn modified_ns(metadata: &std::fs::Metadata) -> u64 {
    metadata
        .modified()
        .ok()
        .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |age| u64::try_from(age.as_nanos()).unwrap_or(u64::MAX))
}

/// Reads one file from where `previous` stopped: nothing when unchanged, the whole file when it
/// shrank or its modification time moved back. Returns the new cursor and the bytes read.
fn read_one(
    reader: &mut TranscriptReader,
    name: &str,
    path: &FilePath,
    previous: Option<FileCursor>,
) -> std::io::Result<Option<(FileCursor, u64)>> {
    let metadata = std::fs::metadata(path)?;
    let length = metadata.len();
    let modified = modified_ns(&metadata);
    let start = match previous {
        Some(cursor) if cursor.length == length && cursor.modified_ns == modified => return Ok(None),
        Some(cursor) if length >= cursor.offset && modified >= cursor.modified_ns => cursor,
        _ => FileCursor::default(),
    };
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(start.offset))?;
    let (mut cursor, bytes) = reader.read_stream(name, file.take(length - start.offset), start)?;
    cursor.length = length;
    cursor.modified_ns = modified;
    Ok(Some((cursor, bytes)))
}

/// Reads `files` (canonical path, path) on every core, each from its previous cursor, into one
/// de-duplicated reader attributed to `actor_email`.
pub fn read_files(files: &[(String, PathBuf)], previous: &std::collections::BTreeMap<String, FileCursor>, actor_email: &str) -> FilesRead {
    let threads = std::thread::available_parallelism().map_or(1, usize::from).clamp(1, files.len().max(1));
    let next = AtomicUsize::new(0);
    let empty = || FilesRead {
        reader: TranscriptReader::new(actor_email),
        cursors: Vec::new(),
        files_read: 0,
        bytes_read: 0,
        unreadable: Vec::new(),
    };
    let results: Mutex<Vec<FilesRead>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                // Each thread takes the next file until none is left, so one huge file does not
                // hold up a share of small ones.
                let mut mine = empty();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some((name, path)) = files.get(index) else { break };
                    match read_one(&mut mine.reader, name, path, previous.get(name).copied()) {
                        Ok(Some((cursor, read))) => {
                            mine.files_read += 1;
                            mine.bytes_read += read;
                            mine.cursors.push((name.clone(), cursor));
                        }
                        Ok(None) => {}
                        Err(error) => mine.unreadable.push(format!("{name}: {error}")),
                    }
                }
                if let Ok(mut all) = results.lock() {
                    all.push(mine);
                }
            });
        }
    });
    let mut merged = empty();
    for part in results.into_inner().unwrap_or_default() {
        merged.reader.absorb(part.reader);
        merged.cursors.extend(part.cursors);
        merged.files_read += part.files_read;
        merged.bytes_read += part.bytes_read;
        merged.unreadable.extend(part.unreadable);
    }
    merged.cursors.sort_by(|a, b| a.0.cmp(&b.0));
    merged.reader.problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    merged.unreadable.sort();
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assistant(id: &str, request: &str, output: u64, sidechain: bool) -> String {
        format!(
            r#"{{"type":"assistant","isSidechain":{sidechain},"sessionId":"s1","cwd":"/home/ana/shop","timestamp":"2026-10-02T09:14:33.512Z","requestId":"{request}","message":{{"id":"{id}","model":"claude-sonnet-4-5-20250929","content":[{{"type":"text","text":"secret code"}}],"usage":{{"input_tokens":4,"cache_creation_input_tokens":1830,"cache_read_input_tokens":24512,"cache_creation":{{"ephemeral_5m_input_tokens":830,"ephemeral_1h_input_tokens":1000}},"output_tokens":{output},"service_tier":"standard"}}}}}}"#
        )
    }

    #[test]
    fn streamed_copies_count_once_keeping_the_final_output() {
        let file = [assistant("msg_1", "req_1", 3, false), assistant("msg_1", "req_1", 121, false), assistant("msg_2", "req_2", 7, false)]
            .join("\n")
            + "\n";
        let mut reader = TranscriptReader::new("ana@acme.example");
        reader.read("a.jsonl", file.as_bytes());
        // A subagent file replays msg_1 under a new request id.
        reader.read("agent-1.jsonl", (assistant("msg_1", "req_9", 121, true) + "\n").as_bytes());
        let batch = reader.finish();
        assert_eq!(batch.lines.len(), 2);
        let first = batch.lines.iter().find(|line| line.tokens.output == 121).unwrap();
        assert_eq!(first.identity.request_id.as_deref(), Some("req_1"));
        assert_eq!((first.tokens.cache_write_5m, first.tokens.cache_write_1h), (830, 1000));
        assert_eq!(first.identity.project.as_deref(), Some("/home/ana/shop"));
        assert!(batch.problems.is_empty());
    }

    #[test]
    fn a_half_written_tail_is_tolerated_and_a_bad_line_is_reported() {
        let whole = assistant("msg_1", "req_1", 5, false);
        let file = format!("{whole}\n{{not json \"usage\"\n{}", &whole[..whole.len() - 20]);
        let mut reader = TranscriptReader::new("ana@acme.example");
        reader.read("s.jsonl", file.as_bytes());
        let batch = reader.finish();
        assert_eq!(batch.lines.len(), 1);
        assert_eq!(batch.incomplete_tails, 1);
        assert_eq!(batch.problems.len(), 1);
        assert_eq!(batch.problems[0].line, 2);
        assert!(batch.problems[0].to_string().starts_with("s.jsonl:2: not JSON"));
    }

    #[test]
    fn synthetic_messages_are_not_usage() {
        let synthetic = assistant("msg_1", "req_1", 0, false).replace("claude-sonnet-4-5-20250929", "<synthetic>");
        let mut reader = TranscriptReader::new("ana@acme.example");
        reader.read("s.jsonl", synthetic.as_bytes());
        assert!(reader.finish().lines.is_empty());
    }
}

#[cfg(test)]
mod file_tests {
    use std::collections::BTreeMap;
    use std::io::Write;

    use super::state::ScopeState;
    use super::*;

    fn assistant(id: &str, request: &str, time: &str, output: u64, sidechain: bool, session: &str) -> String {
        format!(
            r#"{{"type":"assistant","isSidechain":{sidechain},"sessionId":"{session}","timestamp":"{time}","requestId":"{request}","message":{{"id":"{id}","model":"claude-sonnet-4-5-20250929","content":[{{"type":"tool_use","input":{{"usage":{{"input_tokens":1000000}},"text":"\"quoted\" [nested [arrays]] \u00e9"}}}}],"usage":{{"input_tokens":4,"cache_read_input_tokens":10,"output_tokens":{output}}}}}}}"#
        )
    }

    fn totals(lines: &[UsageLine]) -> (usize, u64, u64) {
        (lines.len(), lines.iter().map(|line| line.tokens.input).sum(), lines.iter().map(|line| line.tokens.output).sum())
    }

    #[test]
    fn a_decoy_usage_in_a_tool_input_is_never_counted() {
        let mut reader = TranscriptReader::new("ana@acme.example");
        reader.read("a.jsonl", (assistant("m1", "r1", "2026-10-02T09:00:00Z", 5, false, "s") + "\n").as_bytes());
        let batch = reader.finish();
        assert_eq!(totals(&batch.lines), (1, 4, 5));
    }

    #[test]
    fn the_kept_copy_does_not_depend_on_reading_order() {
        // Same message, same tokens, different sessions (a resumed session copies history).
        let copies =
            [assistant("m1", "r1", "2026-10-02T09:00:00Z", 5, false, "s1"), assistant("m1", "r1", "2026-10-02T09:00:00Z", 5, false, "s2")];
        let read = |order: [usize; 2]| {
            let mut reader = TranscriptReader::new("a");
            for index in order {
                reader.read("f.jsonl", copies[index].as_bytes());
            }
            reader.finish().lines
        };
        assert_eq!(read([0, 1]), read([1, 0]));
    }

    /// Cold: one reader over the final bytes. Warm: the first bytes, then the appended ones merged
    /// through the state, applied to what the first run stored.
    #[test]
    fn incremental_reading_and_merging_equals_a_cold_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let first = assistant("m1", "r1", "2026-10-02T23:59:00Z", 3, false, "s");
        let second = assistant("m2", "r2", "2026-10-03T00:01:00Z", 8, false, "s");
        let cut = second.len() - 10;
        std::fs::write(&path, format!("{first}\n{}", &second[..cut])).unwrap();
        let files = vec![(path.display().to_string(), path.clone())];

        let mut scope = ScopeState::default();
        let read = read_files(&files, &scope.files, "a");
        assert_eq!((read.files_read, read.reader.incomplete_tails), (1, 1));
        let (responses, _, _) = read.reader.into_responses();
        let merge = scope.merge(responses);
        scope.files.extend(read.cursors);
        let stored = merge.apply(Vec::new());
        assert_eq!(totals(&stored), (1, 4, 3));
        assert_eq!(scope.files[&files[0].0].offset, first.len() as u64 + 1);

        // Complete the line, stream a later copy of m1 (on another day), and a sidechain replay.
        let mut file = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        writeln!(file, "{}", &second[cut..]).unwrap();
        writeln!(file, "{}", assistant("m1", "r1", "2026-10-02T23:59:00Z", 30, false, "s")).unwrap();
        writeln!(file, "{}", assistant("m2", "r9", "2026-10-03T00:01:00Z", 8, true, "s")).unwrap();
        drop(file);
        // Make sure the modification time differs even on coarse clocks: the length does.
        let read = read_files(&files, &scope.files, "a");
        assert!(read.bytes_read < std::fs::metadata(&path).unwrap().len());
        let (responses, problems, _) = read.reader.into_responses();
        assert!(problems.is_empty(), "{problems:?}");
        let merge = scope.merge(responses);
        scope.files.extend(read.cursors);
        let mut warm = merge.apply(stored);
        // Applying twice (a crash before the state was saved) changes nothing.
        warm = merge.apply(warm);

        let cold = read_files(&files, &BTreeMap::new(), "a").reader.finish().lines;
        assert_eq!(totals(&cold), (2, 8, 38));
        let mut warm_sorted = warm.clone();
        warm_sorted.sort_by_key(|line| (line.start, line.identity.request_id.clone()));
        assert_eq!(warm_sorted, cold);

        // Nothing new: nothing read.
        let again = read_files(&files, &scope.files, "a");
        assert_eq!((again.files_read, again.bytes_read), (0, 0));
    }

    #[test]
    fn the_state_file_round_trips_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("transcripts-state.json");
        let mut state = state::TranscriptState::load(&path).unwrap();
        state.scopes.entry("a".into()).or_default().files.insert("f".into(), FileCursor { length: 9, modified_ns: 1, offset: 9, lines: 1 });
        state.save(&path).unwrap();
        assert_eq!(state::TranscriptState::load(&path).unwrap(), state);
        assert!(!dir.path().join("transcripts-state.json.tmp").exists());
    }
}
