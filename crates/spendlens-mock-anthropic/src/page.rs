//! Pages: which items a request selects and which slice of them it gets, in the Admin API's two
//! paging styles. The reports, Claude Code Analytics and the Usage and Cost Analytics API page with
//! opaque `page` tokens and answer `{"data", "has_more", "next_page"}`; the listings page with an
//! `after_id` cursor and answer `{"data", "has_more", "first_id", "last_id"}`.

use serde_json::{Value, json};

use crate::data::{Buckets, Catalog};
use crate::query::{BadRequest, BucketWidth, Parameters};
use crate::server::Endpoint;
use crate::token::PageToken;

/// The body of a successful answer to `endpoint`; `looping` makes the page's cursor lead back to it.
pub(crate) fn answer(catalog: &Catalog, endpoint: Endpoint, parameters: &Parameters, looping: bool) -> Result<Value, BadRequest> {
    match endpoint {
        Endpoint::Usage => report(endpoint, &catalog.usage, parameters, looping),
        Endpoint::Cost => report(endpoint, &catalog.cost, parameters, looping),
        Endpoint::ClaudeCode => claude_code(catalog, parameters, looping),
        Endpoint::Workspaces => listing(&catalog.workspaces, parameters, looping),
        Endpoint::ApiKeys => listing(&catalog.api_keys, parameters, looping),
        Endpoint::Users => listing(&catalog.users, parameters, looping),
        Endpoint::AnalyticsUsage => analytics(endpoint, &catalog.analytics_usage, parameters, looping),
        Endpoint::AnalyticsCost => analytics(endpoint, &catalog.analytics_cost, parameters, looping),
    }
}

/// The first day the Usage and Cost Analytics API reports.
const ANALYTICS_FIRST_DAY: &str = "2026-01-01T00:00:00Z";
/// Rows per page: the default and the largest `limit` (Anthropic documents neither).
const ANALYTICS_DEFAULT_LIMIT: usize = 100;
const ANALYTICS_MAX_LIMIT: usize = 1000;

/// The Usage and Cost Analytics API: rows whose bucket starts at or after `starting_at` (snapped
/// to the width) and ends by `ending_at` (default `starting_at` plus 31 days), paged by rows. The
/// mock serves time-bucketed rows only, so `time_bucket_width` is required here.
fn analytics(endpoint: Endpoint, rows: &Buckets, parameters: &Parameters, looping: bool) -> Result<Value, BadRequest> {
    if parameters.single("bucket_width")?.is_some() {
        return Err(BadRequest("bucket_width: not a parameter of this endpoint; the bucket width is time_bucket_width".to_string()));
    }
    let text = parameters.required("time_bucket_width").map_err(|_| {
        BadRequest("time_bucket_width: the mock serves time-bucketed rows only; give 1d (or the width it serves)".to_string())
    })?;
    let width = BucketWidth::parse(text).ok_or_else(|| BadRequest(format!("time_bucket_width: {text:?} is not one of 1m, 1h, 1d")))?;
    if let Some(served) = rows.width.filter(|served| *served != width) {
        return Err(BadRequest(format!("time_bucket_width: this server has {} buckets, not {}", served.as_str(), width.as_str())));
    }
    let limit = parameters.limit(ANALYTICS_DEFAULT_LIMIT, ANALYTICS_MAX_LIMIT)?;
    let starting_at = parameters.moment("starting_at")?.ok_or_else(|| BadRequest("starting_at: is required".to_string()))?;
    if starting_at < first_day() {
        return Err(BadRequest(format!("starting_at: must not be before {ANALYTICS_FIRST_DAY}")));
    }
    let starting_at = width.snap(starting_at);
    let ending_at = parameters.moment("ending_at")?.unwrap_or(starting_at + chrono::Duration::days(31));
    if ending_at <= starting_at {
        return Err(BadRequest("ending_at: must be after starting_at".to_string()));
    }
    let selected: Vec<&Value> =
        rows.items.iter().filter(|row| row.starting_at >= starting_at && row.ending_at <= ending_at).map(|row| &row.value).collect();
    let query = format!("{}|{}|{}|{}", endpoint.path(), starting_at.to_rfc3339(), ending_at.to_rfc3339(), width.as_str());
    token_page(&selected, &query, parameters, limit, looping)
}

fn first_day() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(ANALYTICS_FIRST_DAY).map(|moment| moment.with_timezone(&chrono::Utc)).unwrap_or_default()
}

