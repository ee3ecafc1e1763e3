//! Who may read the dashboard and the REST API.
//!
//! Readers hold a dashboard token (`[serve.dashboard_tokens]`, name = "token"; or, on loopback
//! with none configured, one made up at each start and printed once as a link). A request is
//! let in with `Authorization: Bearer TOKEN` (scripts, the API) or with the session cookie
//! [`COOKIE`]. A browser gets the cookie by opening any page once with `?token=TOKEN`: the server
//! answers with a redirect to the same address without the token (so it leaves the address bar and
//! history) and sets the cookie `HttpOnly; SameSite=Strict; Path=/` (no script reads it, and no
//! other site's page can make the browser send it). Writer tokens (people, collectors) do not read
//! the dashboard, and dashboard tokens write nothing.
//!
//! Tokens are compared in constant time and never logged.

use std::fmt;

use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE as COOKIE_HEADER};
use subtle::ConstantTimeEq;

use crate::{ServerError, Token, push::MINIMUM_TOKEN_LENGTH};

/// The session cookie's name.
pub const COOKIE: &str = "spendlens_dashboard";

/// The tokens that read the dashboard and the REST API.
#[derive(Clone, Default)]
pub struct DashboardTokens {
    readers: Vec<(String, Token)>,
}

impl fmt::Debug for DashboardTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.readers.iter().map(|(name, _)| (name, "<redacted>"))).finish()
    }
}

impl DashboardTokens {
    /// From name → token pairs: a blank name, a token shorter than [`MINIMUM_TOKEN_LENGTH`] or one
    /// token under two names is an error naming the name (never the token).
    pub fn new(pairs: impl IntoIterator<Item = (String, Token)>) -> Result<DashboardTokens, ServerError> {
        let mut tokens = DashboardTokens::default();
        for (name, token) in pairs {
            let name = name.trim().to_string();
            if name.is_empty() {
                return Err(ServerError::Tokens { detail: "a dashboard token is listed under an empty name".into() });
            }
            if token.expose().chars().count() < MINIMUM_TOKEN_LENGTH {
                return Err(ServerError::Tokens {
                    detail: format!("the dashboard token of {name} is shorter than {MINIMUM_TOKEN_LENGTH} characters"),
                });
            }
            if let Some((other, _)) = tokens.readers.iter().find(|(_, known)| equal(known.expose(), token.expose())) {
                return Err(ServerError::Tokens { detail: format!("dashboard tokens {other} and {name} are the same") });
            }
            tokens.readers.push((name, token));
        }
        Ok(tokens)
    }

    /// One token made up from the operating system's random source (192 bits, hex): what a
    /// loopback `spendlens serve` uses when none is configured.
    pub fn generate() -> Result<(DashboardTokens, Token), ServerError> {
        let mut bytes = [0u8; 24];
        let read = std::fs::File::open("/dev/urandom").and_then(|mut file| std::io::Read::read_exact(&mut file, &mut bytes));
        read.map_err(|source| ServerError::StateFile { action: "reading random bytes from", path: "/dev/urandom".into(), source })?;
        let token = Token::new(bytes.iter().map(|byte| format!("{byte:02x}")).collect::<String>());
        Ok((DashboardTokens { readers: vec![("generated at start".into(), token.clone())] }, token))
    }

    pub fn is_empty(&self) -> bool {
        self.readers.is_empty()
    }

    pub fn len(&self) -> usize {
        self.readers.len()
    }

    /// Whether `presented` is a reader's token (every token compared, in constant time).
    pub fn admits(&self, presented: &str) -> bool {
        self.readers.iter().fold(false, |found, (_, token)| found | equal(token.expose(), presented))
    }

    /// Whether the request carries a reader's token, as a bearer token or in the session cookie.
    pub fn admits_request(&self, headers: &HeaderMap) -> bool {
        bearer(headers).is_some_and(|token| self.admits(token)) || cookie(headers).is_some_and(|token| self.admits(token))
    }
}

fn equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
        .map(str::trim)
}

fn cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE_HEADER)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim())
}

/// The `Set-Cookie` value that keeps `token` for the browser's session.
pub fn session_cookie(token: &str) -> String {
    format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/")
}

/// `query` without its `token` parameters (the address a browser is sent on to).
pub fn without_token(query: &str) -> String {
    query.split('&').filter(|pair| !pair.is_empty() && *pair != "token" && !pair.starts_with("token=")).collect::<Vec<_>>().join("&")
}

/// The `token` parameter of `query`, percent-decoded.
pub fn token_in(query: &str) -> Option<String> {
    query.split('&').find_map(|pair| pair.strip_prefix("token=")).map(percent_decode)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|byte| (*byte as char).to_digit(16));
        match (bytes[index], hex(index + 1), hex(index + 2)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                index += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                index += 1;
            }
            (byte, _, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use axum::http::HeaderValue;

    fn tokens() -> DashboardTokens {
        DashboardTokens::new([("finance".to_string(), Token::new("finance-reads-0123456789"))]).unwrap()
    }

    #[test]
    fn a_reader_is_admitted_by_bearer_or_cookie_and_no_one_else() {
        let tokens = tokens();
        let mut headers = HeaderMap::new();
        assert!(!tokens.admits_request(&headers));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer finance-reads-0123456789"));
        assert!(tokens.admits_request(&headers));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer finance-reads-012345678"));
        assert!(!tokens.admits_request(&headers));
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE_HEADER, HeaderValue::from_static("theme=dark; spendlens_dashboard=finance-reads-0123456789"));
        assert!(tokens.admits_request(&headers));
        headers.insert(COOKIE_HEADER, HeaderValue::from_static("spendlens_dashboardx=finance-reads-0123456789"));
        assert!(!tokens.admits_request(&headers));
    }

    #[test]
    fn short_blank_and_shared_tokens_are_refused_without_showing_them() {
        let short = DashboardTokens::new([("a".to_string(), Token::new("short"))]).unwrap_err().to_string();
        assert!(short.contains("of a is shorter than 16") && !short.contains("short\""), "{short}");
        assert!(DashboardTokens::new([(" ".to_string(), Token::new("finance-reads-0123456789"))]).is_err());
        let shared = DashboardTokens::new([
            ("a".to_string(), Token::new("finance-reads-0123456789")),
            ("b".to_string(), Token::new("finance-reads-0123456789")),
        ])
        .unwrap_err()
        .to_string();
        assert!(shared.contains("a and b") && !shared.contains("0123456789"), "{shared}");
        assert_eq!(format!("{:?}", tokens()), "{\"finance\": \"<redacted>\"}");
    }

    #[test]
    fn the_token_leaves_the_address_and_generated_tokens_differ() {
        assert_eq!(without_token("token=abc&month=2026-10"), "month=2026-10");
        assert_eq!(without_token("month=2026-10&token=abc&team=core"), "month=2026-10&team=core");
        assert_eq!(token_in("month=2026-10&token=a%2Bb+c"), Some("a+b c".to_string()));
        let (first, token) = DashboardTokens::generate().unwrap();
        let (_, other) = DashboardTokens::generate().unwrap();
        assert_eq!(token.expose().len(), 48);
        assert_ne!(token.expose(), other.expose());
        assert!(first.admits(token.expose()));
    }
}
