//! A structural scanner for one transcript line: finds the few fields usage needs without building
//! the line's JSON tree.
//!
//! It walks the top-level object and `message`'s object only; every other value (content blocks,
//! tool inputs, `toolUseResult`, ...) is skipped whole, string contents by jumping from quote to
//! quote (a word at a time for short strings, then 32 bytes at a time with SSE2 compares), each
//! quote checked for an escaping run of backslashes. So a `"usage"` key inside a tool input can
//! never be taken for `message.usage`. The small `usage` object is handed back as a sub-slice,
//! which [`usage`] reads with the same cursor (serde's rules, without serde's cost per line).
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
    /// The raw bytes of `message.usage`.
    pub usage: Option<&'a [u8]>,
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
    ///
    /// A `"` ends the string unless an odd run of backslashes precedes it (text and code are full
    /// of `\n` but hold few `\"`), so only quotes are searched for, and each is checked by looking
    /// back.
    fn raw_string(&mut self) -> Scan<&'a [u8]> {
        if self.peek() != Some(b'"') {
            return self.fail("expected a string");
        }
        let start = self.at + 1;
        let contents = &self.bytes[start..];
        let unescaped = |at: usize| contents[..at].iter().rev().take_while(|byte| **byte == b'\\').count() % 2 == 0;
        // Most strings (keys, ids, short values) end within a few words.
        let short = contents.len().min(SHORT_STRING);
        let mut at = 0;
        while let Some(found) = next_quote(&contents[at..short]) {
            at += found;
            if unescaped(at) {
                self.at = start + at + 1;
                return Ok(&contents[..at]);
            }
            at += 1;
        }
        match quote_where(&contents[short..], |found| unescaped(short + found)) {
            Some(found) => {
                let end = short + found;
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
        while let Some(byte) = self.bytes.get(self.at) {
            if matches!(byte, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                break;
            }
            self.at += 1;
        }
        let token = &self.bytes[start..self.at];
        let valid = matches!(token, b"true" | b"false" | b"null")
            || (!token.is_empty()
                && token.iter().all(|byte| byte.is_ascii_digit() || matches!(byte, b'-' | b'+' | b'.' | b'e' | b'E'))
                && (token[0] == b'-' || token[0].is_ascii_digit()));
        if valid {
            Ok(token)
        } else {
            self.at = start;
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

/// The bytes of a string searched a word at a time, before sixteen-byte blocks take over.
const SHORT_STRING: usize = 32;

/// The position of the next `"`, eight bytes at a time.
fn next_quote(haystack: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const QUOTES: u64 = ONES * b'"' as u64;
    let mut at = 0;
    while let Some(chunk) = haystack.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let zeroed = u64::from_le_bytes(word) ^ QUOTES;
        // A byte of `zeroed` is zero where a quote is; the lowest flagged byte is always one.
        let flagged = zeroed.wrapping_sub(ONES) & !zeroed & HIGHS;
        if flagged != 0 {
            return Some(at + (flagged.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    haystack[at..].iter().position(|byte| *byte == b'"').map(|found| at + found)
}

/// The first quote in `haystack` that `ends` accepts, thirty-two bytes at a time: each block's quotes as a bit mask, walked bit by bit, so a
/// block with several escaped quotes is loaded once.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
fn quote_where(haystack: &[u8], mut ends: impl FnMut(usize) -> bool) -> Option<usize> {
    use safe_arch::{cmp_eq_mask_i8_m128i, m128i, move_mask_i8_m128i, set_splat_i8_m128i};
    let quote = set_splat_i8_m128i(b'"' as i8);
    let lane = |at: usize| {
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&haystack[at..at + 16]);
        cmp_eq_mask_i8_m128i(m128i::from(bytes), quote)
    };
    let mut at = 0;
    while at + 32 <= haystack.len() {
        let mut quotes = (move_mask_i8_m128i(lane(at)) as u32 & 0xffff) | ((move_mask_i8_m128i(lane(at + 16)) as u32) << 16);
        while quotes != 0 {
            let found = at + quotes.trailing_zeros() as usize;
            if ends(found) {
                return Some(found);
            }
            quotes &= quotes - 1;
        }
        at += 32;
    }
    (at..haystack.len()).find(|found| haystack[*found] == b'"' && ends(*found))
}

/// The first quote in `haystack` that `ends` accepts.
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
fn quote_where(haystack: &[u8], mut ends: impl FnMut(usize) -> bool) -> Option<usize> {
    memchr::memchr_iter(b'"', haystack).find(|found| ends(*found))
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
                        cursor.skip_value()?;
                        fields.usage = Some(&cursor.bytes[start..cursor.at]);
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

/// Reads a usage object (the raw bytes [`scan`] hands back as `usage`).
pub(super) fn usage(bytes: &[u8]) -> Result<UsageCounts<'_>, String> {
    let mut cursor = Cursor { bytes, at: 0 };
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
                        b"web_search_requests" => searches = counted(cursor, &mut seen_inner, 0, "server_tool_use.web_search_requests")?,
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
    if cursor.peek().is_some() {
        return cursor.fail("trailing characters");
    }
    Ok(usage)
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
        assert_eq!(fields.usage, Some(&br#"{"input_tokens":3}"#[..]));
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
    fn the_word_and_block_searches_find_the_quotes_memchr_finds() {
        // Every position of a first quote, before and past whole words and blocks, among bytes
        // that trip naive bit tricks (0x21, 0x23, 0xa2, 0x00, 0xdc); then quote_where's choice
        // among several quotes.
        for length in 0..(SHORT_STRING * 3 + 20) {
            for quote in 0..=length {
                let mut haystack: Vec<u8> = (0..length).map(|index| [0x21, 0x23, 0xa2, 0x00, 0xdc, b'a'][index % 6]).collect();
                if quote < length {
                    haystack[quote] = b'"';
                    haystack.extend_from_slice(b"x\"");
                }
                let expected = memchr::memchr(b'"', &haystack);
                assert_eq!(next_quote(&haystack), expected, "{haystack:?}");
                assert_eq!(quote_where(&haystack, |_| true), expected, "{haystack:?}");
                let second = memchr::memchr_iter(b'"', &haystack).nth(1);
                assert_eq!(quote_where(&haystack, |found| Some(found) != expected), second, "{haystack:?}");
            }
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
        for prefix in [0, 5, SHORT_STRING - 3, SHORT_STRING + 11, SHORT_STRING + 16] {
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