/// The usage or cost report: buckets starting at or after `starting_at` (snapped to the width) and
/// ending at or before `ending_at`, in time order.
fn report(endpoint: Endpoint, buckets: &Buckets, parameters: &Parameters, looping: bool) -> Result<Value, BadRequest> {
    let width = match parameters.single("bucket_width")? {
        None => BucketWidth::Day,
        Some(text) => BucketWidth::parse(text).ok_or_else(|| BadRequest(format!("bucket_width: {text:?} is not one of 1m, 1h, 1d")))?,
    };
    if endpoint == Endpoint::Cost && width != BucketWidth::Day {
        return Err(BadRequest("bucket_width: the cost report has daily buckets only (1d)".to_string()));
    }
    if let Some(served) = buckets.width.filter(|served| *served != width) {
        return Err(BadRequest(format!("bucket_width: this server has {} buckets, not {}", served.as_str(), width.as_str())));
    }
    let limit = parameters.limit(width.default_limit(), width.max_limit())?;
    let starting_at = parameters.moment("starting_at")?.ok_or_else(|| BadRequest("starting_at: is required".to_string()))?;
    let starting_at = width.snap(starting_at);
    let ending_at = parameters.moment("ending_at")?;
    if ending_at.is_some_and(|ending_at| ending_at <= starting_at) {
        return Err(BadRequest("ending_at: must be after starting_at".to_string()));
    }
    let selected: Vec<&Value> = buckets
        .items
        .iter()
        .filter(|bucket| bucket.starting_at >= starting_at && ending_at.is_none_or(|ending_at| bucket.ending_at <= ending_at))
        .map(|bucket| &bucket.value)
        .collect();
    let query = format!(
        "{}|{}|{}|{}",
        endpoint.path(),
        starting_at.to_rfc3339(),
        ending_at.map(|ending_at| ending_at.to_rfc3339()).unwrap_or_default(),
        width.as_str()
    );
    token_page(&selected, &query, parameters, limit, looping)
}

/// Claude Code Analytics: the records of one UTC day.
fn claude_code(catalog: &Catalog, parameters: &Parameters, looping: bool) -> Result<Value, BadRequest> {
    let limit = parameters.limit(20, 1000)?;
    let day = parameters.day("starting_at")?;
    let selected: Vec<&Value> = catalog.claude_code.iter().filter(|(date, _)| *date == day).map(|(_, record)| record).collect();
    let query = format!("{}|{day}", Endpoint::ClaudeCode.path());
    token_page(&selected, &query, parameters, limit, looping)
}

/// One page of `selected`, starting where the `page` token says (or at the start).
fn token_page(selected: &[&Value], query: &str, parameters: &Parameters, limit: usize, looping: bool) -> Result<Value, BadRequest> {
    let offset = match parameters.single("page")? {
        None => 0,
        Some(text) => {
            let token = PageToken::decode(text).ok_or_else(|| BadRequest("page: not a page token issued by this server".to_string()))?;
            if !token.belongs_to(query) {
                return Err(BadRequest("page: the token belongs to a different query".to_string()));
            }
            if token.offset > selected.len() {
                return Err(BadRequest("page: the token points past the end of the results".to_string()));
            }
            token.offset
        }
    };
    let end = offset.saturating_add(limit).min(selected.len());
    let data: Vec<Value> = selected[offset..end].iter().map(|value| (*value).clone()).collect();
    let next = if looping { Some(offset) } else { Some(end).filter(|end| *end < selected.len()) };
    let next_page = next.map(|offset| PageToken::new(query, offset).encode());
    Ok(json!({ "data": data, "has_more": next_page.is_some(), "next_page": next_page }))
}

