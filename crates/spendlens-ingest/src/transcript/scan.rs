//! A structural scanner for one transcript line: finds the few fields usage needs without building
//! the line's JSON tree.
//!
//! It walks the top-level object and `message`'s object only; every other value (content blocks,
//! tool inputs, `toolUseResult`, ...) is skipped whole, string contents with SSE2 compares: the
//! first bytes sixteen at a time (through `safe_arch`), each quote checked for an escaping run of
//! backslashes; then 64 bytes at a time, the block's quotes and backslashes as bit masks (AVX2
//! compares when the CPU has them, chosen at run time through `pulp`'s safe API, else SSE2) and
//! bit arithmetic, without a branch, telling which quotes are escaped. The workspace forbids
//! `unsafe`: both come as safe functions (x86-64 only; elsewhere plain loops). So a `"usage"` key inside a tool input can never be taken for
//! `message.usage`. The small `usage` object is read in place by the same
//! cursor (serde's rules, without serde's cost per line).
//! The scanner checks structure (balanced brackets, closed strings, `:` and `,` in place, only
//! whitespace after the object), enough to tell a half-written line from a whole one.

use std::borrow::Cow;

/// The fields of one line that usage needs; strings borrow from the line unless they held escapes.
#[derive(Debug, Default)]
pub(super) struct Fields<'a> {
    pub kind: Option<Cow<'a, str>>,
    pub timestamp: Option<Cow<'a, str>>,
    pub session_id: Option<Cow<'a, str>>,
    pub request_id: Option<Cow<'a, str>>,
    pub is_sidechain: bool,
    pub cwd: Option<Cow<'a, str>>,
    pub message_id: Option<Cow<'a, str>>,
    pub model: Option<Cow<'a, str>>,
    /// The top-level `costUSD` older Claude Code versions wrote, as its raw number (absent when
    /// missing, `null` or not a number).
    pub cost_usd: Option<&'a [u8]>,
    /// `message.usage`, read in place: absent when missing or `null`, an error when it is not a
    /// usage object (reported only for lines that count).
    pub usage: Option<Result<UsageCounts<'a>, String>>,
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

type Scan<T> = Result<T, String>;

impl<'a> Cursor<'a> {
    fn fail<T>(&self, what: &str) -> Scan<T> {
        Err(format!("{what} at column {}", self.at + 1))
    }

    fn skip_whitespace(&mut self) {
        while let Some(byte) = self.bytes.get(self.at) {
            if !matches!(byte, b' ' | b'\t' | b'\r' | b'\n') {
                break;
            }
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_whitespace();
        self.bytes.get(self.at).copied()
    }

    fn expect(&mut self, byte: u8) -> Scan<()> {
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            self.fail(&format!("expected '{}'", byte as char))
        }
    }

