//! What the mock serves: [`MockData`] as handed in (vendor JSON values), loaded from a rendered demo
//! organisation or built in a test, and the [`Catalog`] it is checked and indexed into once at start
//! (bucket times parsed, buckets in time order, the bucket width derived, records keyed by day,
//! listing items by id). The mock never changes the values; it only selects and pages them.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use crate::error::MockError;
use crate::query::BucketWidth;

/// The organisation's data, as the Admin API would return it item by item.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MockData {
    /// Usage report buckets, each `{"starting_at", "ending_at", "results": [...]}`, all one width.
    pub usage_buckets: Vec<Value>,
    /// Cost report buckets, same shape, daily.
    pub cost_buckets: Vec<Value>,
    /// Claude Code Analytics records, each with a `"date"` (`2026-08-08T00:00:00Z` or `2026-08-08`).
    pub claude_code_records: Vec<Value>,
    /// Usage and Cost Analytics API (beta) usage rows, each `{"starting_at", "ending_at", "group",
    /// "usage"}`, all one bucket width.
    pub analytics_usage_rows: Vec<Value>,
    /// Usage and Cost Analytics API (beta) cost rows, each `{"starting_at", "ending_at", "group",
    /// "cost"}`, all one bucket width.
    pub analytics_cost_rows: Vec<Value>,
    /// Workspace listing items, each with an `"id"`, in listing order.
    pub workspaces: Vec<Value>,
    /// API key listing items, each with an `"id"`, in listing order.
    pub api_keys: Vec<Value>,
    /// User listing items, each with an `"id"`, in listing order.
    pub users: Vec<Value>,
}

impl MockData {
    /// Adds usage report buckets.
    pub fn with_usage_buckets(mut self, buckets: impl IntoIterator<Item = Value>) -> MockData {
        self.usage_buckets.extend(buckets);
        self
    }

    /// Adds cost report buckets.
    pub fn with_cost_buckets(mut self, buckets: impl IntoIterator<Item = Value>) -> MockData {
        self.cost_buckets.extend(buckets);
        self
    }

    /// Adds Claude Code Analytics records.
    pub fn with_claude_code_records(mut self, records: impl IntoIterator<Item = Value>) -> MockData {
        self.claude_code_records.extend(records);
        self
    }

    /// Adds Usage and Cost Analytics API usage rows.
    pub fn with_analytics_usage_rows(mut self, rows: impl IntoIterator<Item = Value>) -> MockData {
        self.analytics_usage_rows.extend(rows);
        self
    }

    /// Adds Usage and Cost Analytics API cost rows.
    pub fn with_analytics_cost_rows(mut self, rows: impl IntoIterator<Item = Value>) -> MockData {
        self.analytics_cost_rows.extend(rows);
        self
    }

    /// Adds workspace listing items.
    pub fn with_workspaces(mut self, items: impl IntoIterator<Item = Value>) -> MockData {
        self.workspaces.extend(items);
        self
    }

    /// Adds API key listing items.
    pub fn with_api_keys(mut self, items: impl IntoIterator<Item = Value>) -> MockData {
        self.api_keys.extend(items);
        self
    }

    /// Adds user listing items.
    pub fn with_users(mut self, items: impl IntoIterator<Item = Value>) -> MockData {
        self.users.extend(items);
        self
    }

    /// Loads a rendered demo organisation (`spendlens_demo::render`): the pages under
    /// `dir/admin/{usage_report_messages,cost_report,claude_code,analytics_usage,analytics_cost}/page-*.json`,
    /// concatenated in file-name order, and the listings `dir/admin/{workspaces,api_keys,users}.json`.
    pub fn from_demo_dir(dir: &Path) -> Result<MockData, MockError> {
        let admin = dir.join("admin");
        Ok(MockData {
            usage_buckets: read_pages(&admin.join("usage_report_messages"))?,
            cost_buckets: read_pages(&admin.join("cost_report"))?,
            claude_code_records: read_pages(&admin.join("claude_code"))?,
            analytics_usage_rows: read_pages(&admin.join("analytics_usage"))?,
            analytics_cost_rows: read_pages(&admin.join("analytics_cost"))?,
            workspaces: read_page(&admin.join("workspaces.json"))?,
            api_keys: read_page(&admin.join("api_keys.json"))?,
            users: read_page(&admin.join("users.json"))?,
        })
    }
}

