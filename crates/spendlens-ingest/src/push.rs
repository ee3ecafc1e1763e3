//! The body of a team push (`POST /v1/push`): a person's transcript-derived usage lines, as
//! `spendlens push` sends them. Read like every other source: an error names the field, and a
//! body that would store nonsense (a line of another source, a date outside 2000-2100, a count
//! past 10^15, more lines than one request carries) is refused whole.

use serde::{Deserialize, Serialize};
use spendlens_model::{Source, UsageLine};

use crate::IngestError;
use crate::wire::{EARLIEST, LATEST, MOST_COUNT};

/// Lines per request: `spendlens push` sends at most this many, whole days each.
pub const LINES_PER_REQUEST: usize = 5_000;

/// Lines a server takes in one request (a client may send a day whole past the usual size).
pub const MOST_LINES: usize = 4 * LINES_PER_REQUEST;

/// The body of `POST /v1/push`. Usage lines carry no prompt or response content.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushRequest {
    /// Whose lines these are; must be the token's person.
    pub email: String,
    pub lines: Vec<UsageLine>,
}

/// Reads a push body (`file` names it in errors).
pub fn read_request(file: &str, bytes: &[u8]) -> Result<PushRequest, IngestError> {
    let request: PushRequest = serde_json::from_slice(bytes).map_err(|error| IngestError::json(file, &error))?;
    if request.email.trim().is_empty() {
        return Err(IngestError::at_path(file, "email", "is empty"));
    }
    if request.lines.len() > MOST_LINES {
        return Err(IngestError::at_path(
            file,
            "lines",
            format!("{} lines, more than the {MOST_LINES} one request may carry", request.lines.len()),
        ));
    }
    for (index, line) in request.lines.iter().enumerate() {
        let at = |field: &str| format!("lines[{index}].{field}");
        if line.source != Source::Transcript {
            return Err(IngestError::at_path(file, at("source"), format!("{} (only transcript lines are pushed)", line.source)));
        }
        for (field, moment) in [("start", line.start), ("end", line.end)] {
            let day = moment.date_naive();
            if day < EARLIEST || day >= LATEST {
                return Err(IngestError::at_path(file, at(field), format!("{moment} is outside 2000-2100")));
            }
        }
        if line.end < line.start {
            return Err(IngestError::at_path(file, at("end"), "is before start"));
        }
        if line.model.trim().is_empty() {
            return Err(IngestError::at_path(file, at("model"), "is empty"));
        }
        let tokens = &line.quantities.tokens;
        for (field, value) in [
            ("tokens.input", tokens.input),
            ("tokens.cache_write_5m", tokens.cache_write_5m),
            ("tokens.cache_write_1h", tokens.cache_write_1h),
            ("tokens.cache_read", tokens.cache_read),
            ("tokens.output", tokens.output),
            ("web_search_requests", line.quantities.web_search_requests),
            ("code_execution_seconds", line.quantities.code_execution_seconds),
            ("requests", line.quantities.requests.unwrap_or(0)),
        ] {
            if value > MOST_COUNT {
                return Err(IngestError::at_path(file, at(field), format!("{value} is past {MOST_COUNT}")));
            }
        }
        // A reported cost past 10^15 cents is no bill: refused, as a count past 10^15 is.
        let most_usd = spendlens_model::Money::from_cents_decimal(rust_decimal::Decimal::from(MOST_COUNT));
        if let Some(cost) = line.reported_cost
            && cost.abs() > most_usd
        {
            return Err(IngestError::at_path(file, at("reported_cost"), format!("{cost} is past {most_usd}")));
        }
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(line: &str) -> String {
        format!(r#"{{"email":"ana@acme.example","lines":[{line}]}}"#)
    }

    fn line(source: &str, start: &str, input: u64) -> String {
        let mut usage = UsageLine::new(start.parse().unwrap(), start.parse().unwrap(), Source::Transcript, "claude-sonnet-4-5");
        usage.quantities.tokens.input = input;
        serde_json::to_string(&usage).unwrap().replace(r#""source":"transcript""#, &format!(r#""source":"{source}""#))
    }

    #[test]
    fn a_push_is_read_and_nonsense_is_refused_naming_the_field() {
        let good = read_request("push", body(&line("transcript", "2026-10-01T10:00:00Z", 5)).as_bytes()).unwrap();
        assert_eq!(good.lines.len(), 1);
        let rows = [
            (
                body(&line("admin_cost", "2026-10-01T10:00:00Z", 5)),
                "push: field lines[0].source: admin_cost (only transcript lines are pushed)",
            ),
            (
                body(&line("transcript", "1970-01-01T00:00:00Z", 5)),
                "push: field lines[0].start: 1970-01-01 00:00:00 UTC is outside 2000-2100",
            ),
            (
                body(&line("transcript", "2026-10-01T10:00:00Z", 2_000_000_000_000_000)),
                "push: field lines[0].tokens.input: 2000000000000000 is past 1000000000000000",
            ),
            (
                body(&line("transcript", "2026-10-01T10:00:00Z", 5))
                    .replace(r#""web_search_requests":0"#, r#""web_search_requests":44444444444444440"#),
                "push: field lines[0].web_search_requests: 44444444444444440 is past 1000000000000000",
            ),
            (r#"{"email":" ","lines":[]}"#.to_string(), "push: field email: is empty"),
        ];
        for (text, expected) in rows {
            assert_eq!(read_request("push", text.as_bytes()).unwrap_err().to_string(), expected);
        }
        assert!(read_request("push", b"{\"email\":1}").unwrap_err().to_string().starts_with("push: line 1, column"));
    }
}
