//! Page tokens: opaque to clients, meaningful to the mock.
//!
//! A token is `page_` followed by 24 lowercase hex digits: 16 for a fingerprint of the query it
//! belongs to (FNV-1a 64 of the endpoint path and the normalised `starting_at`, `ending_at` and
//! bucket width or day; `limit` is not part of it, so a client may change its page size), then 8
//! for the offset of the page's first item in that query's results. A token whose fingerprint is
//! not the current query's is rejected, as is anything that does not decode.

const PREFIX: &str = "page_";

/// A decoded page token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageToken {
    pub(crate) fingerprint: u64,
    pub(crate) offset: usize,
}

impl PageToken {
    pub(crate) fn new(query: &str, offset: usize) -> PageToken {
        PageToken { fingerprint: fingerprint(query), offset }
    }

    pub(crate) fn encode(self) -> String {
        format!("{PREFIX}{:016x}{:08x}", self.fingerprint, self.offset)
    }

    pub(crate) fn decode(text: &str) -> Option<PageToken> {
        let digits = text.strip_prefix(PREFIX)?;
        if digits.len() != 24 || !digits.bytes().all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte)) {
            return None;
        }
        let (fingerprint, offset) = digits.split_at(16);
        Some(PageToken { fingerprint: u64::from_str_radix(fingerprint, 16).ok()?, offset: usize::from_str_radix(offset, 16).ok()? })
    }

    /// Whether the token was issued for `query`.
    pub(crate) fn belongs_to(self, query: &str) -> bool {
        self.fingerprint == fingerprint(query)
    }
}

/// FNV-1a, 64 bits: stable across runs and platforms, unlike the std hasher.
fn fingerprint(query: &str) -> u64 {
    query.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_remember_their_query() {
        let token = PageToken::new("usage|2026-08-01", 168);
        let text = token.encode();
        assert!(text.starts_with("page_"));
        assert_eq!(text.len(), 29);
        let decoded = PageToken::decode(&text).unwrap();
        assert_eq!(decoded, token);
        assert!(decoded.belongs_to("usage|2026-08-01"));
        assert!(!decoded.belongs_to("usage|2026-08-02"));
    }

    #[test]
    fn foreign_tokens_do_not_decode() {
        for text in [
            "",
            "page_",
            "cursor-usage-1",
            "page_00000000000000000000000g",
            "page_0000000000000000000000000",
            "PAGE_000000000000000000000000",
        ] {
            assert_eq!(PageToken::decode(text), None, "{text}");
        }
    }
}
