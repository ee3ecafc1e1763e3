//! Team aggregation and the server's tokens.
//!
//! `POST /v1/push` with `Authorization: Bearer TOKEN` and a JSON push body
//! ([`spendlens_ingest::push::PushRequest`], read and checked by `spendlens_ingest::push`). The
//! server holds one token per person (`[serve.tokens]` in `DATA_DIR/config.toml`, email =
//! "token"); a person's token pushes only that person's lines, and telemetry sent with it is that
//! person's whatever `user.email` it names. Team-wide collector tokens (`[serve.collector_tokens]`,
//! name = "token", for an OpenTelemetry Collector or managed settings shared by everyone) send
//! telemetry whose `user.email` says whose it is, and cannot push. Pushed lines are stored under
//! source `transcript`, scope = that email, merged with what is stored for the days sent by the
//! application layer's one merge rule (`spendlens_app::merge`): lines of the same request are one,
//! and the more complete copy is kept, so repeated pushes, and pushes of the same sessions from two
//! machines, never count a request twice.
//!
//! Tokens are compared in constant time and never logged, echoed or written anywhere.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use spendlens_app::App;
pub use spendlens_ingest::push::{LINES_PER_REQUEST, PushRequest};
use spendlens_model::{Day, Source, UsageLine};
use subtle::{Choice, ConstantTimeEq};

use crate::ServerError;

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

/// Who a presented token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder<'a> {
    /// A person (lower-case email): pushes their own lines; their telemetry is theirs.
    Person(&'a str),
    /// A team-wide collector (its name): sends telemetry naming whose it is; cannot push.
    Collector(&'a str),
}

/// The tokens `spendlens serve` accepts: one per person, and team-wide collector tokens.
#[derive(Clone, Default)]
pub struct ServeTokens {
    people: Vec<(String, Token)>,
    collectors: Vec<(String, Token)>,
}

impl fmt::Debug for ServeTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.people.iter().chain(&self.collectors).map(|(name, _)| (name, "<redacted>"))).finish()
    }
}

/// Shorter tokens are refused: a token stands for a person or a team's collector.
pub const MINIMUM_TOKEN_LENGTH: usize = 16;

impl ServeTokens {
    /// From email → token pairs. Emails compare case-insensitively; a blank email, a token
    /// shorter than [`MINIMUM_TOKEN_LENGTH`] or one token shared by two holders is an error
    /// naming the email (never the token).
    pub fn new(pairs: impl IntoIterator<Item = (String, Token)>) -> Result<ServeTokens, ServerError> {
        let mut tokens = ServeTokens::default();
        for (email, token) in pairs {
            let email = email.trim().to_ascii_lowercase();
            tokens.check(&email, &token)?;
            tokens.people.push((email, token));
        }
        Ok(tokens)
    }

    /// Adds team-wide collector tokens (name → token), checked as [`ServeTokens::new`] checks.
    pub fn with_collectors(mut self, pairs: impl IntoIterator<Item = (String, Token)>) -> Result<ServeTokens, ServerError> {
        for (name, token) in pairs {
            let name = name.trim().to_string();
            self.check(&name, &token)?;
            self.collectors.push((name, token));
        }
        Ok(self)
    }

    fn check(&self, name: &str, token: &Token) -> Result<(), ServerError> {
        if name.is_empty() {
            return Err(ServerError::Tokens { detail: "a token is listed under an empty name".into() });
        }
        if token.0.chars().count() < MINIMUM_TOKEN_LENGTH {
            return Err(ServerError::Tokens { detail: format!("the token of {name} is shorter than {MINIMUM_TOKEN_LENGTH} characters") });
        }
        if let Some((other, _)) =
            self.people.iter().chain(&self.collectors).find(|(_, known)| equal(known.0.as_bytes(), token.0.as_bytes()))
        {
            return Err(ServerError::Tokens { detail: format!("{other} and {name} share a token") });
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.people.is_empty() && self.collectors.is_empty()
    }

    /// How many people hold a token.
    pub fn len(&self) -> usize {
        self.people.len()
    }

    /// How many collector tokens there are.
    pub fn collectors(&self) -> usize {
        self.collectors.len()
    }

    /// Who holds `presented`, comparing against every token in constant time.
    pub fn holder(&self, presented: &str) -> Option<Holder<'_>> {
        let mut found = None;
        for (email, token) in &self.people {
            if equal(token.0.as_bytes(), presented.as_bytes()) {
                found = Some(Holder::Person(email.as_str()));
            }
        }
        for (name, token) in &self.collectors {
            if equal(token.0.as_bytes(), presented.as_bytes()) {
                found = Some(Holder::Collector(name.as_str()));
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

/// Checks a push against its token's holder: only a person pushes, and only their own lines.
pub fn authorise(holder: Holder<'_>, request: &PushRequest) -> Result<String, ServerError> {
    let Holder::Person(holder) = holder else {
        return Err(ServerError::Forbidden { allowed: "telemetry only (a collector token)".into(), attempted: "a push".into() });
    };
    let email = request.email.trim().to_ascii_lowercase();
    if email != holder {
        return Err(ServerError::Forbidden { allowed: format!("{holder}'s lines"), attempted: format!("{email}'s") });
    }
    for line in &request.lines {
        if let Some(actor) = &line.identity.actor_email
            && actor.trim().to_ascii_lowercase() != holder
        {
            return Err(ServerError::Forbidden { allowed: format!("{holder}'s lines"), attempted: format!("{actor}'s") });
        }
    }
    Ok(holder.to_string())
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
        let tokens = ServeTokens::new([("A@x.io".to_string(), Token::new("s3cret-s3cret-s3cret"))])
            .unwrap()
            .with_collectors([("otel-collector".to_string(), Token::new("c0llector-c0llector"))])
            .unwrap();
        assert!(!format!("{tokens:?}").contains("s3cret") && !format!("{tokens:?}").contains("c0llector-"));
        assert_eq!(tokens.holder("s3cret-s3cret-s3cret"), Some(Holder::Person("a@x.io")));
        assert_eq!(tokens.holder("c0llector-c0llector"), Some(Holder::Collector("otel-collector")));
        assert_eq!(tokens.holder("s3cret-s3cret-s3cre"), None);
        assert!(ServeTokens::new([("b@x.io".to_string(), Token::new("short"))]).is_err());
        let shared = ServeTokens::new([("b@x.io".to_string(), Token::new("s3cret-s3cret-s3cret"))])
            .unwrap()
            .with_collectors([("collector".to_string(), Token::new("s3cret-s3cret-s3cret"))]);
        assert!(shared.unwrap_err().to_string().contains("b@x.io and collector share a token"));
    }
}