    /// A string starting at the cursor's `"`: returns its raw contents (escapes left in place).
    fn raw_string(&mut self) -> Scan<&'a [u8]> {
        if self.peek() != Some(b'"') {
            return self.fail("expected a string");
        }
        let start = self.at + 1;
        let contents = &self.bytes[start..];
        match string_end(contents) {
            Some(end) => {
                self.at = start + end + 1;
                Ok(&contents[..end])
            }
            None => {
                self.at = self.bytes.len();
                self.fail("unterminated string")
            }
        }
    }

    /// A string value, unescaped only when it held escapes.
    fn string(&mut self) -> Scan<Cow<'a, str>> {
        let begin = self.at;
        let raw = self.raw_string()?;
        if memchr::memchr(b'\\', raw).is_some() {
            let quoted = &self.bytes[begin..self.at];
            serde_json::from_slice::<String>(quoted).map(Cow::Owned).map_err(|error| format!("bad string at column {}: {error}", begin + 1))
        } else {
            std::str::from_utf8(raw).map(Cow::Borrowed).map_err(|_| format!("invalid UTF-8 at column {}", begin + 1))
        }
    }

    /// A string, or `null` (as absent); anything else is skipped as absent too.
    fn optional_string(&mut self) -> Scan<Option<Cow<'a, str>>> {
        if self.peek() == Some(b'"') { self.string().map(Some) } else { self.skip_value().map(|_| None) }
    }

    /// A number or a literal (`true`, `false`, `null`): the bytes up to the next delimiter.
    fn scalar(&mut self) -> Scan<&'a [u8]> {
        let start = self.at;
        let rest = &self.bytes[start..];
        // One pass: the run of bytes a scalar may hold, and whether all of them may be a number's.
        let mut length = 0;
        let mut numeric = true;
        while let Some(byte) = rest.get(length) {
            let class = SCALAR_BYTES[usize::from(*byte)];
            if class == 0 {
                break;
            }
            numeric &= class & NUMBER != 0;
            length += 1;
        }
        let token = &rest[..length];
        let delimited = rest.get(length).is_none_or(|byte| matches!(byte, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n'));
        let valid = delimited
            && (matches!(token, b"true" | b"false" | b"null")
                || (numeric && token.first().is_some_and(|first| *first == b'-' || first.is_ascii_digit())));
        if valid {
            self.at = start + length;
            Ok(token)
        } else {
            self.fail("expected a value")
        }
    }

    /// Skips any value; containers are walked iteratively (no recursion, whatever the nesting).
    fn skip_value(&mut self) -> Scan<()> {
        let mut stack: Vec<u8> = Vec::new();
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.raw_string()?;
                }
                Some(b'{') => {
                    self.at += 1;
                    stack.push(b'}');
                    if self.peek() == Some(b'}') {
                        self.at += 1;
                        stack.pop();
                    } else {
                        self.raw_string()?;
                        self.expect(b':')?;
                        continue;
                    }
                }
                Some(b'[') => {
                    self.at += 1;
                    stack.push(b']');
                    if self.peek() == Some(b']') {
                        self.at += 1;
                        stack.pop();
                    } else {
                        continue;
                    }
                }
                Some(_) => {
                    self.scalar()?;
                }
                None => return self.fail("unexpected end of line"),
            }
            // After a complete value: close containers or move to the next member.
            loop {
                let Some(&close) = stack.last() else { return Ok(()) };
                match self.peek() {
                    Some(b',') => {
                        self.at += 1;
                        if close == b'}' {
                            self.raw_string()?;
                            self.expect(b':')?;
                        }
                        break;
                    }
                    Some(byte) if byte == close => {
                        self.at += 1;
                        stack.pop();
                    }
                    Some(_) => return self.fail("expected ',' or a closing bracket"),
                    None => return self.fail("unexpected end of line"),
                }
            }
        }
    }

    /// Walks an object's members, handing each key to `member`, which must consume the value.
    fn object(&mut self, mut member: impl FnMut(&mut Self, &[u8]) -> Scan<()>) -> Scan<()> {
        self.expect(b'{')?;
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(());
        }
        loop {
            let key = self.raw_string()?;
            self.expect(b':')?;
            member(self, key)?;
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(());
                }
                Some(_) => return self.fail("expected ',' or '}'"),
                None => return self.fail("unexpected end of line"),
            }
        }
    }
}

/// A byte a number may hold.
const NUMBER: u8 = 1;
/// A byte `true`, `false` or `null` may hold.
const LETTER: u8 = 2;

/// What each byte may be part of in a scalar (0: neither).
const SCALAR_BYTES: [u8; 256] = {
    let mut classes = [0u8; 256];
    let mut digit = b'0';
    while digit <= b'9' {
        classes[digit as usize] = NUMBER;
        digit += 1;
    }
    classes[b'-' as usize] = NUMBER;
    classes[b'+' as usize] = NUMBER;
    classes[b'.' as usize] = NUMBER;
    classes[b'E' as usize] = NUMBER;
    classes[b'e' as usize] = NUMBER | LETTER;
    let letters = b"trufalsn";
    let mut index = 0;
    while index < letters.len() {
        classes[letters[index] as usize] |= LETTER;
        index += 1;
    }
    classes
};

/// The bytes at the start of a string searched sixteen at a time, quote by quote, before 64-byte
/// blocks take over.
const SHORT_STRING: usize = 64;

/// Where the string whose contents start `contents` ends: the first quote no odd run of
/// backslashes escapes.
///
/// Keys, ids and short values end within a few sixteen-byte lanes: each lane's quotes come as a
/// bit mask from SSE2 compares, and each is checked by looking back for an escaping run of
/// backslashes (text and code are full of `\n` but hold few `\"`). Past [`SHORT_STRING`] bytes,
/// [`long_string_end`] takes over.
fn string_end(contents: &[u8]) -> Option<usize> {
    let escaped_at = |at: usize| contents[..at].iter().rev().take_while(|byte| **byte == b'\\').count() % 2 == 1;
    let mut at = 0;
    while at < SHORT_STRING {
        let Some(lane) = contents.get(at..at + 16) else { break };
        let mut quotes = lane_quotes(lane);
        while quotes != 0 {
            let found = at + quotes.trailing_zeros() as usize;
            if !escaped_at(found) {
                return Some(found);
            }
            quotes &= quotes - 1;
        }
        at += 16;
    }
    long_string_end(&contents[at..], escaped_at(at)).map(|found| at + found)
}

/// The quotes of a sixteen-byte lane as a bit mask, with an SSE2 compare.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
fn lane_quotes(lane: &[u8]) -> u32 {
    use safe_arch::{cmp_eq_mask_i8_m128i, m128i, move_mask_i8_m128i, set_splat_i8_m128i};
    let mut array = [0u8; 16];
    array.copy_from_slice(lane);
    (move_mask_i8_m128i(cmp_eq_mask_i8_m128i(m128i::from(array), set_splat_i8_m128i(b'"' as i8))) as u32) & 0xffff
}

