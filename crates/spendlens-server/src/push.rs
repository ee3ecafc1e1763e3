//! Team aggregation: people push their transcript-derived usage lines to a central server.
//!
//! `POST /v1/push` with `Authorization: Bearer TOKEN` and a JSON [`PushRequest`]. The server holds
//! one token per person (`[serve.tokens]` in `DATA_DIR/config.toml`, email = "token"); a token
//! pushes only its own person's lines. Lines are stored under source `transcript`, scope = that
//! email, merged with what is stored for the days sent by the application layer's one merge rule
//! (`spendlens_app::merge`): lines of the same request are one, and the more complete copy is
//! kept, so repeated pushes, and pushes of the same sessions from two machines, never count a
//! request twice.
//!
//! Tokens are compared in constant time and never logged, echoed or written anywhere.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use spendlens_app::App;
use spendlens_model::{Day, Source, UsageLine};
use subtle::{Choice, ConstantTimeEq};

use crate::ServerError;

/// The body of `POST /v1/push`. Usage lines carry no prompt or response content.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushRequest {
    /// Whose lines these are; must be the token's person.
    pub email: String,
    pub lines: Vec<UsageLine>,
}

/// The answer to a push.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushReply {
    /// Lines stored: new requests, or more complete versions of stored ones.
    pub accepted: usize,
    /// Lines the server already had (as complete or more), or repeated within the push.
    pub duplicates: usize,
}

/// A secret bearer token. Debug and Display never show it.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn new(token: impl Into<String>) -> Token {
        Token(token.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// The people allowed to push, each with their token.
#[derive(Clone, Default)]
pub struct PushTokens {
    tokens: Vec<(String, Token)>,
}

impl fmt::Debug for PushTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.tokens.iter().map(|(email, _)| (email, "<redacted>"))).finish()
    }
}

/// Shorter tokens are refused: a push token stands for a person.
pub const MINIMUM_TOKEN_LENGTH: usize = 16;

impl PushTokens {
    /// From email → token pairs. Emails compare case-insensitively; a blank email, a token
    /// shorter than [`MINIMUM_TOKEN_LENGTH`] or one token shared by two people is an error
    /// naming the email (never the token).
    pub fn new(pairs: impl IntoIterator<Item = (String, Token)>) -> Result<PushTokens, ServerError> {
        let mut tokens: Vec<(String, Token)> = Vec::new();
        for (email, token) in pairs {
            let email = email.trim().to_ascii_lowercase();
            if email.is_empty() {
                return Err(ServerError::Tokens { detail: "a token is listed under an empty email".into() });
            }
            if token.0.chars().count() < MINIMUM_TOKEN_LENGTH {
                return Err(ServerError::Tokens {
                    detail: format!("the token of {email} is shorter than {MINIMUM_TOKEN_LENGTH} characters"),
                });
            }
            if let Some((other, _)) = tokens.iter().find(|(_, known)| equal(known.0.as_bytes(), token.0.as_bytes())) {
                return Err(ServerError::Tokens { detail: format!("{other} and {email} share a token") });
            }
            tokens.push((email, token));
        }
        Ok(PushTokens { tokens })
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// How many people hold a token.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// The person holding `presented`, comparing against every token in constant time.
    pub fn holder(&self, presented: &str) -> Option<&str> {
        let mut found = None;
        for (email, token) in &self.tokens {
            if equal(token.0.as_bytes(), presented.as_bytes()) {
                found = Some(email.as_str());
            }
        }
        found
    }
}

/// Constant-time equality: the time depends on the longer length only, never on where the bytes
/// differ.
fn equal(known: &[u8], presented: &[u8]) -> bool {
    let length = known.len().max(presented.len());
    let mut same = Choice::from(u8::from(known.len() == presented.len()));
    for index in 0..length {
        let a = known.get(index).copied().unwrap_or(0);
        let b = presented.get(index).copied().unwrap_or(0);
        same &= a.ct_eq(&b);
    }
    same.into()
}

/// Checks a push against its token's person, before anything is read or stored.
pub fn authorise(tokens: &PushTokens, bearer: Option<&str>, request: &PushRequest) -> Result<String, ServerError> {
    let holder = bearer.and_then(|token| tokens.holder(token)).ok_or(ServerError::Unauthorized)?.to_string();
    let email = request.email.trim().to_ascii_lowercase();
    if email != holder {
        return Err(ServerError::Forbidden { allowed: holder, attempted: email });
    }
    for line in &request.lines {
        if let Some(actor) = &line.identity.actor_email
            && actor.trim().to_ascii_lowercase() != holder
        {
            return Err(ServerError::Forbidden { allowed: holder, attempted: actor.clone() });
        }
    }
    Ok(holder)
}

/// Merges pushed lines into the person's stored transcript lines (blocking), by the one merge
/// rule: a request already stored as completely is a duplicate.
pub fn store_push(app: &App, email: &str, mut lines: Vec<UsageLine>) -> Result<PushReply, ServerError> {
    for line in &mut lines {
        if line.source != Source::Transcript {
            return Err(ServerError::InvalidPush {
                detail: format!("a line from source {} (only transcript lines are pushed)", line.source),
            });
        }
        line.identity.actor_email = Some(email.to_string());
    }
    let merged = app.merge_usage(Source::Transcript, email, lines)?;
    Ok(PushReply { accepted: merged.accepted, duplicates: merged.duplicates })
}

/// The client side of `spendlens push`.
#[derive(Debug)]
pub struct PushClient {
    url: String,
    token: Token,
    http: reqwest::blocking::Client,
}

/// Lines per request: keeps each body well under the server's limit.
pub const LINES_PER_REQUEST: usize = 5_000;

impl PushClient {
    /// `server` is the base URL of a `spendlens serve` (`https://spendlens.example.com`).
    pub fn new(server: &str, token: Token) -> Result<PushClient, ServerError> {
        let url = format!("{}/v1/push", server.trim_end_matches('/'));
        let http = reqwest::blocking::Client::builder()
            .timeout(std::time::Duration::from_secs(120))
            .build()
            .map_err(|source| ServerError::PushTransport { url: url.clone(), source })?;
        Ok(PushClient { url, token, http })
    }

