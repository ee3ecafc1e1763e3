//! The filters every page and API answer reads from its address: the period (`month`, or `since`
//! and `until`, as the CLI's flags), `path`, `team`, `feature`, the ledger's `driver` and `key`,
//! the trend's `grain`, and the forecast's and commitment's terms as `spendlens forecast` and
//! `spendlens commit` take them (`start`, `horizon`, `term`, `discount`, `overage_rate`,
//! `baseline`). An address is a view: sharing it shares what it shows.

use rust_decimal::Decimal;
use serde::Deserialize;
use spendlens_app::forecast::{Baseline, CommitOptions, Discount, ForecastOptions};
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
    /// The first forecast or commitment month (`--start`).
    pub start: Option<String>,
    /// Months forecast (`spendlens forecast --horizon`).
    pub horizon: Option<String>,
    /// Months committed (`spendlens commit --term`).
    pub term: Option<String>,
    /// Percent off list (`spendlens commit --discount`).
    pub discount: Option<String>,
    /// Overage as a multiple of list (`spendlens commit --overage-rate`).
    #[serde(alias = "overage-rate")]
    pub overage_rate: Option<String>,
    /// `current` or `optimised` (`--baseline`).
    pub baseline: Option<String>,
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
    pub terms: Terms,
}

/// What `spendlens forecast` and `spendlens commit` are asked (each `None` is the command's
/// default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Terms {
    pub start: Option<String>,
    pub horizon: Option<u32>,
    pub term: Option<u32>,
    pub discount: Option<Decimal>,
    pub overage_rate: Option<Decimal>,
    pub baseline: Option<Baseline>,
}

/// `spendlens commit --term`'s default.
pub const DEFAULT_TERM: u32 = 12;

impl Terms {
    /// `spendlens forecast --start S --horizon H --baseline B`.
    pub fn forecast(&self) -> ForecastOptions {
        let default = ForecastOptions::default();
        ForecastOptions {
            start: self.start.clone(),
            horizon: self.horizon.unwrap_or(default.horizon),
            headcount: None,
            baseline: self.baseline.unwrap_or(default.baseline),
        }
    }