/// The quotes of a sixteen-byte lane as a bit mask.
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
fn lane_quotes(lane: &[u8]) -> u32 {
    lane.iter().enumerate().fold(0, |mask, (index, byte)| mask | (u32::from(*byte == b'"') << index))
}

/// Where a string's contents from some point on end: the first quote no odd run of backslashes
/// escapes. `escaped` says whether the first byte is escaped (a run of backslashes just before it
/// was odd).
///
/// Sixty-four bytes at a time: the block's quotes and backslashes as bit masks, from AVX2 compares
/// when the CPU has them (checked once, at run time) and SSE2 ones otherwise, then which of its
/// bytes are escaped ([`escaped_bytes`]), so a block is decided without a branch per quote.
fn long_string_end(contents: &[u8], escaped: bool) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return simd.vectorize(Avx2Blocks { simd, contents, escaped });
    }
    blocks_end(contents, escaped, block_masks)
}

/// [`long_string_end`] with the masks of each block from `masks`.
#[inline(always)]
fn blocks_end(contents: &[u8], mut escaped: bool, masks: impl Fn(&[u8]) -> (u64, u64)) -> Option<usize> {
    let mut at = 0;
    while let Some(block) = contents.get(at..at + 64) {
        let (quotes, backslashes) = masks(block);
        // Always worked out: a branch on whether the block holds backslashes mispredicts in text.
        let (escapes, carried) = escaped_bytes(backslashes, escaped);
        let ends = quotes & !escapes;
        if ends != 0 {
            return Some(at + ends.trailing_zeros() as usize);
        }
        escaped = carried;
        at += 64;
    }
    for (offset, byte) in contents[at..].iter().enumerate() {
        if escaped {
            escaped = false;
        } else if *byte == b'"' {
            return Some(at + offset);
        } else if *byte == b'\\' {
            escaped = true;
        }
    }
    None
}

/// [`blocks_end`] run with AVX2 enabled (`pulp` compiles `call` for the features its token proves).
#[cfg(target_arch = "x86_64")]
struct Avx2Blocks<'a> {
    simd: pulp::x86::V3,
    contents: &'a [u8],
    escaped: bool,
}

#[cfg(target_arch = "x86_64")]
impl pulp::NullaryFnOnce for Avx2Blocks<'_> {
    type Output = Option<usize>;

    #[inline(always)]
    fn call(self) -> Option<usize> {
        let simd = self.simd;
        blocks_end(self.contents, self.escaped, |block| avx2_masks(simd, block))
    }
}

/// The quotes and backslashes of a 64-byte block as bit masks, with AVX2 compares.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn avx2_masks(simd: pulp::x86::V3, block: &[u8]) -> (u64, u64) {
    let mask = |half: &[u8], byte: u8| {
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(half);
        let bytes: pulp::u8x32 = pulp::cast(bytes);
        u64::from(simd.avx2._mm256_movemask_epi8(pulp::cast(simd.cmp_eq_u8x32(bytes, simd.splat_u8x32(byte)))) as u32)
    };
    let (low, high) = block.split_at(32);
    (mask(low, b'"') | (mask(high, b'"') << 32), mask(low, b'\\') | (mask(high, b'\\') << 32))
}

/// Which bytes of a 64-byte block a backslash escapes (bit `i` for byte `i`; said of the bytes that
/// are not backslashes themselves, quotes among them), given the block's
/// backslashes and whether its first byte is escaped by a run carried over from the block before;
/// also whether the block's last run escapes the next block's first byte.
///
/// A run of backslashes escapes the byte after it when its length is odd. Adding a run's lowest
/// bit to the mask carries through the run and sets the bit just past it; a run starting on an
/// even bit has odd length exactly when that bit is odd, and the other way round.
fn escaped_bytes(backslashes: u64, first_escaped: bool) -> (u64, bool) {
    const EVEN: u64 = 0x5555_5555_5555_5555;
    let carried = u64::from(first_escaped);
    // An escaped backslash starts no run.
    let backslashes = backslashes & !carried;
    let starts = backslashes & !(backslashes << 1);
    let (past_even_starts, _) = backslashes.overflowing_add(starts & EVEN);
    let (past_odd_starts, into_next) = backslashes.overflowing_add(starts & !EVEN);
    let escaped = (past_even_starts & !backslashes & !EVEN) | (past_odd_starts & !backslashes & EVEN) | carried;
    (escaped, into_next)
}

