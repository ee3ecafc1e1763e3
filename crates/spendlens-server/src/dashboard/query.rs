//! The filters every page and API answer reads from its address: the period (`month`, or `since`
//! and `until`, as the CLI's flags), `path`, `team`, `feature`, the ledger's `driver` and `key`,
//! and the trend's `grain`. An address is a view: sharing it shares what it shows.

use serde::Deserialize;
use spendlens_app::ledger::PeriodChoice;
use spendlens_model::{Day, Path, Period};

use crate::ServerError;

/// The query string as it arrives (every field text; an empty one counts as absent, as a form
/// sends its empty fields).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawQuery {
    pub month: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub path: Option<String>,
    pub team: Option<String>,
    pub feature: Option<String>,
    pub driver: Option<String>,
    pub key: Option<String>,
    pub grain: Option<String>,
    pub token: Option<String>,
}

/// How the trend is bucketed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grain {
    #[default]
    Day,
    Week,
    Month,
}

impl Grain {
    pub fn as_str(self) -> &'static str {
        match self {
            Grain::Day => "day",
            Grain::Week => "week",
            Grain::Month => "month",
        }
    }
}

/// The filters, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub month: Option<String>,
    pub since: Option<Day>,
    pub until: Option<Day>,
    pub path: Option<Path>,
    pub team: Option<String>,
    pub feature: Option<String>,
    pub driver: Option<String>,
    pub key: Option<String>,
    pub grain: Grain,
}

fn present(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|value| !value.is_empty()).map(str::to_string)
}

fn bad(parameter: &str, value: &str, expected: &str) -> ServerError {
    ServerError::Query { detail: format!("parameter {parameter}={value:?}: expected {expected}") }
}

impl Filters {
    /// Checks `raw`: an error names the parameter, its value and what was expected.
    pub fn from_raw(raw: &RawQuery) -> Result<Filters, ServerError> {
        let day = |name: &str, value: &Option<String>| -> Result<Option<Day>, ServerError> {
            present(value).map(|text| Day::parse_from_str(&text, "%Y-%m-%d").map_err(|_| bad(name, &text, "a day, YYYY-MM-DD"))).transpose()
        };
        let month = present(&raw.month);
        if let Some(month) = &month
            && Period::parse_month(month).is_none()
        {
            return Err(bad("month", month, "a calendar month, YYYY-MM"));
        }
        let (since, until) = (day("since", &raw.since)?, day("until", &raw.until)?);
        if let (Some(since), Some(until)) = (since, until)
            && until < since
        {
            return Err(ServerError::Query { detail: format!("parameter until={until} is before since={since}") });
        }
        if month.is_none() && since.is_some() != until.is_some() {
            return Err(ServerError::Query { detail: "parameters since and until go together (both days, inclusive)".into() });
        }
        let path = present(&raw.path)
            .map(|text| text.parse::<Path>().map_err(|_| bad("path", &text, "claude_code, api or unassigned")))
            .transpose()?;
        let grain = match present(&raw.grain).as_deref() {
            None | Some("day") => Grain::Day,
            Some("week") => Grain::Week,
            Some("month") => Grain::Month,
            Some(other) => return Err(bad("grain", other, "day, week or month")),
        };
        Ok(Filters {
            month,
            since,
            until,
            path,
            team: present(&raw.team),
            feature: present(&raw.feature),
            driver: present(&raw.driver),
            key: present(&raw.key),
            grain,
        })
    }

    /// The period asked for, as the CLI's `--month`, `--since` and `--until` name it.
    pub fn period_choice(&self) -> PeriodChoice {
        PeriodChoice::of(self.month.as_deref(), self.since, self.until)
    }

    /// These filters as a query string (fields in a fixed order; `None` and defaults left out),
    /// with `changes` applied: each `(name, Some(value))` sets a parameter, `(name, None)` drops it.
    pub fn query(&self, changes: &[(&str, Option<&str>)]) -> String {
        let since = self.since.map(|day| day.to_string());
        let until = self.until.map(|day| day.to_string());
        let grain = (self.grain != Grain::Day).then(|| self.grain.as_str().to_string());
        let mut fields: Vec<(&str, Option<String>)> = vec![
            ("month", self.month.clone()),
            ("since", since),
            ("until", until),
            ("path", self.path.map(|path| path.as_str().to_string())),
            ("team", self.team.clone()),
            ("feature", self.feature.clone()),
            ("driver", self.driver.clone()),
            ("key", self.key.clone()),
            ("grain", grain),
        ];
        for (name, value) in changes {
            match fields.iter_mut().find(|(field, _)| field == name) {
                Some(field) => field.1 = value.map(str::to_string),
                None => fields.push((name, value.map(str::to_string))),
            }
        }
        fields.into_iter().filter_map(|(name, value)| value.map(|value| format!("{name}={}", encode(&value)))).collect::<Vec<_>>().join("&")
    }

    /// The question's key in the answer cache: the period and `extra`.
    pub fn key_of(period: Period, extra: &str) -> String {
        format!("{}..{}|{extra}", period.start, period.end)
    }
}

/// `text` percent-encoded for a query string.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'@' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawQuery {
        let text = pairs.iter().map(|(name, value)| format!("{name}={}", encode(value))).collect::<Vec<_>>().join("&");
        serde_urlencoded_like(&text)
    }

    /// The way axum's `Query` reads a query string (serde_urlencoded), through axum itself.
    fn serde_urlencoded_like(text: &str) -> RawQuery {
        let uri: axum::http::Uri = format!("http://x/?{text}").parse().unwrap();
        axum::extract::Query::<RawQuery>::try_from_uri(&uri).unwrap().0
    }

    #[test]
    fn filters_are_checked_and_name_the_parameter() {
        let rows: [(&[(&str, &str)], &str); 6] = [
            (&[("month", "2026-13")], "month=\"2026-13\""),
            (&[("since", "2026-10-01")], "since and until go together"),
            (&[("since", "2026-10-05"), ("until", "2026-10-01")], "until=2026-10-01 is before"),
            (&[("since", "yesterday"), ("until", "2026-10-01")], "since=\"yesterday\": expected a day"),
            (&[("path", "gateway")], "path=\"gateway\""),
            (&[("grain", "hour")], "grain=\"hour\""),
        ];
        for (pairs, expected) in rows {
            let error = Filters::from_raw(&raw(pairs)).unwrap_err().to_string();
            assert!(error.contains(expected), "{pairs:?}: {error}");
        }
    }

    #[test]
    fn empty_form_fields_are_absent_and_the_query_round_trips() {
        let filters =
            Filters::from_raw(&raw(&[("month", ""), ("since", ""), ("until", ""), ("team", "Core & Infra"), ("path", "api")])).unwrap();
        assert_eq!(filters.period_choice(), PeriodChoice::Latest);
        assert_eq!(filters.query(&[]), "path=api&team=Core%20%26%20Infra");
        let again = Filters::from_raw(&serde_urlencoded_like(&filters.query(&[("grain", Some("week")), ("path", None)]))).unwrap();
        assert_eq!(again.team.as_deref(), Some("Core & Infra"));
        assert_eq!((again.grain, again.path), (Grain::Week, None));
        let days = Filters::from_raw(&raw(&[("since", "2026-10-01"), ("until", "2026-10-07")])).unwrap();
        assert_eq!(
            days.period_choice(),
            PeriodChoice::Days { since: Day::from_ymd_opt(2026, 10, 1).unwrap(), until: Day::from_ymd_opt(2026, 10, 7).unwrap() }
        );
    }
}
