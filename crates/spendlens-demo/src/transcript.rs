//! Local Claude Code transcripts: `projects/<encoded-cwd>/<session>.jsonl` plus subagent files
//! under `<session>/subagents/agent-<id>.jsonl`, in the JSONL shape Claude Code writes — user and
//! assistant lines chained by `parentUuid`, each response streamed as two or three lines sharing
//! `message.id` and `requestId` (partial `output_tokens` first, the final count last), summary lines,
//! and one `<synthetic>` API-error message. Content is short and made up; usage is the real thing.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use spendlens_model::TokenCounts;

use crate::claude_code::{TranscriptRequest, TranscriptSession};
use crate::json::Json;
use crate::random::Random;
use crate::render::write;
use crate::{DemoError, DemoOrg};

const PROMPTS: [&str; 6] = [
    "Can you add a retry with backoff to the webhook handler?",
    "Why does this test fail only on CI?",
    "Please rename the config field and update callers.",
    "Add a unit test for the empty-input case.",
    "Summarise what this module does.",
    "Make the error message name the file.",
];

const TOOLS: [(&str, &str, &str); 4] = [
    ("Read", "file_path", "src/lib.rs"),
    ("Grep", "pattern", "fn handle"),
    ("Edit", "file_path", "src/handler.rs"),
    ("Bash", "command", "cargo test"),
];

/// `/Users/ana.lopez/code/x` becomes `-Users-ana-lopez-code-x`.
pub fn encode_cwd(cwd: &str) -> String {
    cwd.chars().map(|character| if character.is_ascii_alphanumeric() { character } else { '-' }).collect()
}

fn millis(moment: DateTime<Utc>) -> String {
    moment.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn usage(tokens: &TokenCounts, output: u64) -> Json {
    Json::object(vec![
        ("input_tokens", tokens.input.into()),
        ("cache_creation_input_tokens", (tokens.cache_write_5m + tokens.cache_write_1h).into()),
        ("cache_read_input_tokens", tokens.cache_read.into()),
        (
            "cache_creation",
            Json::object(vec![
                ("ephemeral_5m_input_tokens", tokens.cache_write_5m.into()),
                ("ephemeral_1h_input_tokens", tokens.cache_write_1h.into()),
            ]),
        ),
        ("output_tokens", output.into()),
        ("service_tier", "standard".into()),
    ])
}

/// One JSONL file being written: its lines and the chain of `parentUuid`s.
struct FileLines<'a> {
    session: &'a TranscriptSession,
    agent_id: Option<String>,
    lines: Vec<String>,
    parent: Option<String>,
    last_tool_use: Option<String>,
    turn_open: bool,
}

impl<'a> FileLines<'a> {
    fn new(session: &'a TranscriptSession, agent_id: Option<String>) -> Self {
        FileLines { session, agent_id, lines: Vec::new(), parent: None, last_tool_use: None, turn_open: false }
    }

    fn common(&self) -> Vec<(&'static str, Json)> {
        let mut fields = vec![
            ("parentUuid", Json::optional_text(self.parent.as_deref())),
            ("isSidechain", Json::Bool(self.agent_id.is_some())),
            ("userType", "external".into()),
            ("cwd", self.session.cwd.as_str().into()),
            ("sessionId", self.session.session_id.as_str().into()),
            ("version", self.session.version.as_str().into()),
            ("gitBranch", self.session.git_branch.as_str().into()),
        ];
        if let Some(agent_id) = &self.agent_id {
            fields.push(("agentId", agent_id.as_str().into()));
        }
        fields
    }