    /// Sends the lines in requests of at most [`LINES_PER_REQUEST`], whole days each, and adds
    /// up the replies.
    pub fn push(&self, email: &str, lines: &[UsageLine]) -> Result<PushReply, ServerError> {
        let mut by_day: BTreeMap<Day, Vec<&UsageLine>> = BTreeMap::new();
        for line in lines {
            by_day.entry(line.day()).or_default().push(line);
        }
        let mut total = PushReply::default();
        let mut chunk: Vec<UsageLine> = Vec::new();
        for (_, day_lines) in by_day {
            if !chunk.is_empty() && chunk.len() + day_lines.len() > LINES_PER_REQUEST {
                self.add(&mut total, email, std::mem::take(&mut chunk))?;
            }
            chunk.extend(day_lines.into_iter().cloned());
        }
        if !chunk.is_empty() {
            self.add(&mut total, email, chunk)?;
        }
        Ok(total)
    }

    fn add(&self, total: &mut PushReply, email: &str, lines: Vec<UsageLine>) -> Result<(), ServerError> {
        let request = PushRequest { email: email.to_string(), lines };
        let transport = |source| ServerError::PushTransport { url: self.url.clone(), source };
        let response = self.http.post(&self.url).bearer_auth(self.token.expose()).json(&request).send().map_err(transport)?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().unwrap_or_default().trim().to_string();
            return Err(ServerError::PushRefused { url: self.url.clone(), status: status.as_u16(), body });
        }
        let reply: PushReply = response.json().map_err(transport)?;
        total.accepted += reply.accepted;
        total.duplicates += reply.duplicates;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(equal(b"abcdefghijklmnop", b"abcdefghijklmnop"));
        assert!(!equal(b"abcdefghijklmnop", b"abcdefghijklmno"));
        assert!(!equal(b"abcdefghijklmnop", b"abcdefghijklmnopq"));
        assert!(!equal(b"abcdefghijklmnop", b""));
    }

    #[test]
    fn debug_never_shows_a_token() {
        let tokens = PushTokens::new([("A@x.io".to_string(), Token::new("s3cret-s3cret-s3cret"))]).unwrap();
        assert!(!format!("{tokens:?}").contains("s3cret"));
        assert_eq!(tokens.holder("s3cret-s3cret-s3cret"), Some("a@x.io"));
        assert!(PushTokens::new([("b@x.io".to_string(), Token::new("short"))]).is_err());
    }
}