/// The `data` of every `page-*.json` in `folder`, in file-name order.
fn read_pages(folder: &Path) -> Result<Vec<Value>, MockError> {
    let read_error = |source| MockError::Read { path: folder.to_path_buf(), source };
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(read_error)? {
        let path = entry.map_err(read_error)?.path();
        let name = path.file_name().and_then(|name| name.to_str()).unwrap_or_default();
        if name.starts_with("page-") && name.ends_with(".json") {
            paths.push(path);
        }
    }
    paths.sort();
    let mut items = Vec::new();
    for path in paths {
        items.extend(read_page(&path)?);
    }
    Ok(items)
}

/// The `data` array of one page or listing file.
fn read_page(path: &Path) -> Result<Vec<Value>, MockError> {
    let text = std::fs::read_to_string(path).map_err(|source| MockError::Read { path: path.to_path_buf(), source })?;
    let page_error = |reason: String| MockError::Page { path: path.to_path_buf(), reason };
    let mut page: Value = serde_json::from_str(&text).map_err(|error| page_error(error.to_string()))?;
    match page.get_mut("data").map(Value::take) {
        Some(Value::Array(items)) => Ok(items),
        _ => Err(page_error("no \"data\" array".to_string())),
    }
}

/// One usage or cost bucket with its times parsed.
#[derive(Debug, Clone)]
pub(crate) struct Bucket {
    pub(crate) starting_at: DateTime<Utc>,
    pub(crate) ending_at: DateTime<Utc>,
    pub(crate) value: Value,
}

/// A report's buckets in time order, with their common width (`None` when there are none).
#[derive(Debug, Clone, Default)]
pub(crate) struct Buckets {
    pub(crate) width: Option<BucketWidth>,
    pub(crate) items: Vec<Bucket>,
}

/// The data, checked and indexed for serving.
#[derive(Debug, Clone, Default)]
pub(crate) struct Catalog {
    pub(crate) usage: Buckets,
    pub(crate) cost: Buckets,
    /// Claude Code records with their UTC day, in the order given.
    pub(crate) claude_code: Vec<(NaiveDate, Value)>,
    /// Analytics rows in time order (rows of one bucket keep the order given).
    pub(crate) analytics_usage: Buckets,
    pub(crate) analytics_cost: Buckets,
    pub(crate) workspaces: Vec<(String, Value)>,
    pub(crate) api_keys: Vec<(String, Value)>,
    pub(crate) users: Vec<(String, Value)>,
}

impl Catalog {
    pub(crate) fn new(data: MockData) -> Result<Catalog, MockError> {
        let cost = buckets("cost bucket", data.cost_buckets)?;
        if let Some(width) = cost.width.filter(|width| *width != BucketWidth::Day) {
            return Err(MockError::InvalidData(format!("cost buckets must be daily, not {}", width.as_str())));
        }
        Ok(Catalog {
            usage: buckets("usage bucket", data.usage_buckets)?,
            cost,
            claude_code: data
                .claude_code_records
                .into_iter()
                .enumerate()
                .map(|(index, record)| Ok((record_day(index, &record)?, record)))
                .collect::<Result<_, MockError>>()?,
            analytics_usage: buckets("analytics usage row", data.analytics_usage_rows)?,
            analytics_cost: buckets("analytics cost row", data.analytics_cost_rows)?,
            workspaces: listing("workspace", data.workspaces)?,
            api_keys: listing("api key", data.api_keys)?,
            users: listing("user", data.users)?,
        })
    }
}

fn buckets(what: &str, values: Vec<Value>) -> Result<Buckets, MockError> {
    let mut items = Vec::with_capacity(values.len());
    let mut width = None;
    for (index, value) in values.into_iter().enumerate() {
        let moment = |field: &str| {
            value
                .get(field)
                .and_then(Value::as_str)
                .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
                .map(|moment| moment.with_timezone(&Utc))
                .ok_or_else(|| MockError::InvalidData(format!("{what} {index} has no RFC 3339 {field}")))
        };
        let (starting_at, ending_at) = (moment("starting_at")?, moment("ending_at")?);
        let span = (ending_at - starting_at).num_seconds();
        let this_width = BucketWidth::from_seconds(span)
            .ok_or_else(|| MockError::InvalidData(format!("{what} {index} spans {span} seconds, not a minute, hour or day")))?;
        if width.is_some_and(|width| width != this_width) {
            return Err(MockError::InvalidData(format!("{what} {index} is {} wide, unlike the buckets before it", this_width.as_str())));
        }
        width = Some(this_width);
        items.push(Bucket { starting_at, ending_at, value });
    }
    // Stable: rows of one bucket keep their order.
    items.sort_by_key(|bucket| bucket.starting_at);
    Ok(Buckets { width, items })
}

