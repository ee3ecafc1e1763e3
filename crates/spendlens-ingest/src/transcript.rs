//! Claude Code's local JSONL transcripts (`~/.claude/projects/<encoded-cwd>/<session>.jsonl`,
//! subagent files under `<session>/subagents/`).
//!
//! One API response is written as several lines sharing `message.id` (one per content block), with
//! partial `output_tokens` on early lines; subagent and resumed-session files can replay a parent's
//! message under a new `requestId`. So responses are de-duplicated across every file read, keyed by
//! `message.id` (falling back to `requestId`), keeping the most complete copy (largest token
//! total, then the main-chain copy). Lines without usage are skipped unread beyond a byte scan.
//! Prompts and code are never kept: only ids, timestamps, model, tokens and the working directory.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::IgnoredAny;
use spendlens_model::{Path, ServiceTier, Source, Speed, TokenCounts, UsageLine};

#[derive(Debug, Deserialize)]
struct Line<'a> {
    #[serde(rename = "type", default)]
    kind: Option<&'a str>,
    #[serde(default)]
    timestamp: Option<&'a str>,
    #[serde(rename = "sessionId", default)]
    session_id: Option<&'a str>,
    #[serde(rename = "requestId", default)]
    request_id: Option<&'a str>,
    #[serde(rename = "isSidechain", default)]
    is_sidechain: bool,
    #[serde(default)]
    cwd: Option<String>,
    #[serde(default)]
    message: Option<Message<'a>>,
}

#[derive(Debug, Deserialize)]
struct Message<'a> {
    #[serde(default)]
    id: Option<&'a str>,
    #[serde(default)]
    model: Option<&'a str>,
    #[serde(default)]
    usage: Option<Usage<'a>>,
    #[serde(default)]
    #[allow(dead_code)]
    content: IgnoredAny,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CacheCreation {
    ephemeral_5m_input_tokens: u64,
    ephemeral_1h_input_tokens: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ServerToolUse {
    web_search_requests: u64,
}

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

/// Collects responses from any number of transcript files, de-duplicating across all of them.
#[derive(Debug)]
pub struct TranscriptReader {
    actor_email: String,
    responses: HashMap<String, (bool, UsageLine)>,
    problems: Vec<Problem>,
    incomplete_tails: usize,
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

impl TranscriptReader {
    /// Lines are attributed to `actor_email` (the configured email or the OS user).
    pub fn new(actor_email: impl Into<String>) -> Self {
        TranscriptReader { actor_email: actor_email.into(), responses: HashMap::new(), problems: Vec::new(), incomplete_tails: 0 }
    }

    /// Reads one file's bytes.
    pub fn read(&mut self, file: &str, bytes: &[u8]) {
        let ends_cleanly = bytes.last().is_none_or(|byte| *byte == b'\n');
        let segments: Vec<&[u8]> = bytes.split(|byte| *byte == b'\n').collect();
        let last_index = segments.len().saturating_sub(1);
        for (index, raw) in segments.into_iter().enumerate() {
            let is_last = index == last_index;
            if raw.iter().all(u8::is_ascii_whitespace) || !contains(raw, b"\"usage\"") {
                continue;
            }
            match serde_json::from_slice::<Line>(raw) {
                Ok(line) => {
                    if let Err(detail) = self.take(line) {
                        self.problems.push(Problem { file: file.to_string(), line: index + 1, detail });
                    }
                }
                Err(_) if is_last && !ends_cleanly => self.incomplete_tails += 1,
                Err(error) => self.problems.push(Problem { file: file.to_string(), line: index + 1, detail: format!("not JSON: {error}") }),
            }
        }
    }

    fn take(&mut self, line: Line<'_>) -> Result<(), String> {
        if line.kind != Some("assistant") {
            return Ok(());
        }
        let Some(message) = line.message else { return Ok(()) };
        let Some(usage) = message.usage else { return Ok(()) };
        let model = message.model.unwrap_or_default();
        if model.is_empty() || model == "<synthetic>" {
            return Ok(());
        }
        let key = match (message.id, line.request_id) {
            (Some(id), _) => id.to_string(),
            (None, Some(request)) => request.to_string(),
            (None, None) => return Err("an assistant line with usage but neither message.id nor requestId".into()),
        };
        let timestamp = line.timestamp.ok_or("an assistant line without a timestamp")?;
        let time: DateTime<Utc> =
            DateTime::parse_from_rfc3339(timestamp).map_err(|_| format!("timestamp {timestamp:?} is not RFC 3339"))?.with_timezone(&Utc);
        let (write_5m, write_1h) = match usage.cache_creation {
            Some(split) if split.ephemeral_5m_input_tokens + split.ephemeral_1h_input_tokens > 0 => {
                (split.ephemeral_5m_input_tokens, split.ephemeral_1h_input_tokens)
            }
            _ => (usage.cache_creation_input_tokens, 0),
        };
        let mut usage_line = UsageLine::new(time, time, Source::Transcript, model);
        usage_line.path = Path::ClaudeCode;
        usage_line.identity.actor_email = Some(self.actor_email.clone());
        usage_line.identity.session_id = line.session_id.map(str::to_string);
        usage_line.identity.request_id = line.request_id.map(str::to_string);
        usage_line.identity.project = line.cwd;
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
        let main_chain = !line.is_sidechain;
        let better = |kept: &(bool, UsageLine)| (usage_line.tokens.total(), main_chain) > (kept.1.tokens.total(), kept.0);
        match self.responses.get(&key) {
            Some(kept) if !better(kept) => {}
            _ => {
                self.responses.insert(key, (main_chain, usage_line));
            }
        }
        Ok(())
    }

    pub fn finish(self) -> TranscriptBatch {
        let mut lines: Vec<UsageLine> = self.responses.into_values().map(|(_, line)| line).collect();
        lines.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.identity.request_id.cmp(&b.identity.request_id)));
        TranscriptBatch { lines, problems: self.problems, incomplete_tails: self.incomplete_tails }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
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