/// A listing page: up to `limit` items after the item `after_id` names.
fn listing(items: &[(String, Value)], parameters: &Parameters, looping: bool) -> Result<Value, BadRequest> {
    let limit = parameters.limit(20, 1000)?;
    if parameters.single("before_id")?.is_some() {
        return Err(BadRequest("before_id: not supported by the mock Admin API; page forwards with after_id".to_string()));
    }
    let start = match parameters.single("after_id")? {
        None => 0,
        Some(after_id) => {
            let position = items.iter().position(|(id, _)| id == after_id);
            position.map(|position| position + 1).ok_or_else(|| BadRequest(format!("after_id: no item has id {after_id:?}")))?
        }
    };
    let start = if looping { 0 } else { start };
    let end = start.saturating_add(limit).min(items.len());
    let page = &items[start..end];
    Ok(json!({
        "data": page.iter().map(|(_, item)| item.clone()).collect::<Vec<_>>(),
        "has_more": looping || end < items.len(),
        "first_id": page.first().map(|(id, _)| id),
        "last_id": page.last().map(|(id, _)| id),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::MockData;

    fn parameters(query: &str) -> Parameters {
        Parameters::from_uri(&format!("/x?{query}").parse().unwrap()).unwrap()
    }

    fn catalog() -> Catalog {
        let days = (1..=9).map(|day| {
            json!({"starting_at": format!("2026-08-0{day}T00:00:00Z"), "ending_at": format!("2026-08-{:02}T00:00:00Z", day + 1), "results": []})
        });
        let users = (0..5).map(|index| json!({"id": format!("user_{index}")}));
        Catalog::new(MockData::default().with_cost_buckets(days).with_users(users)).unwrap()
    }

    fn starts(page: &Value) -> Vec<&str> {
        page["data"].as_array().unwrap().iter().map(|bucket| bucket["starting_at"].as_str().unwrap()).collect()
    }

    #[test]
    fn report_pages_follow_their_tokens() {
        let catalog = catalog();
        let first = answer(&catalog, Endpoint::Cost, &parameters("starting_at=2026-08-02T12:00:00Z&limit=5"), false).unwrap();
        assert_eq!(
            starts(&first),
            ["2026-08-02T00:00:00Z", "2026-08-03T00:00:00Z", "2026-08-04T00:00:00Z", "2026-08-05T00:00:00Z", "2026-08-06T00:00:00Z"]
        );
        assert_eq!(first["has_more"], true);
        let token = first["next_page"].as_str().unwrap();
        let second =
            answer(&catalog, Endpoint::Cost, &parameters(&format!("starting_at=2026-08-02T12:00:00Z&limit=5&page={token}")), false)
                .unwrap();
        assert_eq!(starts(&second), ["2026-08-07T00:00:00Z", "2026-08-08T00:00:00Z", "2026-08-09T00:00:00Z"]);
        assert_eq!(second["has_more"], false);
        assert_eq!(second["next_page"], Value::Null);
        let elsewhere = answer(&catalog, Endpoint::Cost, &parameters(&format!("starting_at=2026-08-03T00:00:00Z&page={token}")), false);
        assert!(elsewhere.unwrap_err().0.starts_with("page:"));
    }

    #[test]
    fn analytics_pages_are_rows_within_the_range() {
        let rows = (1..=9).flat_map(|day| {
            ["a", "b"].map(|model| json!({"starting_at": format!("2026-08-0{day}T00:00:00Z"), "ending_at": format!("2026-08-{:02}T00:00:00Z", day + 1), "group": {"model": model}}))
        });
        let catalog = Catalog::new(MockData::default().with_analytics_usage_rows(rows)).unwrap();
        let ask = |query: &str| answer(&catalog, Endpoint::AnalyticsUsage, &parameters(query), false);
        let first = ask("starting_at=2026-08-02T06:00:00Z&ending_at=2026-08-05T00:00:00Z&time_bucket_width=1d&limit=4").unwrap();
        assert_eq!(starts(&first), ["2026-08-02T00:00:00Z", "2026-08-02T00:00:00Z", "2026-08-03T00:00:00Z", "2026-08-03T00:00:00Z"]);
        let token = first["next_page"].as_str().unwrap();
        let second =
            ask(&format!("starting_at=2026-08-02T06:00:00Z&ending_at=2026-08-05T00:00:00Z&time_bucket_width=1d&limit=4&page={token}"))
                .unwrap();
        assert_eq!(starts(&second), ["2026-08-04T00:00:00Z", "2026-08-04T00:00:00Z"]);
        assert_eq!(second["has_more"], false);
        // Without ending_at the range is 31 days: everything from the start here.
        let open = ask("starting_at=2026-08-08T00:00:00Z&time_bucket_width=1d").unwrap();
        assert_eq!(open["data"].as_array().unwrap().len(), 4);
        for (query, parameter) in [
            ("starting_at=2026-08-02T00:00:00Z", "time_bucket_width:"),
            ("starting_at=2026-08-02T00:00:00Z&time_bucket_width=1h", "time_bucket_width:"),
            ("starting_at=2026-08-02T00:00:00Z&time_bucket_width=1d&bucket_width=1d", "bucket_width:"),
            ("starting_at=2025-12-31T00:00:00Z&time_bucket_width=1d", "starting_at:"),
            ("time_bucket_width=1d", "starting_at:"),
            ("starting_at=2026-08-02T00:00:00Z&ending_at=2026-08-02T00:00:00Z&time_bucket_width=1d", "ending_at:"),
            ("starting_at=2026-08-02T00:00:00Z&time_bucket_width=1d&limit=1001", "limit:"),
        ] {
            assert!(ask(query).unwrap_err().0.starts_with(parameter), "{query}");
        }
    }

    #[test]
    fn listing_pages_follow_after_id() {
        let catalog = catalog();
        let first = answer(&catalog, Endpoint::Users, &parameters("limit=3"), false).unwrap();
        assert_eq!(
            (first["first_id"].as_str(), first["last_id"].as_str(), &first["has_more"]),
            (Some("user_0"), Some("user_2"), &json!(true))
        );
        let second = answer(&catalog, Endpoint::Users, &parameters("limit=3&after_id=user_2"), false).unwrap();
        assert_eq!(
            (second["first_id"].as_str(), second["last_id"].as_str(), &second["has_more"]),
            (Some("user_3"), Some("user_4"), &json!(false))
        );
        let empty = answer(&catalog, Endpoint::Workspaces, &parameters(""), false).unwrap();
        assert_eq!(empty, json!({"data": [], "has_more": false, "first_id": null, "last_id": null}));
    }
}