/// The quotes and backslashes of a 64-byte block as bit masks, with SSE2 compares.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
fn block_masks(block: &[u8]) -> (u64, u64) {
    use safe_arch::{cmp_eq_mask_i8_m128i, m128i, move_mask_i8_m128i, set_splat_i8_m128i};
    let quote = set_splat_i8_m128i(b'"' as i8);
    let backslash = set_splat_i8_m128i(b'\\' as i8);
    let (mut quotes, mut backslashes) = (0u64, 0u64);
    for (lane, bytes) in block.chunks_exact(16).enumerate() {
        let mut array = [0u8; 16];
        array.copy_from_slice(bytes);
        let lane_bytes = m128i::from(array);
        quotes |= u64::from(move_mask_i8_m128i(cmp_eq_mask_i8_m128i(lane_bytes, quote)) as u16) << (16 * lane);
        backslashes |= u64::from(move_mask_i8_m128i(cmp_eq_mask_i8_m128i(lane_bytes, backslash)) as u16) << (16 * lane);
    }
    (quotes, backslashes)
}

/// The quotes and backslashes of a 64-byte block as bit masks.
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
fn block_masks(block: &[u8]) -> (u64, u64) {
    let (mut quotes, mut backslashes) = (0u64, 0u64);
    for (index, byte) in block.iter().enumerate() {
        quotes |= u64::from(*byte == b'"') << index;
        backslashes |= u64::from(*byte == b'\\') << index;
    }
    (quotes, backslashes)
}

/// Scans one line (without its newline). Keys are compared raw: the names Claude Code writes hold
/// no escapes.
pub(super) fn scan(line: &[u8]) -> Result<Fields<'_>, String> {
    let mut cursor = Cursor { bytes: line, at: 0 };
    let mut fields = Fields::default();
    cursor.object(|cursor, key| {
        match key {
            b"type" => fields.kind = cursor.optional_string()?,
            b"timestamp" => fields.timestamp = cursor.optional_string()?,
            b"sessionId" => fields.session_id = cursor.optional_string()?,
            b"requestId" => fields.request_id = cursor.optional_string()?,
            b"cwd" => fields.cwd = cursor.optional_string()?,
            b"costUSD" => {
                let value = if matches!(cursor.peek(), Some(b'-' | b'0'..=b'9')) { Some(cursor.scalar()?) } else { None };
                match value {
                    Some(number) => fields.cost_usd = Some(number),
                    None => cursor.skip_value()?,
                }
            }
            b"isSidechain" => {
                fields.is_sidechain =
                    if cursor.peek() == Some(b't') { cursor.scalar()? == b"true" } else { cursor.skip_value().map(|_| false)? }
            }
            b"message" if cursor.peek() == Some(b'{') => cursor.object(|cursor, key| {
                match key {
                    b"id" => fields.message_id = cursor.optional_string()?,
                    b"model" => fields.model = cursor.optional_string()?,
                    b"usage" => {
                        cursor.skip_whitespace();
                        let start = cursor.at;
                        match cursor.usage() {
                            Ok(usage) => fields.usage = Some(Ok(usage)),
                            Err(error) => {
                                // Not a usage object: the line must still be whole JSON.
                                cursor.at = start;
                                cursor.skip_value()?;
                                if &cursor.bytes[start..cursor.at] != b"null" {
                                    fields.usage = Some(Err(error));
                                }
                            }
                        }
                    }
                    _ => cursor.skip_value()?,
                }
                Ok(())
            })?,
            _ => cursor.skip_value()?,
        }
        Ok(())
    })?;
    if cursor.peek().is_some() {
        return cursor.fail("trailing characters");
    }
    Ok(fields)
}

/// `message.usage`, read by the scanner rather than serde (it is parsed on every assistant line):
/// the counts as exact integers, the tier and speed as written. Absent fields are zero or absent;
/// other fields are skipped.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct UsageCounts<'a> {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_input_tokens: u64,
    pub cache_creation_input_tokens: u64,
    /// `cache_creation`'s 5-minute and 1-hour split, when given.
    pub cache_creation: Option<(u64, u64)>,
    pub service_tier: Option<Cow<'a, str>>,
    pub speed: Option<Cow<'a, str>>,
    /// `server_tool_use.web_search_requests`.
    pub web_search_requests: u64,
}

impl<'a> Cursor<'a> {
    /// A count: a JSON integer from 0 to `u64::MAX`, nothing else (no sign, fraction, exponent or
    /// leading zero).
    fn count(&mut self, name: &str) -> Scan<u64> {
        self.skip_whitespace();
        let start = self.at;
        let token = self.scalar().map_err(|_| format!("{name}: expected a whole number at column {}", start + 1))?;
        std::str::from_utf8(token)
            .ok()
            // JSON writes no leading zeros.
            .filter(|digits| digits.bytes().all(|byte| byte.is_ascii_digit()) && (digits.len() == 1 || !digits.starts_with('0')))
            .and_then(|digits| digits.parse().ok())
            .ok_or_else(|| format!("{name}: {} is not a whole number of tokens", String::from_utf8_lossy(token)))
    }