    /// `spendlens commit --discount PCT --term N --overage-rate R --start S --baseline B` (its
    /// defaults: 12 months, overage at list, the optimised baseline); `None` without a discount,
    /// which the command requires.
    pub fn commit(&self) -> Option<CommitOptions> {
        Some(CommitOptions {
            start: self.start.clone(),
            term: self.term.unwrap_or(DEFAULT_TERM),
            discount: Discount::Flat(self.discount?),
            overage_rate: self.overage_rate.unwrap_or(Decimal::ONE),
            baseline: self.baseline.unwrap_or(Baseline::Optimised),
            headcount: None,
        })
    }
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
        let months = |name: &str, value: &Option<String>| -> Result<Option<u32>, ServerError> {
            present(value)
                .map(|text| {
                    text.parse::<u32>().ok().filter(|months| (1..=60).contains(months)).ok_or_else(|| bad(name, &text, "1 to 60 months"))
                })
                .transpose()
        };
        let decimal = |name: &str, value: &Option<String>, expected: &str| -> Result<Option<Decimal>, ServerError> {
            present(value).map(|text| text.parse::<Decimal>().map_err(|_| bad(name, &text, expected))).transpose()
        };
        let start = present(&raw.start);
        if let Some(start) = &start
            && Period::parse_month(start).is_none()
        {
            return Err(bad("start", start, "a calendar month, YYYY-MM"));
        }
        let baseline = match present(&raw.baseline).as_deref() {
            None => None,
            Some("current") => Some(Baseline::Current),
            Some("optimised" | "optimized") => Some(Baseline::Optimised),
            Some(other) => return Err(bad("baseline", other, "current or optimised")),
        };
        let terms = Terms {
            start,
            horizon: months("horizon", &raw.horizon)?,
            term: months("term", &raw.term)?,
            discount: decimal("discount", &raw.discount, "a percentage off list, e.g. 15")?,
            overage_rate: decimal("overage_rate", &raw.overage_rate, "a multiple of list, e.g. 1.25")?,
            baseline,
        };
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
            terms,
        })
    }

    /// The period asked for, as the CLI's `--month`, `--since` and `--until` name it.
    pub fn period_choice(&self) -> PeriodChoice {
        PeriodChoice::of(self.month.as_deref(), self.since, self.until)
    }

    /// These filters as a query string (fields in a fixed order; `None` and defaults left out),
    /// with `changes` applied: each `(name, Some(value))` sets a parameter, `(name, None)` drops it.
    pub fn query(&self, changes: &[(&str, Option<&str>)]) -> String {
        self.pairs(changes).into_iter().map(|(name, value)| format!("{name}={}", encode(&value))).collect::<Vec<_>>().join("&")
    }

    /// The parameters [`Filters::query`] writes, as (name, value) pairs.
    pub fn pairs<'a>(&self, changes: &[(&'a str, Option<&str>)]) -> Vec<(&'a str, String)> {
        let since = self.since.map(|day| day.to_string());
        let until = self.until.map(|day| day.to_string());
        let grain = (self.grain != Grain::Day).then(|| self.grain.as_str().to_string());
        let terms = &self.terms;
        let mut fields: Vec<(&'a str, Option<String>)> = vec![
            ("month", self.month.clone()),
            ("since", since),
            ("until", until),
            ("path", self.path.map(|path| path.as_str().to_string())),
            ("team", self.team.clone()),
            ("feature", self.feature.clone()),
            ("driver", self.driver.clone()),
            ("key", self.key.clone()),
            ("grain", grain),
            ("start", terms.start.clone()),
            ("horizon", terms.horizon.map(|months| months.to_string())),
            ("term", terms.term.map(|months| months.to_string())),
            ("discount", terms.discount.map(|discount| discount.to_string())),
            ("overage_rate", terms.overage_rate.map(|rate| rate.to_string())),
            ("baseline", terms.baseline.map(|baseline| baseline.as_str().to_string())),
        ];
        for (name, value) in changes {
            match fields.iter_mut().find(|(field, _)| field == name) {
                Some(field) => field.1 = value.map(str::to_string),
                None => fields.push((name, value.map(str::to_string))),
            }
        }
        fields.into_iter().filter_map(|(name, value)| value.map(|value| (name, value))).collect()
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
        let rows: [(&[(&str, &str)], &str); 11] = [
            (&[("discount", "15%")], "discount=\"15%\": expected a percentage"),
            (&[("term", "0")], "term=\"0\": expected 1 to 60 months"),
            (&[("horizon", "61")], "horizon=\"61\""),
            (&[("start", "2026-11-01")], "start=\"2026-11-01\": expected a calendar month"),
            (&[("baseline", "cheapest")], "baseline=\"cheapest\": expected current or optimised"),
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

    #[test]
    fn commitment_terms_are_the_cli_flags_with_its_defaults() {
        let none = Filters::from_raw(&raw(&[("term", "6")])).unwrap();
        assert_eq!(none.terms.commit(), None, "spendlens commit needs a discount");
        assert_eq!(none.terms.forecast(), ForecastOptions::default());
        let filters =
            Filters::from_raw(&raw(&[("discount", "15.0"), ("overage-rate", "1.25"), ("baseline", "optimized"), ("start", "2026-12")]))
                .unwrap();
        let commit = filters.terms.commit().unwrap();
        assert_eq!(commit.term, 12);
        assert_eq!(commit.discount, Discount::Flat(Decimal::new(150, 1)));
        assert_eq!(
            (commit.overage_rate, commit.baseline, commit.start.as_deref()),
            (Decimal::new(125, 2), Baseline::Optimised, Some("2026-12"))
        );
        let forecast = filters.terms.forecast();
        assert_eq!((forecast.horizon, forecast.baseline, forecast.start.as_deref()), (3, Baseline::Optimised, Some("2026-12")));
        // The address keeps the terms as given (15.0 stays 15.0: the CLI would read the same).
        let query = filters.query(&[]);
        assert_eq!(query, "start=2026-12&discount=15.0&overage_rate=1.25&baseline=optimised");
        assert_eq!(Filters::from_raw(&serde_urlencoded_like(&query)).unwrap(), filters);
        let defaults = Filters::from_raw(&raw(&[("discount", "20")])).unwrap().terms.commit().unwrap();
        assert_eq!((defaults.overage_rate, defaults.baseline, defaults.start), (Decimal::ONE, Baseline::Optimised, None));
    }
}
