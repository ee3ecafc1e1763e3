//! A structural scanner for one transcript line: finds the few fields usage needs without building
//! the line's JSON tree.
//!
//! It walks the top-level object and `message`'s object only; every other value (content blocks,
//! tool inputs, `toolUseResult`, ...) is skipped whole, string contents by `memchr` jumps to the
//! next `"` or `\`. So a `"usage"` key inside a tool input can never be taken for
//! `message.usage`. The small `usage` object is handed back as a sub-slice for serde to parse.
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
    /// One `memchr` per closing-quote candidate, not per escape: a `"` ends the string unless an
    /// odd run of backslashes precedes it (text and code are full of `\n` but hold few `\"`).
    fn raw_string(&mut self) -> Scan<&'a [u8]> {
        if self.peek() != Some(b'"') {
            return self.fail("expected a string");
        }
        let start = self.at + 1;
        let mut at = start;
        loop {
            let Some(found) = next_quote(&self.bytes[at..]) else {
                self.at = self.bytes.len();
                return self.fail("unterminated string");
            };
            at += found;
            let backslashes = self.bytes[start..at].iter().rev().take_while(|byte| **byte == b'\\').count();
            if backslashes % 2 == 0 {
                self.at = at + 1;
                return Ok(&self.bytes[start..at]);
            }
            at += 1;
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

/// Bytes searched eight at a time before handing the search to `memchr`: most strings of a line
/// are short (keys, ids, small values, text between escaped quotes), where a word-at-a-time loop
/// beats `memchr`'s set-up; long text goes to `memchr`.
const WORDS_FIRST: usize = 8;

/// The position of the next `"`.
fn next_quote(haystack: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const QUOTES: u64 = ONES * b'"' as u64;
    let mut at = 0;
    for _ in 0..WORDS_FIRST {
        let Some(chunk) = haystack.get(at..at + 8) else { break };
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
    memchr::memchr(b'"', &haystack[at..]).map(|found| found + at)
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
    fn the_word_at_a_time_search_finds_the_first_quote() {
        // Every position of a first quote, before and past the words searched first, among bytes
        // that trip naive bit tricks (0x21, 0x23, 0xa2, 0x00).
        for length in 0..(WORDS_FIRST * 8 + 20) {
            for quote in 0..=length {
                let mut haystack: Vec<u8> = (0..length).map(|index| [0x21, 0x23, 0xa2, 0x00, b'a'][index % 5]).collect();
                if quote < length {
                    haystack[quote] = b'"';
                    haystack.extend_from_slice(b"x\"");
                }
                assert_eq!(next_quote(&haystack), memchr::memchr(b'"', &haystack), "{haystack:?}");
            }
        }
    }

    #[test]
    fn malformed_lines_are_rejected() {
        for bad in [&b"{not json"[..], b"{\"a\":1", b"{\"a\":[1,2}", b"{\"a\":\"open", b"{\"a\":1} x", b"{\"a\" 1}", b"", b"{\"a\":tru}"] {
            assert!(scan(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