    /// `null` or an object whose members `member` reads.
    fn optional_object(&mut self, member: impl FnMut(&mut Self, &[u8]) -> Scan<()>) -> Scan<bool> {
        if self.peek() == Some(b'n') {
            return match self.scalar()? {
                b"null" => Ok(false),
                _ => self.fail("expected an object or null"),
            };
        }
        self.object(member).map(|()| true)
    }

    /// `null` or a string.
    fn nullable_string(&mut self, name: &str) -> Scan<Option<Cow<'a, str>>> {
        match self.peek() {
            Some(b'"') => self.string().map(Some),
            Some(b'n') if self.scalar()? == b"null" => Ok(None),
            _ => Err(format!("{name}: expected a string or null at column {}", self.at + 1)),
        }
    }
}

/// Fails on the second sight of a field, as serde does.
fn first_sight(seen: &mut u32, field: u32, name: &str) -> Scan<()> {
    if *seen & (1 << field) != 0 {
        return Err(format!("duplicate field {name}"));
    }
    *seen |= 1 << field;
    Ok(())
}

/// A count field, on its first sight.
fn counted(cursor: &mut Cursor<'_>, seen: &mut u32, field: u32, name: &str) -> Scan<u64> {
    first_sight(seen, field, name)?;
    cursor.count(name)
}

/// Reads a usage object on its own (what [`scan`] reads in place as `message.usage`).
#[cfg(test)]
pub(super) fn usage(bytes: &[u8]) -> Result<UsageCounts<'_>, String> {
    let mut cursor = Cursor { bytes, at: 0 };
    let usage = cursor.usage()?;
    if cursor.peek().is_some() {
        return cursor.fail("trailing characters");
    }
    Ok(usage)
}

