//! Claude Code's local JSONL transcripts (`~/.claude/projects/<encoded-cwd>/<session>.jsonl`,
//! subagent files under `<session>/subagents/`), read fast and incrementally.
//!
//! One API response is written as several lines sharing `message.id` (one per content block), with
//! partial `output_tokens` on early lines; subagent and resumed-session files can replay a parent's
//! message under a new `requestId`. So responses are de-duplicated across every file read, keyed by
//! `message.id` (falling back to `requestId`), keeping the best copy by a total order, [`rank`]:
//! the largest token total, then the main-chain copy, then (for copies alike in both) the smaller
//! content [`fingerprint`]. Because the order is total, the winner does not depend on the order
//! files are read in, so files are read in parallel and an incremental run can merge new copies
//! with the winner of an earlier run and reach exactly the cold-run answer.
//!
//! Reading: lines are found by a structural scanner ([`scan`]) that visits only top-level keys and
//! `message`'s keys, skipping string contents a block at a time; the small `usage` object is read
//! by the same scanner (no serde on the hot path). Lines without `"usage"` are skipped after a byte
//! search. Files are read in 256 KiB chunks into one buffer per thread, reused from file to file,
//! and lines are scanned in place (still in the core's cache), so
//! memory is bounded by the longest line (plus one small record per distinct response), on every
//! core, largest files first ([`read_files`]). A kept copy is compact: the strings most lines
//! repeat (session, working directory, model) are shared, a losing copy allocates nothing, and
//! the fingerprint is computed only when two copies tie on the first two keys.
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

use std::cell::Cell;
use std::cmp::{Ordering as Order, Reverse};
use std::collections::{BTreeMap, HashSet};
use std::hash::BuildHasher;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path as FilePath, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;
use serde::{Deserialize, Serialize};
use spendlens_model::{Path, ServiceTier, Source, Speed, TokenCounts, UsageLine, parallel};

/// A `costUSD` as written (a JSON number, plain or with an exponent).
fn reported_cost(raw: &[u8]) -> Option<spendlens_model::Money> {
    let text = std::str::from_utf8(raw).ok()?;
    let value = rust_decimal::Decimal::from_str_exact(text).or_else(|_| rust_decimal::Decimal::from_scientific(text)).ok()?;
    Some(spendlens_model::Money::from_decimal(value))
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

/// The de-duplication order over a copy's token total, chain and fingerprint: larger is kept.
pub fn rank(total: u64, main_chain: bool, fingerprint: u64) -> (u64, bool, Reverse<u64>) {
    (total, main_chain, Reverse(fingerprint))
}

/// A stable 64-bit hash of every field a transcript line stores (what the store gives back
/// identically: times in microseconds). Names one stored line among a day's lines.
pub fn fingerprint(line: &UsageLine) -> u64 {
    let identity = &line.identity;
    Fields {
        start: line.start,
        request_id: identity.request_id.as_deref(),
        session_id: identity.session_id.as_deref(),
        project: identity.project.as_deref(),
        actor_email: identity.actor_email.as_deref(),
        model: &line.model,
        service_tier: line.service_tier,
        speed: line.speed,
        tokens: &line.quantities.tokens,
        web_search_requests: line.quantities.web_search_requests,
    }
    .fingerprint()
}

/// The fields [`fingerprint`] covers, borrowed from a line or from a compact copy.
struct Fields<'a> {
    start: DateTime<Utc>,
    request_id: Option<&'a str>,
    session_id: Option<&'a str>,
    project: Option<&'a str>,
    actor_email: Option<&'a str>,
    model: &'a str,
    service_tier: ServiceTier,
    speed: Speed,
    tokens: &'a TokenCounts,
    web_search_requests: u64,
}

impl Fields<'_> {
    /// Eight bytes at a time, each field length-prefixed (absent and empty differ), then a final
    /// avalanche: fast enough to compute for every stored response.
    fn fingerprint(&self) -> u64 {
        let mut hash = Hash64::default();
        hash.number(self.start.timestamp_micros() as u64);
        for text in [self.request_id, self.session_id, self.project, self.actor_email] {
            match text {
                Some(text) => hash.text(text.as_bytes()),
                None => hash.number(u64::MAX),
            }
        }
        hash.text(self.model.as_bytes());
        hash.text(self.service_tier.as_str().as_bytes());
        hash.text(self.speed.as_str().as_bytes());
        let tokens = self.tokens;
        for count in
            [tokens.input, tokens.cache_write_5m, tokens.cache_write_1h, tokens.cache_read, tokens.output, self.web_search_requests]
        {
            hash.number(count);
        }
        hash.finish()
    }
}