fn record_day(index: usize, record: &Value) -> Result<NaiveDate, MockError> {
    let text = record.get("date").and_then(Value::as_str).unwrap_or_default();
    DateTime::parse_from_rfc3339(text)
        .map(|moment| moment.with_timezone(&Utc).date_naive())
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d"))
        .map_err(|_| MockError::InvalidData(format!("Claude Code record {index} has no \"date\" (RFC 3339 or YYYY-MM-DD)")))
}

fn listing(what: &str, items: Vec<Value>) -> Result<Vec<(String, Value)>, MockError> {
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| match item.get("id").and_then(Value::as_str) {
            Some(id) => Ok((id.to_string(), item)),
            None => Err(MockError::InvalidData(format!("{what} {index} has no string \"id\""))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn bucket(starting_at: &str, ending_at: &str) -> Value {
        json!({"starting_at": starting_at, "ending_at": ending_at, "results": []})
    }

    #[test]
    fn buckets_are_put_in_time_order_and_their_width_derived() {
        let data = MockData::default().with_usage_buckets([
            bucket("2026-08-08T01:00:00Z", "2026-08-08T02:00:00Z"),
            bucket("2026-08-08T00:00:00Z", "2026-08-08T01:00:00Z"),
        ]);
        let catalog = Catalog::new(data).unwrap();
        assert_eq!(catalog.usage.width, Some(BucketWidth::Hour));
        assert_eq!(catalog.usage.items[0].value["starting_at"], "2026-08-08T00:00:00Z");
        assert_eq!(catalog.cost.width, None);
    }

    #[test]
    fn unservable_data_is_rejected() {
        let rows = [
            MockData::default().with_usage_buckets([bucket("2026-08-08T00:00:00Z", "2026-08-08T00:30:00Z")]),
            MockData::default().with_usage_buckets([
                bucket("2026-08-08T00:00:00Z", "2026-08-08T01:00:00Z"),
                bucket("2026-08-09T00:00:00Z", "2026-08-10T00:00:00Z"),
            ]),
            MockData::default().with_cost_buckets([bucket("2026-08-08T00:00:00Z", "2026-08-08T01:00:00Z")]),
            MockData::default().with_usage_buckets([json!({"starting_at": "yesterday"})]),
            MockData::default().with_claude_code_records([json!({"actor": {}})]),
            MockData::default().with_users([json!({"email": "a@example.com"})]),
        ];
        for data in rows {
            assert!(matches!(Catalog::new(data.clone()), Err(MockError::InvalidData(_))), "{data:?}");
        }
    }

    #[test]
    fn analytics_rows_of_one_bucket_keep_their_order() {
        let row =
            |start: &str, end: &str, model: &str| json!({"starting_at": start, "ending_at": end, "group": {"model": model}, "usage": {}});
        let data = MockData::default().with_analytics_usage_rows([
            row("2026-08-09T00:00:00Z", "2026-08-10T00:00:00Z", "c"),
            row("2026-08-08T00:00:00Z", "2026-08-09T00:00:00Z", "b"),
            row("2026-08-08T00:00:00Z", "2026-08-09T00:00:00Z", "a"),
        ]);
        let catalog = Catalog::new(data).unwrap();
        let models: Vec<&str> = catalog.analytics_usage.items.iter().map(|row| row.value["group"]["model"].as_str().unwrap()).collect();
        assert_eq!(models, ["b", "a", "c"]);
        assert_eq!(catalog.analytics_usage.width, Some(BucketWidth::Day));
        let mixed = MockData::default().with_analytics_cost_rows([
            row("2026-08-08T00:00:00Z", "2026-08-09T00:00:00Z", "a"),
            row("2026-08-08T00:00:00Z", "2026-08-08T01:00:00Z", "a"),
        ]);
        assert!(matches!(Catalog::new(mixed), Err(MockError::InvalidData(_))));
    }

    #[test]
    fn record_days_accept_both_spellings() {
        assert_eq!(record_day(0, &json!({"date": "2026-08-08T00:00:00Z"})).unwrap(), NaiveDate::from_ymd_opt(2026, 8, 8).unwrap());
        assert_eq!(record_day(0, &json!({"date": "2026-08-08"})).unwrap(), NaiveDate::from_ymd_opt(2026, 8, 8).unwrap());
    }
}