impl<'a> Cursor<'a> {
    /// A usage object at the cursor, read with serde's rules (exact counts, each field once).
    fn usage(&mut self) -> Scan<UsageCounts<'a>> {
        let cursor = self;
        let mut usage = UsageCounts::default();
        let mut seen = 0;
        cursor.object(|cursor, key| {
            match key {
                b"input_tokens" => usage.input_tokens = counted(cursor, &mut seen, 0, "input_tokens")?,
                b"output_tokens" => usage.output_tokens = counted(cursor, &mut seen, 1, "output_tokens")?,
                b"cache_read_input_tokens" => usage.cache_read_input_tokens = counted(cursor, &mut seen, 2, "cache_read_input_tokens")?,
                b"cache_creation_input_tokens" => {
                    usage.cache_creation_input_tokens = counted(cursor, &mut seen, 3, "cache_creation_input_tokens")?
                }
                b"cache_creation" => {
                    first_sight(&mut seen, 4, "cache_creation")?;
                    let (mut split, mut seen_inner) = ((0, 0), 0);
                    let given = cursor.optional_object(|cursor, key| {
                        match key {
                            b"ephemeral_5m_input_tokens" => {
                                split.0 = counted(cursor, &mut seen_inner, 0, "cache_creation.ephemeral_5m_input_tokens")?
                            }
                            b"ephemeral_1h_input_tokens" => {
                                split.1 = counted(cursor, &mut seen_inner, 1, "cache_creation.ephemeral_1h_input_tokens")?
                            }
                            _ => cursor.skip_value()?,
                        }
                        Ok(())
                    })?;
                    usage.cache_creation = given.then_some(split);
                }
                b"service_tier" => {
                    first_sight(&mut seen, 5, "service_tier")?;
                    usage.service_tier = cursor.nullable_string("service_tier")?;
                }
                b"speed" => {
                    first_sight(&mut seen, 6, "speed")?;
                    usage.speed = cursor.nullable_string("speed")?;
                }
                b"server_tool_use" => {
                    first_sight(&mut seen, 7, "server_tool_use")?;
                    let (mut searches, mut seen_inner) = (0, 0);
                    cursor.optional_object(|cursor, key| {
                        match key {
                            b"web_search_requests" => {
                                searches = counted(cursor, &mut seen_inner, 0, "server_tool_use.web_search_requests")?
                            }
                            _ => cursor.skip_value()?,
                        }
                        Ok(())
                    })?;
                    usage.web_search_requests = searches;
                }
                _ => cursor.skip_value()?,
            }
            Ok(())
        })?;
        Ok(usage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_inside_a_tool_input_is_not_message_usage() {
        let line = br#"{"type":"assistant","message":{"content":[{"type":"tool_use","input":{"usage":{"input_tokens":999},"q":"a \"usage\": {"}}],"id":"m1"},"toolUseResult":{"message":{"usage":{"output_tokens":5}}}}"#;
        let fields = scan(line).unwrap();
        assert!(fields.usage.is_none());
        assert_eq!(fields.message_id.as_deref(), Some("m1"));
    }

    #[test]
    fn escapes_unicode_and_nesting_are_walked() {
        let line = "{\"cwd\":\"C:\\\\src\\\\caf\\u00e9\",\"x\":[[[{\"a\":[1,-2.5e3,true,null,\"]}\\\"\"]}]]],\"message\":{\"usage\":{\"input_tokens\":3}, \"model\":\"m\"}}";
        let fields = scan(line.as_bytes()).unwrap();
        assert_eq!(fields.cwd.as_deref(), Some("C:\\src\\café"));
        assert_eq!(fields.usage, Some(Ok(UsageCounts { input_tokens: 3, ..UsageCounts::default() })));
        assert_eq!(fields.model.as_deref(), Some("m"));
    }

    #[test]
    fn a_quote_ends_a_string_after_an_even_run_of_backslashes() {
        // "a\\" ends after its escaped backslash; "b\\\"c" holds a backslash and an escaped quote.
        let line = br#"{"x":"a\\","cwd":"b\\\"c","y":"\\\\"}"#;
        let fields = scan(line).unwrap();
        assert_eq!(fields.cwd.as_deref(), Some("b\\\"c"));
        assert!(scan(br#"{"cwd":"a\"}"#).is_err(), "an escaped closing quote leaves the string open");
    }

    #[test]
    fn the_lane_and_block_searches_find_the_quotes_memchr_finds() {
        // Every position of a first quote, before and past whole lanes and blocks, among bytes
        // that trip naive bit tricks (0x21, 0x23, 0xa2, 0x00, 0xdc, 0x5c's neighbours).
        for length in 0..(SHORT_STRING + 64 * 2 + 20) {
            for quote in 0..=length {
                let mut haystack: Vec<u8> = (0..length).map(|index| [0x21, 0x23, 0xa2, 0x00, 0xdc, 0x5b, 0x5d, b'a'][index % 8]).collect();
                if quote < length {
                    haystack[quote] = b'"';
                    haystack.extend_from_slice(b"x\"");
                }
                let expected = memchr::memchr(b'"', &haystack);
                assert_eq!(string_end(&haystack), expected, "{haystack:?}");
                assert_eq!(long_string_end(&haystack, false), expected, "{haystack:?}");
            }
        }
    }

    #[test]
    fn scalars_are_the_bytes_up_to_a_delimiter_when_a_literal_or_number_shaped() {
        // The reference: the bytes up to the next delimiter, then checked whole.
        fn reference(bytes: &[u8]) -> Option<&[u8]> {
            let end =
                bytes.iter().position(|byte| matches!(byte, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n')).unwrap_or(bytes.len());
            let token = &bytes[..end];
            let valid = matches!(token, b"true" | b"false" | b"null")
                || (!token.is_empty()
                    && token.iter().all(|byte| byte.is_ascii_digit() || matches!(byte, b'-' | b'+' | b'.' | b'e' | b'E'))
                    && (token[0] == b'-' || token[0].is_ascii_digit()));
            valid.then_some(token)
        }
        let tokens = [
            "true", "false", "null", "0", "-1", "1.5e3", "2E-7", "+1", "e1", ".5", "tru", "nul", "truex", "nulls", "1x", "--", "-", "fals",
            "\"a\"", "", "x", "\u{e9}", "1\u{e9}",
        ];
        for token in tokens {
            for after in ["", ",", "}", "]", " ", "\t", "\n", "x", "\"", ":"] {
                let text = format!("{token}{after}");
                let mut cursor = Cursor { bytes: text.as_bytes(), at: 0 };
                assert_eq!(cursor.scalar().ok(), reference(text.as_bytes()), "{text:?}");
            }
        }
    }

    /// A small deterministic generator (xorshift), so failures repeat.
    fn random(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    /// Escapes worked out byte by byte: the reference for the bit arithmetic.
    fn escapes_walked(bytes: &[u8], mut escaped: bool) -> (u64, bool) {
        let mut mask = 0;
        for (index, byte) in bytes.iter().enumerate() {
            if escaped {
                mask |= 1 << index;
                escaped = false;
            } else {
                escaped = *byte == b'\\';
            }
        }
        (mask, escaped)
    }

    #[test]
    fn block_masks_and_escapes_agree_with_a_byte_by_byte_walk() {
        let mut state = 0x9e37_79b9_7f4a_7c15;
        let mut blocks: Vec<Vec<u8>> = Vec::new();
        // A run of every length at every place, then random blocks thick with backslashes.
        for start in 0..64 {
            for length in 1..=64 - start {
                let mut block = vec![b'a'; 64];
                block[start..start + length].fill(b'\\');
                blocks.push(block);
            }
        }
        for _ in 0..20_000 {
            let alphabet = [b'\\', b'\\', b'\\', b'"', b'a', 0xdc, 0x5b];
            blocks.push((0..64).map(|_| alphabet[(random(&mut state) % 7) as usize]).collect());
        }
        for block in &blocks {
            let quotes = block.iter().enumerate().fold(0u64, |mask, (index, byte)| mask | (u64::from(*byte == b'"') << index));
            let backslashes = block.iter().enumerate().fold(0u64, |mask, (index, byte)| mask | (u64::from(*byte == b'\\') << index));
            assert_eq!(block_masks(block), (quotes, backslashes), "{block:?}");
            #[cfg(target_arch = "x86_64")]
            if let Some(simd) = pulp::x86::V3::try_new() {
                assert_eq!(simd.vectorize(|| avx2_masks(simd, block)), (quotes, backslashes), "{block:?}");
            }
            for first_escaped in [false, true] {
                // Only what it says of other bytes than backslashes counts (quotes among them).
                let (escaped, into_next) = escaped_bytes(backslashes, first_escaped);
                let (walked, walked_into_next) = escapes_walked(block, first_escaped);
                assert_eq!((escaped & !backslashes, into_next), (walked & !backslashes, walked_into_next), "{block:?} {first_escaped}");
            }
        }
    }

    #[test]
    fn long_strings_end_where_a_byte_by_byte_walk_ends_them() {
        // Random contents up to a few blocks long, with runs of backslashes across block
        // boundaries and quotes escaped or not, from either starting state.
        let walked = |contents: &[u8], mut escaped: bool| {
            for (index, byte) in contents.iter().enumerate() {
                if escaped {
                    escaped = false;
                } else if *byte == b'"' {
                    return Some(index);
                } else {
                    escaped = *byte == b'\\';
                }
            }
            None
        };
        let mut state = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            let length = (random(&mut state) % 300) as usize;
            let quote_odds = 1 + random(&mut state) % 64;
            let mut contents = Vec::with_capacity(length);
            while contents.len() < length {
                let roll = random(&mut state);
                if roll.is_multiple_of(97) {
                    let run = (random(&mut state) % 140) as usize;
                    contents.extend(std::iter::repeat_n(b'\\', run));
                } else if roll.is_multiple_of(quote_odds) {
                    contents.push(b'"');
                } else {
                    contents.push([b'\\', b'a', b'a', 0xdc][(roll >> 8) as usize % 4]);
                }
            }
            for escaped in [false, true] {
                // As dispatched (AVX2 where the CPU has it), and with the SSE2 masks every x86-64 has.
                assert_eq!(long_string_end(&contents, escaped), walked(&contents, escaped), "{contents:?} {escaped}");
                assert_eq!(blocks_end(&contents, escaped, block_masks), walked(&contents, escaped), "{contents:?} {escaped}");
            }
            assert_eq!(string_end(&contents), walked(&contents, false), "{contents:?}");
        }
    }

    #[test]
    fn strings_end_where_a_byte_by_byte_walk_ends_them() {
        // Every arrangement of quotes, backslashes and plain bytes up to a length, placed after a
        // prefix that moves them across the word and block boundaries.
        let walked = |contents: &[u8]| {
            let mut at = 0;
            while at < contents.len() {
                match contents[at] {
                    b'"' => return Some(at),
                    b'\\' => at += 2,
                    _ => at += 1,
                }
            }
            None
        };
        let alphabet = [b'"', b'\\', b'a'];
        for prefix in [0, 5, 13, 29, SHORT_STRING - 3, SHORT_STRING + 11, SHORT_STRING + 61, SHORT_STRING + 64 + 58] {
            for length in 0..=8u32 {
                for mut code in 0..3usize.pow(length) {
                    let mut contents = vec![b'a'; prefix];
                    for _ in 0..length {
                        contents.push(alphabet[code % 3]);
                        code /= 3;
                    }
                    let mut line = b"{\"k\":\"".to_vec();
                    line.extend_from_slice(&contents);
                    let mut cursor = Cursor { bytes: &line, at: 5 };
                    let found = cursor.raw_string().ok().map(<[u8]>::len);
                    assert_eq!(found, walked(&contents), "{}", String::from_utf8_lossy(&contents));
                }
            }
        }
    }

    /// What serde made of a usage object before the scanner read it: the reference.
    #[derive(Debug, Default, serde::Deserialize)]
    #[serde(default)]
    struct SerdeUsage<'a> {
        input_tokens: u64,
        output_tokens: u64,
        cache_read_input_tokens: u64,
        cache_creation_input_tokens: u64,
        cache_creation: Option<crate::wire::CacheCreation>,
        #[serde(borrow)]
        service_tier: Option<&'a str>,
        speed: Option<&'a str>,
        server_tool_use: Option<crate::wire::ServerToolUse>,
    }

    /// One difference is deliberate: serde also takes a struct written as an array of its fields
    /// in order (`"cache_creation":[1,2]`); the scanner wants an object, as Claude Code writes.
    #[test]
    fn usage_objects_read_as_serde_reads_them() {
        let values =
            ["0", "7", "007", "18446744073709551615", "18446744073709551616", "-1", "1.5", "1e3", "null", "\"9\"", "true", "{}", "[]"];
        let tiers = ["\"standard\"", "\"priority\"", "null", "5", "{}"];
        let nested = [
            "null",
            "{}",
            "{\"ephemeral_5m_input_tokens\":3,\"ephemeral_1h_input_tokens\":4}",
            "{\"ephemeral_1h_input_tokens\":-4}",
            "{\"web_search_requests\":2,\"web_fetch_requests\":1}",
            "{\"web_search_requests\":null}",
            "7",
        ];
        let mut objects = Vec::new();
        for (index, value) in values.iter().enumerate() {
            for key in ["input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens"] {
                objects.push(format!("{{\"{key}\":{value},\"output_tokens\":{}}}", index * 3));
            }
            objects.push(format!("{{ \"input_tokens\" : {value} , \"unknown\":{{\"input_tokens\":[{value}]}} }}"));
        }
        for tier in tiers {
            objects.push(format!("{{\"service_tier\":{tier},\"speed\":{tier},\"input_tokens\":1}}"));
        }
        for inner in nested {
            objects.push(format!("{{\"cache_creation\":{inner},\"server_tool_use\":{inner},\"cache_creation_input_tokens\":7}}"));
        }
        objects.push("{\"cache_creation\":{\"ephemeral_5m_input_tokens\":1,\"ephemeral_5m_input_tokens\":2}}".into());
        objects.push("{\"speed\":\"fast\",\"speed\":null}".into());
        objects.extend(["{}", "{\"input_tokens\":1,}", "{\"input_tokens\":1} x", "{\"input_tokens\" 1}", "null"].map(String::from));
        for object in &objects {
            let reference = serde_json::from_str::<SerdeUsage<'_>>(object);
            let read = usage(object.as_bytes());
            match (reference, read) {
                (Ok(expected), Ok(found)) => {
                    let split = expected.cache_creation.map(|split| (split.ephemeral_5m_input_tokens, split.ephemeral_1h_input_tokens));
                    assert_eq!(
                        (found.input_tokens, found.output_tokens, found.cache_read_input_tokens, found.cache_creation_input_tokens),
                        (
                            expected.input_tokens,
                            expected.output_tokens,
                            expected.cache_read_input_tokens,
                            expected.cache_creation_input_tokens
                        ),
                        "{object}"
                    );
                    assert_eq!(found.cache_creation, split, "{object}");
                    assert_eq!(found.service_tier.as_deref(), expected.service_tier, "{object}");
                    assert_eq!(found.speed.as_deref(), expected.speed, "{object}");
                    assert_eq!(
                        found.web_search_requests,
                        expected.server_tool_use.map_or(0, |tools| tools.web_search_requests),
                        "{object}"
                    );
                }
                (Err(_), Err(_)) => {}
                (expected, found) => panic!("{object}: serde {expected:?}, scanner {found:?}"),
            }
            // Read in place inside a line: the same result; a line that is not JSON fails whole
            // (the line's structure is checked, so a value serde refuses may still be whole).
            let line = format!("{{\"message\":{{\"usage\":{object},\"id\":\"m\"}}}}");
            match (scan(line.as_bytes()), usage(object.as_bytes())) {
                (Ok(fields), Ok(expected)) => assert_eq!(fields.usage, Some(Ok(expected)), "{object}"),
                (Ok(fields), Err(_)) if *object == "null" => assert!(fields.usage.is_none()),
                (Ok(fields), Err(_)) => assert!(matches!(fields.usage, Some(Err(_))), "{object}"),
                (Err(error), _) => {
                    assert!(serde_json::from_str::<serde_json::Value>(object).is_err(), "{object}: {error}");
                }
            }
        }
        assert!(objects.len() > 60);
        for array in ["[]", "{\"cache_creation\":[1,2]}"] {
            assert!(usage(array.as_bytes()).is_err(), "{array}");
        }
    }

    #[test]
    fn malformed_lines_are_rejected() {
        for bad in [&b"{not json"[..], b"{\"a\":1", b"{\"a\":[1,2}", b"{\"a\":\"open", b"{\"a\":1} x", b"{\"a\" 1}", b"", b"{\"a\":tru}"] {
            assert!(scan(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