/// A word-at-a-time 64-bit hash (multiply-rotate per word, murmur3's finaliser at the end).
struct Hash64(u64);

impl Default for Hash64 {
    fn default() -> Self {
        Hash64(0x243f_6a88_85a3_08d3)
    }
}

impl Hash64 {
    const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

    fn number(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(Self::MULTIPLIER).rotate_left(29);
    }

    fn text(&mut self, bytes: &[u8]) {
        self.number(bytes.len() as u64);
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.number(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.number(u64::from_le_bytes(word));
        }
    }

    fn finish(&self) -> u64 {
        let mut hash = self.0;
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        hash ^ (hash >> 33)
    }
}

/// The best copy of one response read so far, compact: the strings many lines repeat are shared.
#[derive(Debug, Clone)]
struct Candidate {
    start: DateTime<Utc>,
    /// `requestId`, else `message.id` (the store has no message-id column).
    request_id: Box<str>,
    session_id: Option<Arc<str>>,
    project: Option<Arc<str>>,
    model: Arc<str>,
    service_tier: ServiceTier,
    speed: Speed,
    tokens: TokenCounts,
    web_search_requests: u64,
    /// The line's own `costUSD` (older Claude Code versions wrote one).
    reported_cost: Option<spendlens_model::Money>,
    main_chain: bool,
    /// Computed on first need (a tie on total and chain, or the merge with the state).
    fingerprint: Cell<Option<u64>>,
}

impl Candidate {
    fn fields<'a>(&'a self, actor_email: &'a str) -> Fields<'a> {
        Fields {
            start: self.start,
            request_id: Some(&self.request_id),
            session_id: self.session_id.as_deref(),
            project: self.project.as_deref(),
            actor_email: Some(actor_email),
            model: &self.model,
            service_tier: self.service_tier,
            speed: self.speed,
            tokens: &self.tokens,
            web_search_requests: self.web_search_requests,
        }
    }

    /// Whether a line with these fields is this very copy (equal in every field its fingerprint
    /// covers but the person, who is the same for one reader).
    #[allow(clippy::too_many_arguments)]
    fn is_copy_of(
        &self,
        start: DateTime<Utc>,
        request_id: &str,
        session_id: Option<&str>,
        project: Option<&str>,
        model: &str,
        service_tier: ServiceTier,
        speed: Speed,
        tokens: &TokenCounts,
        web_search_requests: u64,
    ) -> bool {
        self.start == start
            && &*self.request_id == request_id
            && self.session_id.as_deref() == session_id
            && self.project.as_deref() == project
            && &*self.model == model
            && self.service_tier == service_tier
            && self.speed == speed
            && self.tokens == *tokens
            && self.web_search_requests == web_search_requests
    }

    fn fingerprint(&self, actor_email: &str) -> u64 {
        if let Some(known) = self.fingerprint.get() {
            return known;
        }
        let computed = self.fields(actor_email).fingerprint();
        self.fingerprint.set(Some(computed));
        computed
    }

    /// Whether this copy ranks above `kept` (see [`rank`]).
    fn beats(&self, kept: &Candidate, actor_email: &str) -> bool {
        match (self.tokens.total(), self.main_chain).cmp(&(kept.tokens.total(), kept.main_chain)) {
            Order::Greater => true,
            Order::Less => false,
            Order::Equal => self.fingerprint(actor_email) < kept.fingerprint(actor_email),
        }
    }

    fn line(&self, actor_email: &str) -> UsageLine {
        let mut line = UsageLine::new(self.start, self.start, Source::Transcript, self.model.as_ref());
        line.path = Path::ClaudeCode;
        line.identity.actor_email = Some(actor_email.to_string());
        line.identity.session_id = self.session_id.as_deref().map(Into::into);
        line.identity.request_id = Some(String::from(&*self.request_id));
        line.identity.project = self.project.as_deref().map(Into::into);
        line.service_tier = self.service_tier;
        line.speed = self.speed;
        line.quantities.tokens = self.tokens;
        line.quantities.web_search_requests = self.web_search_requests;
        line.quantities.requests = Some(1);
        line.reported_cost = self.reported_cost;
        line
    }
}

