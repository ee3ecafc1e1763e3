//! The transcript state file (`DATA_DIR/transcripts-state.bin`) and the incremental merge.
//!
//! Per scope (the person the transcripts are attributed to) it records every file's
//! [`FileCursor`] and, for every response key (`message.id`, else `requestId`), a summary of the
//! copy that won de-duplication so far: its day, [`fingerprint`], token total and chain.
//!
//! Why an incremental run equals a cold one: a cold run keeps, per key, the maximum by [`rank`]
//! of every copy in every file. `rank` is a total order computed from (token total, main chain,
//! fingerprint), all of which the summary holds, and the maximum is associative: the maximum over
//! the whole tree is the maximum of the earlier winner and the best copy among the appended bytes.
//! So [`ScopeState::merge`] compares each newly read copy with the recorded winner; when the new
//! one ranks higher, the old stored line is removed (found on its recorded day by its fingerprint,
//! since the store has no message-id column) and the new one added. Only the days touched (the
//! new winners' days and the replaced winners' days) are rewritten, from the scope's stored lines
//! of that span. Re-applying the same merge is harmless (a line equal by fingerprint to one being
//! added is dropped first), so a crash between the store write and the state write heals on the
//! next run. Not covered: a file rewritten with different content (shrunk, or mtime moved back)
//! is re-read whole, but responses that vanished from it stay stored.
//!
//! The file is binary and compact (a few dozen bytes per response), with a checksum: when nothing
//! changed, a run reads it, compares the cursors with one `stat` per file, and never decodes the
//! winners, which are kept as their encoded bytes until a merge needs them. Layout, little-endian:
//! the magic `spendlens-tstate`, version (u32), scope count (u32); per scope its email, file count
//! (u32), per file its path and four u64 (length, modification ns, offset, lines), then the winners
//! section's length (u64) and the section: count (u32), per winner its key, day (i32, days from
//! 0001-01-01), fingerprint, total (u64) and main chain (u8); strings are a u32 length and UTF-8;
//! last, a 64-bit checksum of everything before it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path as FilePath;
use std::sync::Arc;

use chrono::Datelike;
use rustc_hash::FxBuildHasher;
use spendlens_model::{Day, Period, UsageLine};

use super::{Candidate, FileCursor, Hash64, Responses, fingerprint, rank};
use crate::IngestError;
use crate::error::Location;

const MAGIC: &[u8; 16] = b"spendlens-tstate";
const VERSION: u32 = 2;

/// Everything the state file holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TranscriptState {
    /// By scope (actor email).
    pub scopes: BTreeMap<String, ScopeState>,
}

/// One person's transcripts.
#[derive(Debug, Clone, Default)]
pub struct ScopeState {
    /// By canonical path.
    pub files: BTreeMap<String, FileCursor>,
    /// The winner of every response key.
    winners: Winners,
}

/// The recorded winners: still encoded as read from the file until a merge needs them.
#[derive(Debug, Clone, Default)]
struct Winners {
    /// The section's bytes and the file's name, when not decoded yet.
    encoded: Option<(Vec<u8>, Arc<str>)>,
    decoded: HashMap<Box<str>, Kept, FxBuildHasher>,
}

impl PartialEq for ScopeState {
    fn eq(&self, other: &Self) -> bool {
        self.files == other.files
            && match (self.winners.decoded(), other.winners.decoded()) {
                (Ok(mine), Ok(theirs)) => mine == theirs,
                _ => false,
            }
    }
}

/// The stored winner of one response key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kept {
    pub day: Day,
    pub fingerprint: u64,
    pub total: u64,
    pub main_chain: bool,
}

/// What a merge changes in the store.
#[derive(Debug, Clone, Default)]
pub struct Merge {
    actor_email: String,
    /// New winners by day, to add (compact until a span is written), a map per shard.
    added: Vec<BTreeMap<Day, Vec<Candidate>>>,
    /// Old winners they beat, to remove: (day, fingerprint).
    pub removed: Vec<(Day, u64)>,
    /// Every day whose stored lines change.
    pub days: BTreeSet<Day>,
}

/// A run of the days a merge touches, written on its own (see [`Merge::spans`]).
#[derive(Debug, Clone)]
pub struct Span {
    period: Period,
    actor_email: String,
    added: Vec<Candidate>,
    removed: Vec<(Day, u64)>,
}

impl Merge {
    /// New winners, to add.
    pub fn added(&self) -> usize {
        self.added.iter().flat_map(BTreeMap::values).map(Vec::len).sum()
    }