    fn push(&mut self, mut fields: Vec<(&'static str, Json)>, uuid: String, at: DateTime<Utc>) {
        fields.push(("uuid", uuid.as_str().into()));
        fields.push(("timestamp", millis(at).into()));
        self.lines.push(Json::object(fields).render());
        self.parent = Some(uuid);
    }

    fn user(&mut self, random: &mut Random, content: Json, at: DateTime<Utc>) {
        let uuid = random.uuid();
        let mut fields = self.common();
        fields.push(("type", "user".into()));
        fields.push(("message", Json::object(vec![("role", "user".into()), ("content", content)])));
        self.push(fields, uuid, at);
    }

    /// The user's side before a request: a prompt when a turn starts, else the last tool's result.
    fn before_request(&mut self, random: &mut Random, at: DateTime<Utc>) {
        match (self.turn_open, self.last_tool_use.take()) {
            (true, Some(tool_use_id)) => {
                let result = Json::Array(vec![Json::object(vec![
                    ("tool_use_id", tool_use_id.into()),
                    ("type", "tool_result".into()),
                    ("content", "ok".into()),
                ])]);
                self.user(random, result, at);
            }
            _ => {
                let prompt = if self.agent_id.is_some() {
                    "Find where the retry policy is configured and report back."
                } else {
                    random.pick(&PROMPTS).copied().unwrap_or("Continue.")
                };
                self.user(random, Json::text(prompt), at);
                self.turn_open = true;
            }
        }
    }

    fn assistant(&mut self, random: &mut Random, request: &TranscriptRequest) {
        let lines = u64::from(request.stream_lines.max(1));
        for line in 0..lines {
            let last = line + 1 == lines;
            let at = request.timestamp - Duration::milliseconds(((lines - 1 - line) * 400) as i64);
            let output = if last { request.tokens.output } else { (request.tokens.output * (line + 1) / (lines + 2)).max(1) };
            let block = if !last {
                if line == 0 && lines == 3 {
                    Json::object(vec![("type", "thinking".into()), ("thinking", "Let me look at the code first.".into())])
                } else {
                    Json::object(vec![("type", "text".into()), ("text", "I'll check that.".into())])
                }
            } else if request.ends_turn {
                Json::object(vec![("type", "text".into()), ("text", "Done: the change is in place and tests pass.".into())])
            } else {
                let (name, field, value) = random.pick(&TOOLS).copied().unwrap_or(TOOLS[0]);
                let id = format!("toolu_01{}", random.base62(22));
                self.last_tool_use = Some(id.clone());
                Json::object(vec![
                    ("type", "tool_use".into()),
                    ("id", id.into()),
                    ("name", name.into()),
                    ("input", Json::object(vec![(field, value.into())])),
                ])
            };
            let stop_reason = match (last, request.ends_turn) {
                (false, _) => Json::Null,
                (true, true) => "end_turn".into(),
                (true, false) => "tool_use".into(),
            };
            let uuid = random.uuid();
            let mut fields = self.common();
            fields.push((
                "message",
                Json::object(vec![
                    ("id", request.message_id.as_str().into()),
                    ("type", "message".into()),
                    ("role", "assistant".into()),
                    ("model", request.model.into()),
                    ("content", Json::Array(vec![block])),
                    ("stop_reason", stop_reason),
                    ("stop_sequence", Json::Null),
                    ("usage", usage(&request.tokens, output)),
                ]),
            ));
            fields.push(("requestId", request.request_id.as_str().into()));
            fields.push(("type", "assistant".into()));
            self.push(fields, uuid, at);
        }
        if request.ends_turn {
            self.turn_open = false;
        }
    }

    /// A locally generated error reply: model `<synthetic>`, zero usage, never billed.
    fn synthetic_error(&mut self, random: &mut Random, at: DateTime<Utc>) {
        let uuid = random.uuid();
        let mut fields = self.common();
        fields.push((
            "message",
            Json::object(vec![
                ("id", format!("msg_01{}", random.base62(22)).into()),
                ("type", "message".into()),
                ("role", "assistant".into()),
                ("model", "<synthetic>".into()),
                (
                    "content",
                    Json::Array(vec![Json::object(vec![
                        ("type", "text".into()),
                        ("text", "API Error: 529 {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"}}".into()),
                    ])]),
                ),
                ("stop_reason", "stop_sequence".into()),
                ("stop_sequence", "".into()),
                ("usage", usage(&TokenCounts::default(), 0)),
            ]),
        ));
        fields.push(("type", "assistant".into()));
        fields.push(("isApiErrorMessage", Json::Bool(true)));
        self.push(fields, uuid, at);
    }

    fn contents(&self) -> String {
        let mut text = String::new();
        for line in &self.lines {
            text.push_str(line);
            text.push('\n');
        }
        text
    }
}

/// The files of one session, relative to the engineer's `projects/` folder.
fn session_files(seed: u64, session: &TranscriptSession) -> Vec<(PathBuf, String)> {
    let mut random = Random::derive(seed, &session.session_id, 0);
    let mut main = FileLines::new(session, None);
    let mut agents: BTreeMap<String, FileLines> = BTreeMap::new();
    for (index, request) in session.requests.iter().enumerate() {
        let before = request.timestamp - Duration::milliseconds(1_800);
        let file = match &request.agent_id {
            Some(agent_id) => agents.entry(agent_id.clone()).or_insert_with(|| FileLines::new(session, Some(agent_id.clone()))),
            None => &mut main,
        };
        file.before_request(&mut random, before);
        if session.synthetic_error_before == Some(index) && request.agent_id.is_none() {
            main.synthetic_error(&mut random, before + Duration::milliseconds(300));
        }
        let file = match &request.agent_id {
            Some(agent_id) => agents.entry(agent_id.clone()).or_insert_with(|| FileLines::new(session, Some(agent_id.clone()))),
            None => &mut main,
        };
        file.assistant(&mut random, request);
    }
    if let (Some(title), Some(leaf)) = (&session.title, main.parent.clone()) {
        let summary = Json::object(vec![("type", "summary".into()), ("summary", title.as_str().into()), ("leafUuid", leaf.into())]);
        main.lines.insert(0, summary.render());
    }
    let project = PathBuf::from(encode_cwd(&session.cwd));
    let mut files = vec![(project.join(format!("{}.jsonl", session.session_id)), main.contents())];
    for (agent_id, file) in &agents {
        let path = project.join(&session.session_id).join("subagents").join(format!("agent-{agent_id}.jsonl"));
        files.push((path, file.contents()));
    }
    files
}

/// Writes every transcript engineer's folder under `dir`; returns `(email, folder)` pairs.
pub fn write_all(org: &DemoOrg, dir: &Path) -> Result<Vec<(String, PathBuf)>, DemoError> {
    let mut folders = Vec::new();
    for engineer in org.engineers.iter().filter(|engineer| engineer.transcripts) {
        let folder = dir.join(&engineer.email);
        let projects = folder.join("projects");
        fs::create_dir_all(&projects).map_err(|source| DemoError::Write { path: projects.clone(), source })?;
        for session in org.sessions.iter().filter(|session| session.email == engineer.email) {
            for (path, contents) in session_files(org.config.seed, session) {
                write(&projects.join(path), &contents)?;
            }
        }
        folders.push((engineer.email.clone(), folder));
    }
    Ok(folders)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_directories_encode_like_claude_code() {
        assert_eq!(encode_cwd("/home/ana/my.app"), "-home-ana-my-app");
        assert_eq!(encode_cwd("/Users/ana.lopez/code/payments-api"), "-Users-ana-lopez-code-payments-api");
    }
}