/// Shares the strings lines repeat (a file's session and working directory, the model).
#[derive(Debug, Default)]
struct Strings {
    known: HashSet<Arc<str>, FxBuildHasher>,
    /// The last string handed out per field: consecutive lines mostly repeat it.
    last: [Option<Arc<str>>; 3],
}

impl Strings {
    const SESSION: usize = 0;
    const PROJECT: usize = 1;
    const MODEL: usize = 2;

    fn share(&mut self, field: usize, text: &str) -> Arc<str> {
        if let Some(last) = &self.last[field]
            && last.as_ref() == text
        {
            return Arc::clone(last);
        }
        let shared = match self.known.get(text) {
            Some(known) => Arc::clone(known),
            None => {
                let new: Arc<str> = Arc::from(text);
                self.known.insert(Arc::clone(&new));
                new
            }
        };
        self.last[field] = Some(Arc::clone(&shared));
        shared
    }
}

/// The best copy of every response read, by key (`message.id`, else `requestId`), with whom they
/// are attributed to. Keys are split over [`SHARDS`] shards by their hash, so that readers' findings
/// combine, and merge with the state, a shard per core.
#[derive(Debug)]
pub struct Responses {
    actor_email: String,
    shards: Vec<Shard>,
}

/// Shards of [`Responses`]: a few per core, so that cores finish together.
const SHARDS: usize = 8;

/// One shard of [`Responses`]: the copies sit in a vector; the hash table holds only their indices.
#[derive(Debug, Default)]
struct Shard {
    entries: Vec<(Box<str>, Candidate)>,
    index: HashTable<u32>,
}

fn hash_key(key: &str) -> u64 {
    FxBuildHasher.hash_one(key)
}

/// The shard of a key's hash: bits the hash table itself does not use (it takes the low bits for
/// the bucket and the top seven as a tag), so each shard's table still spreads its keys.
fn shard_of(hash: u64) -> usize {
    (hash >> 40) as usize % SHARDS
}

impl Shard {
    fn find(&self, hash: u64, key: &str) -> Option<usize> {
        let entries = &self.entries;
        self.index.find(hash, |index| entries[*index as usize].0.as_ref() == key).map(|index| *index as usize)
    }

    /// Room in the index for `additional` more responses, so it is not rehashed as it grows (a
    /// rehash hashes every key again).
    fn reserve_index(&mut self, additional: usize) {
        let entries = &self.entries;
        self.index.reserve(additional, |index| hash_key(&entries[*index as usize].0));
    }

    fn insert_new(&mut self, hash: u64, key: Box<str>, copy: Candidate) {
        let position = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        self.entries.push((key, copy));
        let entries = &self.entries;
        self.index.insert_unique(hash, position, |index| hash_key(&entries[*index as usize].0));
    }

    /// Offers a copy under `key`; it is kept if it ranks above the copy kept so far.
    fn offer(&mut self, key: Box<str>, copy: Candidate, actor_email: &str) {
        let hash = hash_key(&key);
        match self.find(hash, &key) {
            Some(index) => {
                if copy.beats(&self.entries[index].1, actor_email) {
                    self.entries[index].1 = copy;
                }
            }
            None => self.insert_new(hash, key, copy),
        }
    }

    /// Folds `other`'s copies into this shard (the order does not matter).
    fn absorb(&mut self, mut other: Shard, actor_email: &str) {
        // The smaller shard is offered to the larger.
        if self.entries.len() < other.entries.len() {
            std::mem::swap(self, &mut other);
        }
        self.entries.reserve(other.entries.len());
        self.reserve_index(other.entries.len());
        for (key, copy) in other.entries {
            self.offer(key, copy, actor_email);
        }
    }

    fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The best copies, by key.
    fn into_entries(self) -> Vec<(Box<str>, Candidate)> {
        self.entries
    }
}

impl Responses {
    fn new(actor_email: String) -> Self {
        Responses { actor_email, shards: (0..SHARDS).map(|_| Shard::default()).collect() }
    }

    pub fn is_empty(&self) -> bool {
        self.shards.iter().all(|shard| shard.entries.is_empty())
    }

    /// The shards, each with its own keys.
    fn into_shards(self) -> (String, Vec<Shard>) {
        (self.actor_email, self.shards)
    }