    /// The span of days to rewrite, when any.
    pub fn period(&self) -> Option<Period> {
        let first = *self.days.first()?;
        let last = *self.days.last()?;
        Some(Period::new(first, last + chrono::Duration::days(1)))
    }

    /// The scope's lines of [`Merge::period`] after the merge, given what is stored there now,
    /// sorted by time then request id.
    pub fn apply(&self, stored: Vec<UsageLine>) -> Vec<UsageLine> {
        let candidates: Vec<&Candidate> = self.added.iter().flat_map(BTreeMap::values).flatten().collect();
        let mut lines = kept(stored, &candidates, &self.removed, &self.actor_email);
        lines.extend(candidates.iter().map(|copy| copy.line(&self.actor_email)));
        lines.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.identity.request_id.cmp(&b.identity.request_id)));
        lines
    }

    /// The merge as runs of at most `most_days` of the days it touches, in day order: each run
    /// replaces its own period, so only one run's lines are ever built at once. The periods tile
    /// [`Merge::period`] (a run reaches up to the next run's first day), so together they replace
    /// exactly what one write of the whole merge would.
    pub fn spans(mut self, most_days: usize) -> Vec<Span> {
        let days: Vec<Day> = self.days.iter().copied().collect();
        let Some(period) = self.period() else { return Vec::new() };
        let mut removed_by_day: BTreeMap<Day, Vec<(Day, u64)>> = BTreeMap::new();
        for removal in std::mem::take(&mut self.removed) {
            removed_by_day.entry(removal.0).or_default().push(removal);
        }
        let chunks: Vec<&[Day]> = days.chunks(most_days.max(1)).collect();
        let mut spans = Vec::with_capacity(chunks.len());
        for (index, chunk) in chunks.iter().enumerate() {
            let start = chunk.first().copied().unwrap_or(period.start);
            let end = chunks.get(index + 1).and_then(|next| next.first().copied()).unwrap_or(period.end);
            let mut span =
                Span { period: Period::new(start, end), actor_email: self.actor_email.clone(), added: Vec::new(), removed: Vec::new() };
            for day in *chunk {
                for added in &mut self.added {
                    span.added.extend(added.remove(day).unwrap_or_default());
                }
                span.removed.extend(removed_by_day.remove(day).unwrap_or_default());
            }
            spans.push(span);
        }
        spans
    }
}

impl Span {
    /// The days this span replaces.
    pub fn period(&self) -> Period {
        self.period
    }

    /// The scope's lines of [`Span::period`] after the merge, given what is stored there now,
    /// unsorted (the store sorts each day's lines as it writes them).
    pub fn into_lines(self, stored: Vec<UsageLine>) -> Vec<UsageLine> {
        let candidates: Vec<&Candidate> = self.added.iter().collect();
        let mut lines = kept(stored, &candidates, &self.removed, &self.actor_email);
        lines.extend(self.added.iter().map(|copy| copy.line(&self.actor_email)));
        lines
    }
}

/// What one shard's copies change: new winners to record, and the merge's parts.
#[derive(Default)]
struct Decided {
    winners: Vec<(Box<str>, Kept)>,
    removed: Vec<(Day, u64)>,
    days: BTreeSet<Day>,
    added: BTreeMap<Day, Vec<Candidate>>,
}

/// Decides each shard's copies against the recorded winners (read only), a shard at a time on
/// every core; the results come back in shard order.
fn decide_shards(shards: Vec<super::Shard>, winners: &HashMap<Box<str>, Kept, FxBuildHasher>, actor_email: &str) -> Vec<Decided> {
    let decide = |shard: super::Shard| {
        let mut decided = Decided::default();
        for (key, copy) in shard.into_entries() {
            let print = copy.fingerprint(actor_email);
            let total = copy.tokens.total();
            if let Some(kept) = winners.get(&key) {
                if rank(kept.total, kept.main_chain, kept.fingerprint) >= rank(total, copy.main_chain, print) {
                    continue;
                }
                decided.removed.push((kept.day, kept.fingerprint));
                decided.days.insert(kept.day);
            }
            let day = copy.start.date_naive();
            decided.days.insert(day);
            decided.winners.push((key, Kept { day, fingerprint: print, total, main_chain: copy.main_chain }));
            decided.added.entry(day).or_default().push(copy);
        }
        decided
    };
    spendlens_model::parallel::map(shards, decide)
}