    fn entries(&self) -> impl Iterator<Item = &(Box<str>, Candidate)> {
        self.shards.iter().flat_map(|shard| &shard.entries)
    }

    /// Where `key`'s copy sits (shard, index), with the key's hash.
    fn find(&self, key: &str) -> (u64, Option<(usize, usize)>) {
        let hash = hash_key(key);
        let shard = shard_of(hash);
        (hash, self.shards[shard].find(hash, key).map(|index| (shard, index)))
    }

    /// Room in every shard for `additional` more responses in all.
    fn reserve_index(&mut self, additional: usize) {
        for shard in &mut self.shards {
            shard.reserve_index(additional / SHARDS + 1);
        }
    }

    /// Folds the findings of several readers into one, a shard per core.
    fn combine(actor_email: String, parts: Vec<Responses>) -> Responses {
        let mut by_shard: Vec<Vec<Shard>> = (0..SHARDS).map(|_| Vec::with_capacity(parts.len())).collect();
        for part in parts {
            for (index, shard) in part.shards.into_iter().enumerate() {
                by_shard[index].push(shard);
            }
        }
        let shards = parallel::map(by_shard, |parts| {
            let mut combined = Shard::default();
            for shard in parts {
                combined.absorb(shard, &actor_email);
            }
            combined
        });
        Responses { actor_email, shards }
    }

    /// One line per response, sorted by time then request id.
    pub fn into_lines(self) -> Vec<UsageLine> {
        let mut lines: Vec<UsageLine> = self.entries().map(|(_, copy)| copy.line(&self.actor_email)).collect();
        lines.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.identity.request_id.cmp(&b.identity.request_id)));
        lines
    }
}

/// Collects responses from any number of transcript files, de-duplicating across all of them.
#[derive(Debug)]
pub struct TranscriptReader {
    responses: Responses,
    strings: Strings,
    problems: Vec<Problem>,
    incomplete_tails: usize,
    /// Lines carrying `message.usage` that are not an assistant's reply, by their `type` (`(none)`
    /// when they have none): counted, so that nothing with usage is dropped unseen.
    skipped_usage: BTreeMap<String, u64>,
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

/// Bytes read from a file at a time (the buffer grows only for a longer line).
const CHUNK_BYTES: usize = 1 << 18;

impl TranscriptReader {
    /// Lines are attributed to `actor_email` (the configured email or the OS user).
    pub fn new(actor_email: impl Into<String>) -> Self {
        TranscriptReader {
            responses: Responses::new(actor_email.into()),
            strings: Strings::default(),
            problems: Vec::new(),
            incomplete_tails: 0,
            skipped_usage: BTreeMap::new(),
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

    /// Reads up to `limit` bytes of a stream that starts at `cursor`, in chunks through `buffer`
    /// (kept between files); returns the advanced cursor's offset and line count, and the bytes
    /// read.
    fn read_stream(
        &mut self,
        file: &str,
        mut stream: impl Read,
        mut cursor: FileCursor,
        limit: u64,
        buffer: &mut Vec<u8>,
    ) -> std::io::Result<(FileCursor, u64)> {
        if buffer.len() < CHUNK_BYTES {
            buffer.resize(CHUNK_BYTES, 0);
        }
        let mut remaining = limit;
        let mut bytes_read = 0u64;
        // Bytes at the front of the buffer not consumed yet: the start of an unfinished line.
        let mut kept = 0;
        loop {
            if kept == buffer.len() {
                // A line longer than the buffer: memory grows with the longest line, no further.
                let doubled = buffer.len() * 2;
                buffer.resize(doubled, 0);
            }
            let room = (buffer.len() - kept).min(usize::try_from(remaining).unwrap_or(usize::MAX));
            let count = if room == 0 {
                0
            } else {
                match stream.read(&mut buffer[kept..kept + room]) {
                    Ok(count) => count,
                    Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(error) => return Err(error),
                }
            };
            remaining -= count as u64;
            bytes_read += count as u64;
            let end = kept + count;
            let mut start = 0;
            while let Some(found) = memchr::memchr(b'\n', &buffer[start..end]) {
                let number = usize::try_from(cursor.lines + 1).unwrap_or(usize::MAX);
                // A terminated line is always consumed (read, skipped or reported).
                self.take(file, number, &buffer[start..start + found], true);
                cursor.offset += found as u64 + 1;
                cursor.lines += 1;
                start += found + 1;
            }
            if count == 0 {
                if start < end {
                    let number = usize::try_from(cursor.lines + 1).unwrap_or(usize::MAX);
                    if self.take(file, number, &buffer[start..end], false) == Taken::Consumed {
                        cursor.offset += (end - start) as u64;
                        cursor.lines += 1;
                    }
                }
                return Ok((cursor, bytes_read));
            }
            buffer.copy_within(start..end, 0);
            kept = end - start;
        }
    }

    /// Whether `"usage"` occurs in the line. The last kilobyte is searched first: an assistant
    /// line's `usage` closes its `message`, a few hundred bytes before the end, after all of the
    /// content, so most lines that have it are not searched whole.
    fn mentions_usage(&self, raw: &[u8]) -> bool {
        let tail = raw.len().saturating_sub(1024);
        self.usage_marker.find(&raw[tail..]).is_some() || self.usage_marker.find(&raw[..(tail + 6).min(raw.len())]).is_some()
    }

    fn take(&mut self, file: &str, number: usize, raw: &[u8], terminated: bool) -> Taken {
        if !self.mentions_usage(raw) {
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
            if line.usage.is_some() {
                let kind = line.kind.as_deref().unwrap_or("(none)");
                match self.skipped_usage.get_mut(kind) {
                    Some(count) => *count += 1,
                    None => {
                        self.skipped_usage.insert(kind.to_string(), 1);
                    }
                }
            }
            return Ok(());
        }
        let Some(usage) = line.usage else { return Ok(()) };
        let model = line.model.as_deref().unwrap_or_default();
        if model.is_empty() || model == "<synthetic>" {
            return Ok(());
        }
        let usage = usage.map_err(|error| format!("message.usage: {error}"))?;
        let (key, request_id) = match (line.message_id.as_deref(), line.request_id.as_deref()) {
            (Some(id), request) => (id, request.unwrap_or(id)),
            (None, Some(request)) => (request, request),
            (None, None) => return Err("an assistant line with usage but neither message.id nor requestId".into()),
        };
        let timestamp = line.timestamp.as_deref().ok_or("an assistant line without a timestamp")?;
        let time: DateTime<Utc> =
            DateTime::parse_from_rfc3339(timestamp).map_err(|_| format!("timestamp {timestamp:?} is not RFC 3339"))?.with_timezone(&Utc);
        // The store keeps microseconds: so must the fingerprint's copy.
        let start = DateTime::from_timestamp_micros(time.timestamp_micros()).unwrap_or(time);
        let (write_5m, write_1h) = match usage.cache_creation {
            Some((write_5m, write_1h)) if write_5m + write_1h > 0 => (write_5m, write_1h),
            _ => (usage.cache_creation_input_tokens, 0),
        };
        let tokens = TokenCounts {
            input: usage.input_tokens,
            cache_write_5m: write_5m,
            cache_write_1h: write_1h,
            cache_read: usage.cache_read_input_tokens,
            output: usage.output_tokens,
        };
        let main_chain = !line.is_sidechain;
        let service_tier = usage.service_tier.and_then(|tier| tier.parse().ok()).unwrap_or(ServiceTier::Standard);
        let speed = if usage.speed.as_deref() == Some("fast") { Speed::Fast } else { Speed::Standard };
        let web_search_requests = usage.web_search_requests;
        let reported_cost = match line.cost_usd {
            Some(raw) => {
                Some(reported_cost(raw).ok_or_else(|| format!("costUSD {:?} is not a dollar amount", String::from_utf8_lossy(raw)))?)
            }
            None => None,
        };

        // A copy that loses to the kept one allocates nothing.
        let (hash, found) = self.responses.find(key);
        if let Some((shard, index)) = found {
            let kept = &self.responses.shards[shard].entries[index].1;
            let email = self.responses.actor_email.as_str();
            let wins = match (tokens.total(), main_chain).cmp(&(kept.tokens.total(), kept.main_chain)) {
                Order::Greater => true,
                Order::Less => false,
                // A copy equal to the kept one in every field (a resumed session's history)
                // cannot rank above it: no need to hash either.
                Order::Equal
                    if kept.is_copy_of(
                        start,
                        request_id,
                        line.session_id.as_deref(),
                        line.cwd.as_deref(),
                        model,
                        service_tier,
                        speed,
                        &tokens,
                        web_search_requests,
                    ) =>
                {
                    false
                }
                Order::Equal => {
                    let fields = Fields {
                        start,
                        request_id: Some(request_id),
                        session_id: line.session_id.as_deref(),
                        project: line.cwd.as_deref(),
                        actor_email: Some(email),
                        model,
                        service_tier,
                        speed,
                        tokens: &tokens,
                        web_search_requests,
                    };
                    fields.fingerprint() < kept.fingerprint(email)
                }
            };
            if !wins {
                return Ok(());
            }
        }
        let strings = &mut self.strings;
        let session_id = line.session_id.as_deref().map(|text| strings.share(Strings::SESSION, text));
        let project = line.cwd.as_deref().map(|text| strings.share(Strings::PROJECT, text));
        let model = strings.share(Strings::MODEL, model);
        match found {
            // A later streamed copy of the same response: updated in place, its request id kept
            // when it is the same (it nearly always is).
            Some((shard, index)) => {
                let kept = &mut self.responses.shards[shard].entries[index].1;
                if kept.request_id.as_ref() != request_id {
                    kept.request_id = request_id.into();
                }
                kept.start = start;
                kept.session_id = session_id;
                kept.project = project;
                kept.model = model;
                kept.service_tier = service_tier;
                kept.speed = speed;
                kept.tokens = tokens;
                kept.web_search_requests = web_search_requests;
                kept.reported_cost = reported_cost;
                kept.main_chain = main_chain;
                kept.fingerprint.set(None);
            }
            None => {
                let copy = Candidate {
                    start,
                    request_id: request_id.into(),
                    session_id,
                    project,
                    model,
                    service_tier,
                    speed,
                    tokens,
                    web_search_requests,
                    reported_cost,
                    main_chain,
                    fingerprint: Cell::new(None),
                };
                self.responses.shards[shard_of(hash)].insert_new(hash, key.into(), copy);
            }
        }
        Ok(())
    }

    /// Lines that carried `message.usage` but were not an assistant's reply (a `user`, `summary` or
    /// `progress` line, one without a `type`), by type: not counted as responses, but reported.
    pub fn skipped_usage(&self) -> &BTreeMap<String, u64> {
        &self.skipped_usage
    }

    /// The best copy of every response, with the problems found and the half-written tails.
    pub fn into_responses(self) -> (Responses, Vec<Problem>, usize) {
        (self.responses, self.problems, self.incomplete_tails)
    }

    pub fn finish(self) -> TranscriptBatch {
        TranscriptBatch { lines: self.responses.into_lines(), problems: self.problems, incomplete_tails: self.incomplete_tails }
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

/// One file to read: from where, up to which length, stamped with which modification time.
struct Job<'a> {
    name: &'a str,
    path: &'a FilePath,
    start: FileCursor,
    length: u64,
    modified_ns: u64,
}

/// Where to read `path` from, given its `previous` cursor: nowhere when unchanged, from the
/// cursor when it grew, the whole file when it shrank or its modification time moved back.
fn plan<'a>(name: &'a str, path: &'a FilePath, previous: Option<FileCursor>) -> std::io::Result<Option<Job<'a>>> {
    let metadata = std::fs::metadata(path)?;
    let length = metadata.len();
    let modified = modified_ns(&metadata);
    let start = match previous {
        Some(cursor) if cursor.length == length && cursor.modified_ns == modified => return Ok(None),
        Some(cursor) if length >= cursor.offset && modified >= cursor.modified_ns => cursor,
        _ => FileCursor::default(),
    };
    Ok(Some(Job { name, path, start, length, modified_ns: modified }))
}

/// A low guess of the transcript bytes per distinct response (lines are streamed copies, and
/// user lines between them): sizes the index, so erring low only costs a few bytes a slot.
const BYTES_PER_RESPONSE: u64 = 8 * 1024;

/// The most index slots reserved up front (about 4 MB), whatever the tree's size.
const MOST_RESERVED: usize = 1 << 20;

/// Reads one planned file; returns the new cursor and the bytes read.
fn read_job(reader: &mut TranscriptReader, job: &Job<'_>, buffer: &mut Vec<u8>) -> std::io::Result<(FileCursor, u64)> {
    let mut file = std::fs::File::open(job.path)?;
    file.seek(SeekFrom::Start(job.start.offset))?;
    let (mut cursor, bytes) = reader.read_stream(job.name, file, job.start, job.length - job.start.offset, buffer)?;
    cursor.length = job.length;
    cursor.modified_ns = job.modified_ns;
    Ok((cursor, bytes))
}

/// Reads `files` (canonical path, path) on every core, each from its previous cursor, into one
/// de-duplicated reader attributed to `actor_email`. Unchanged files are only looked at (one
/// `stat` each); the others are read largest first, so that a huge file starts early and the
/// small ones fill in around it.
pub fn read_files(files: &[(String, PathBuf)], previous: &BTreeMap<String, FileCursor>, actor_email: &str) -> FilesRead {
    let mut merged =
        FilesRead { reader: TranscriptReader::new(actor_email), cursors: Vec::new(), files_read: 0, bytes_read: 0, unreadable: Vec::new() };
    let mut jobs = Vec::new();
    for (name, path) in files {
        match plan(name, path, previous.get(name).copied()) {
            Ok(Some(job)) => jobs.push(job),
            Ok(None) => {}
            Err(error) => merged.unreadable.push(format!("{name}: {error}")),
        }
    }
    jobs.sort_by_key(|job| Reverse(job.length - job.start.offset.min(job.length)));
    let threads = parallel::workers_for(jobs.len());
    // Each thread's index is sized up front for a response per BYTES_PER_RESPONSE of its share
    // (a few bytes a slot), so it is not rehashed as it fills.
    let to_read: u64 = jobs.iter().map(|job| job.length.saturating_sub(job.start.offset)).sum();
    let expected_responses = usize::try_from(to_read / BYTES_PER_RESPONSE / threads as u64).unwrap_or(usize::MAX).min(MOST_RESERVED);
    let start = || {
        let mut mine = FilesRead {
            reader: TranscriptReader::new(actor_email),
            cursors: Vec::new(),
            files_read: 0,
            bytes_read: 0,
            unreadable: Vec::new(),
        };
        mine.reader.responses.reserve_index(expected_responses);
        (mine, Vec::new())
    };
    // Each worker takes the next file until none is left, into its own reader and buffer.
    let results: Vec<FilesRead> = if jobs.is_empty() {
        Vec::new()
    } else {
        parallel::fold(
            &jobs,
            start,
            |(mine, buffer): &mut (FilesRead, Vec<u8>), job| match read_job(&mut mine.reader, job, buffer) {
                Ok((cursor, read)) => {
                    mine.files_read += 1;
                    mine.bytes_read += read;
                    mine.cursors.push((job.name.to_string(), cursor));
                }
                Err(error) => mine.unreadable.push(format!("{}: {error}", job.name)),
            },
            // The merge with the state needs every winner's fingerprint: computed here, on every
            // core, rather than one by one after the workers are done.
            |(mine, _)| {
                let email = mine.reader.responses.actor_email.as_str();
                for (_, copy) in mine.reader.responses.entries() {
                    copy.fingerprint(email);
                }
                mine
            },
        )
    };
    let mut parts = Vec::new();
    for part in results {
        parts.push(part.reader.responses);
        merged.reader.problems.extend(part.reader.problems);
        merged.reader.incomplete_tails += part.reader.incomplete_tails;
        for (kind, count) in part.reader.skipped_usage {
            *merged.reader.skipped_usage.entry(kind).or_default() += count;
        }
        merged.cursors.extend(part.cursors);
        merged.files_read += part.files_read;
        merged.bytes_read += part.bytes_read;
        merged.unreadable.extend(part.unreadable);
    }
    if !parts.is_empty() {
        merged.reader.responses = Responses::combine(actor_email.to_string(), parts);
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
        let first = batch.lines.iter().find(|line| line.quantities.tokens.output == 121).unwrap();
        assert_eq!(first.identity.request_id.as_deref(), Some("req_1"));
        assert_eq!((first.quantities.tokens.cache_write_5m, first.quantities.tokens.cache_write_1h), (830, 1000));
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
        (
            lines.len(),
            lines.iter().map(|line| line.quantities.tokens.input).sum(),
            lines.iter().map(|line| line.quantities.tokens.output).sum(),
        )
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
        let merge = scope.merge(responses).unwrap();
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
        let merge = scope.merge(responses).unwrap();
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

    /// Files are read in chunks: lines longer than a chunk, lines split across chunk ends and a
    /// half-written tail read exactly as the whole bytes do.
    #[test]
    fn chunked_reading_equals_reading_the_whole_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let huge = assistant("big", "r-big", "2026-10-01T08:00:00Z", 1, false, "s")
            .replace("\"text\":\"", &format!("\"text\":\"{}", "x".repeat(3 * CHUNK_BYTES)));
        let mut text = huge + "\n{not json \"usage\"\n";
        for index in 0..40_000 {
            text.push_str(&assistant(
                &format!("m{}", index % 7000),
                &format!("r{}", index % 7000),
                "2026-10-02T09:00:00Z",
                index,
                index % 3 == 0,
                "s",
            ));
            text.push('\n');
        }
        let tail = assistant("m9", "r9", "2026-10-03T09:00:00Z", 5, false, "s");
        text.push_str(&tail[..tail.len() - 7]);
        std::fs::write(&path, &text).unwrap();
        let files = vec![(path.display().to_string(), path.clone())];
        let read = read_files(&files, &BTreeMap::new(), "a");
        assert_eq!(read.bytes_read, text.len() as u64);
        let cursor = read.cursors[0].1;
        assert_eq!(cursor.offset, text.rfind('\n').unwrap() as u64 + 1);
        assert_eq!(cursor.lines, 40_002);
        let chunked = read.reader.finish();
        let mut whole = TranscriptReader::new("a");
        whole.read(&files[0].0, text.as_bytes());
        assert_eq!(chunked, whole.finish());
        assert_eq!(chunked.lines.len(), 7001);
        assert_eq!((chunked.problems.len(), chunked.problems[0].line, chunked.incomplete_tails), (1, 2, 1));
    }

    /// Written a few days at a time, a merge replaces exactly what one write of it would.
    #[test]
    fn spans_tile_the_merge() {
        let mut scope = ScopeState::default();
        let mut reader = TranscriptReader::new("a");
        let days = ["2026-09-01", "2026-09-02", "2026-09-05", "2026-09-09", "2026-09-10", "2026-09-30"];
        for (index, day) in days.iter().enumerate() {
            reader.read("f", (assistant(&format!("m{index}"), "r", &format!("{day}T10:00:00Z"), 5, false, "s") + "\n").as_bytes());
        }
        let merge = scope.merge(reader.into_responses().0).unwrap();
        let whole = merge.apply(Vec::new());
        let period = merge.period().unwrap();
        let spans = merge.spans(4);
        assert_eq!(spans.len(), 2);
        assert_eq!((spans[0].period().start, spans[1].period().end), (period.start, period.end));
        assert_eq!(spans[0].period().end, spans[1].period().start);
        let mut lines: Vec<UsageLine> = spans.into_iter().flat_map(|span| span.into_lines(Vec::new())).collect();
        lines.sort_by_key(|line| line.start);
        assert_eq!(lines, whole);
    }

    #[test]
    fn the_state_file_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("transcripts-state.bin");
        let mut state = state::TranscriptState::load(&path).unwrap();
        let scope = state.scopes.entry("a".into()).or_default();
        scope.files.insert("f".into(), FileCursor { length: 9, modified_ns: 1, offset: 9, lines: 1 });
        let mut reader = TranscriptReader::new("a");
        reader.read("f", (assistant("m1", "r1", "2026-10-02T09:00:00Z", 5, true, "s") + "\n").as_bytes());
        reader.read("f", (assistant("m2", "r2", "2026-10-03T09:00:00Z", 6, false, "s") + "\n").as_bytes());
        scope.merge(reader.into_responses().0).unwrap();
        std::fs::write(&path, state.encode()).unwrap();
        let loaded = state::TranscriptState::load(&path).unwrap();
        assert_eq!(loaded, state);
        let kept = loaded.scopes["a"].winner("m1").unwrap().unwrap();
        assert_eq!((kept.day.to_string(), kept.total, kept.main_chain), ("2026-10-02".to_string(), 19, false));
        assert_eq!(loaded.scopes["a"].responses().unwrap(), 2);
        // Saved again without decoding its winners, it is the same file.
        std::fs::write(&path, loaded.encode()).unwrap();
        assert_eq!(state::TranscriptState::load(&path).unwrap(), state);
        // A damaged file is an error naming it, never a silent empty state.
        let mut bytes = std::fs::read(&path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 1;
        std::fs::write(&path, bytes).unwrap();
        let error = state::TranscriptState::load(&path).unwrap_err().to_string();
        assert!(error.contains("transcripts-state.bin") && error.contains("checksum"), "{error}");
    }
}