/// The stored lines that stay: all but those being added again and the beaten winners.
fn kept(stored: Vec<UsageLine>, added: &[&Candidate], removed: &[(Day, u64)], actor_email: &str) -> Vec<UsageLine> {
    if stored.is_empty() {
        return Vec::with_capacity(added.len());
    }
    let mut removals: HashMap<(Day, u64), usize> = HashMap::new();
    for key in removed {
        *removals.entry(*key).or_default() += 1;
    }
    let added: BTreeSet<(Day, u64)> = added.iter().map(|copy| (copy.start.date_naive(), copy.fingerprint(actor_email))).collect();
    let mut kept = Vec::with_capacity(stored.len() + added.len());
    kept.extend(stored.into_iter().filter(|line| {
        let key = (line.day(), fingerprint(line));
        if added.contains(&key) {
            return false;
        }
        match removals.get_mut(&key) {
            Some(count) if *count > 0 => {
                *count -= 1;
                false
            }
            _ => true,
        }
    }));
    kept
}

impl ScopeState {
    /// Merges newly read best copies with the recorded winners, updating the record. Each shard
    /// of the responses is decided against the recorded winners on its own core (shards hold
    /// disjoint keys); the record is updated after.
    pub fn merge(&mut self, responses: Responses) -> Result<Merge, IngestError> {
        let (actor_email, shards) = responses.into_shards();
        let mut merge = Merge { actor_email, ..Merge::default() };
        if shards.iter().all(|shard| shard.is_empty()) {
            // Nothing new: the recorded winners need not even be decoded.
            return Ok(merge);
        }
        let winners = self.winners.decode()?;
        let decided = decide_shards(shards, winners, &merge.actor_email);
        winners.reserve(decided.iter().map(|part| part.winners.len()).sum());
        for part in decided {
            winners.extend(part.winners);
            merge.removed.extend(part.removed);
            merge.days.extend(part.days);
            merge.added.push(part.added);
        }
        Ok(merge)
    }

    /// Responses recorded.
    pub fn responses(&self) -> Result<usize, IngestError> {
        Ok(self.winners.decoded()?.len())
    }

    /// The recorded winner of `key`.
    pub fn winner(&self, key: &str) -> Result<Option<Kept>, IngestError> {
        Ok(self.winners.decoded()?.get(key).copied())
    }
}

impl Winners {
    /// Decodes the winners in place (once) and hands them out.
    fn decode(&mut self) -> Result<&mut HashMap<Box<str>, Kept, FxBuildHasher>, IngestError> {
        if let Some((bytes, file)) = self.encoded.take() {
            self.decoded = decode_winners(&bytes, &file)?;
        }
        Ok(&mut self.decoded)
    }

    /// The winners, decoding a copy when they are still encoded.
    fn decoded(&self) -> Result<std::borrow::Cow<'_, HashMap<Box<str>, Kept, FxBuildHasher>>, IngestError> {
        match &self.encoded {
            None => Ok(std::borrow::Cow::Borrowed(&self.decoded)),
            Some((bytes, file)) => decode_winners(bytes, file).map(std::borrow::Cow::Owned),
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        match &self.encoded {
            Some((bytes, _)) => {
                out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
                out.extend_from_slice(bytes);
            }
            None => {
                let map = &self.decoded;
                let at = out.len();
                out.extend_from_slice(&0u64.to_le_bytes());
                out.extend_from_slice(&(map.len() as u32).to_le_bytes());
                for (key, kept) in map {
                    put_text(out, key);
                    out.extend_from_slice(&kept.day.num_days_from_ce().to_le_bytes());
                    out.extend_from_slice(&kept.fingerprint.to_le_bytes());
                    out.extend_from_slice(&kept.total.to_le_bytes());
                    out.push(u8::from(kept.main_chain));
                }
                let length = (out.len() - at - 8) as u64;
                out[at..at + 8].copy_from_slice(&length.to_le_bytes());
            }
        }
    }
}

fn put_text(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(&(text.len() as u32).to_le_bytes());
    out.extend_from_slice(text.as_bytes());
}

/// Reads the binary layout, naming the byte offset of what is wrong.
struct Decoder<'a> {
    bytes: &'a [u8],
    at: usize,
    file: &'a str,
}

impl<'a> Decoder<'a> {
    fn fail<T>(&self, detail: &str) -> Result<T, IngestError> {
        Err(IngestError::malformed(
            self.file,
            Location::JsonPath(format!("byte {}", self.at)),
            format!("{detail}: delete the file to re-read every transcript"),
        ))
    }

    fn take(&mut self, count: usize) -> Result<&'a [u8], IngestError> {
        match self.bytes.get(self.at..self.at.saturating_add(count)) {
            Some(slice) => {
                self.at += count;
                Ok(slice)
            }
            None => self.fail("the state file ends early"),
        }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], IngestError> {
        let mut array = [0u8; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }

    fn u32(&mut self) -> Result<u32, IngestError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, IngestError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    fn text(&mut self) -> Result<&'a str, IngestError> {
        let length = self.u32()? as usize;
        let bytes = self.take(length)?;
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text),
            Err(_) => self.fail("a name is not UTF-8"),
        }
    }
}

fn decode_winners(bytes: &[u8], file: &str) -> Result<HashMap<Box<str>, Kept, FxBuildHasher>, IngestError> {
    let mut decoder = Decoder { bytes, at: 0, file };
    let count = decoder.u32()? as usize;
    let mut winners = HashMap::with_capacity_and_hasher(count, FxBuildHasher);
    for _ in 0..count {
        let key = decoder.text()?;
        let days = i32::from_le_bytes(decoder.array()?);
        let Some(day) = Day::from_num_days_from_ce_opt(days) else { return decoder.fail("a day is out of range") };
        let fingerprint = decoder.u64()?;
        let total = decoder.u64()?;
        let main_chain = decoder.array::<1>()?[0] != 0;
        winners.insert(key.into(), Kept { day, fingerprint, total, main_chain });
    }
    Ok(winners)
}

fn checksum(bytes: &[u8]) -> u64 {
    let mut hash = Hash64::default();
    hash.text(bytes);
    hash.finish()
}

impl TranscriptState {
    /// Reads the state file; a missing file is an empty state. The winners stay encoded until a
    /// merge needs them.
    pub fn load(path: &FilePath) -> Result<TranscriptState, IngestError> {
        let name = path.display().to_string();
        match std::fs::read(path) {
            Ok(bytes) => Self::decode(&name, &bytes),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(TranscriptState::default()),
            Err(error) => Err(IngestError::io(&name, error)),
        }
    }

    /// The state from the bytes of a state file (`name` names it in errors).
    pub fn decode(name: &str, bytes: &[u8]) -> Result<TranscriptState, IngestError> {
        let shared: Arc<str> = Arc::from(name);
        let mut decoder = Decoder { bytes, at: 0, file: name };
        if bytes.len() < MAGIC.len() + 4 + 8 || decoder.take(MAGIC.len())? != MAGIC {
            decoder.at = 0;
            return decoder.fail("not a spendlens transcript state file");
        }
        let version = decoder.u32()?;
        if version != VERSION {
            return decoder.fail(&format!("version {version} is not {VERSION}"));
        }
        let body = bytes.len() - 8;
        let mut stored = [0u8; 8];
        stored.copy_from_slice(&bytes[body..]);
        if checksum(&bytes[..body]) != u64::from_le_bytes(stored) {
            decoder.at = body;
            return decoder.fail("the checksum does not match (a damaged file)");
        }
        decoder.bytes = &bytes[..body];
        let mut state = TranscriptState::default();
        for _ in 0..decoder.u32()? {
            let email = decoder.text()?.to_string();
            let mut scope = ScopeState::default();
            for _ in 0..decoder.u32()? {
                let file = decoder.text()?.to_string();
                let cursor =
                    FileCursor { length: decoder.u64()?, modified_ns: decoder.u64()?, offset: decoder.u64()?, lines: decoder.u64()? };
                scope.files.insert(file, cursor);
            }
            let length = usize::try_from(decoder.u64()?).unwrap_or(usize::MAX);
            scope.winners.encoded = Some((decoder.take(length)?.to_vec(), Arc::clone(&shared)));
            state.scopes.insert(email, scope);
        }
        if decoder.at != body {
            return decoder.fail("trailing bytes");
        }
        Ok(state)
    }

    /// The state file's bytes (see the module's documentation for the layout).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 << 16);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&(self.scopes.len() as u32).to_le_bytes());
        for (email, scope) in &self.scopes {
            put_text(&mut out, email);
            out.extend_from_slice(&(scope.files.len() as u32).to_le_bytes());
            for (file, cursor) in &scope.files {
                put_text(&mut out, file);
                for number in [cursor.length, cursor.modified_ns, cursor.offset, cursor.lines] {
                    out.extend_from_slice(&number.to_le_bytes());
                }
            }
            scope.winners.encode(&mut out);
        }
        let sum = checksum(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }
}
