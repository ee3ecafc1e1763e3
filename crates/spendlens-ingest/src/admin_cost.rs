//! Admin API cost report (`GET /v1/organizations/cost_report`): the billing truth for Console
//! (API-key) spend, in daily buckets by workspace and line-item description.
//!
//! `amount` is a decimal string in **cents** ("123.45" is $1.2345). Priority Tier is absent from
//! this report by Anthropic's design; reconciliation names it as a residual.

use serde::Deserialize;
use serde_json::value::RawValue;
use spendlens_model::{CostKind, CostLine, Money, Path, Source};

use crate::wire::{CostDimensions, cents, cover, mark, non_empty, parse_page, timestamp};
use crate::{IngestError, Pages};

#[derive(Debug, Deserialize)]
struct Bucket {
    starting_at: String,
    ending_at: String,
    #[serde(default)]
    results: Vec<Result_>,
}

#[derive(Debug, Deserialize)]
struct Result_ {
    /// A decimal string of cents; a JSON number is tolerated, read exactly (never through f64).
    amount: Box<RawValue>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    cost_type: Option<String>,
    #[serde(default)]
    workspace_id: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    service_tier: Option<String>,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    context_window: Option<String>,
    #[serde(default)]
    inference_geo: Option<String>,
}

/// Reads one page of the cost report.
pub fn read_page(file: &str, bytes: &[u8]) -> Result<Pages<CostLine>, IngestError> {
    let page = parse_page::<Bucket>(file, bytes)?;
    let mut pages = Pages { marks: vec![mark(file, &page)], ..Pages::default() };
    for (bucket_index, bucket) in page.data.into_iter().enumerate() {
        let at = |field: &str| format!("data[{bucket_index}].{field}");
        let starting_at = timestamp(file, &at("starting_at"), &bucket.starting_at)?;
        let ending_at = timestamp(file, &at("ending_at"), &bucket.ending_at)?;
        if ending_at <= starting_at {
            return Err(IngestError::at_path(file, at("ending_at"), "the bucket ends before it starts"));
        }
        cover(&mut pages, starting_at, ending_at);
        // A line is filed under its day; a bucket finer than a day spans to the next midnight.
        let start = starting_at.date_naive();
        let end = ending_at.date_naive().max(start.succ_opt().unwrap_or(start));
        for (result_index, result) in bucket.results.into_iter().enumerate() {
            let at = |field: &str| format!("data[{bucket_index}].results[{result_index}].{field}");
            if let Some(currency) = result.currency.as_deref().filter(|c| !c.eq_ignore_ascii_case("USD")) {
                return Err(IngestError::at_path(file, at("currency"), format!("currency {currency:?}: spendlens reads USD cost reports")));
            }
            let cents = cents(file, at("amount"), &result.amount)?;
            // Tokens when not grouped by cost type; a cost type this build does not know is kept.
            let kind = match non_empty(result.cost_type) {
                None => CostKind::Tokens,
                Some(text) => text
                    .parse()
                    .map_err(|error: spendlens_model::ParseEnumError| IngestError::at_path(file, at("cost_type"), error.to_string()))?,
            };
            let mut line = CostLine::new(start, end, Source::AdminCost, Money::from_cents_decimal(cents), kind);
            line.description = result.description.unwrap_or_default();
            line.path = Path::Unassigned;
            line.identity.workspace_id = non_empty(result.workspace_id);
            line.model = non_empty(result.model);
            let dimensions = CostDimensions {
                service_tier: result.service_tier,
                token_type: result.token_type,
                context_window: result.context_window,
                inference_geo: result.inference_geo,
            };
            dimensions.apply(file, at, &mut line)?;
            pages.lines.push(line);
        }
    }
    Ok(pages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use spendlens_model::TokenType;

    #[test]
    fn amounts_are_cents_and_fields_are_kept() {
        let page = r#"{"data":[{"starting_at":"2026-10-15T00:00:00Z","ending_at":"2026-10-16T00:00:00Z","results":[
          {"currency":"USD","amount":"946.6","workspace_id":"wrkspc_01W","description":"Claude Sonnet 4.5 Usage - Input Tokens, Cache Write",
           "cost_type":"tokens","model":"claude-sonnet-4-5-20250929","token_type":"cache_creation.ephemeral_5m_input_tokens",
           "service_tier":"standard","context_window":"0-200k"},
          {"currency":"USD","amount":"12","workspace_id":null,"description":"Web Search","cost_type":"web_search","model":null,"token_type":null}
        ]}],"has_more":false,"next_page":null}"#;
        let pages = read_page("cost.json", page.as_bytes()).unwrap();
        let line = &pages.lines[0];
        assert_eq!(line.amount, "9.466".parse().unwrap());
        assert_eq!(line.token_type, Some(TokenType::CacheWrite5m));
        assert_eq!(line.identity.workspace_id.as_deref(), Some("wrkspc_01W"));
        assert_eq!((line.start.to_string(), line.end.to_string()), ("2026-10-15".into(), "2026-10-16".into()));
        assert_eq!(pages.lines[1].kind, CostKind::WebSearch);
        assert_eq!(pages.lines[1].amount, Money::from_cents(12));
    }

    #[test]
    fn regression_an_amount_sent_as_a_json_number_is_read_exactly() {
        let page = r#"{"data":[{"starting_at":"2026-10-15T00:00:00Z","ending_at":"2026-10-16T00:00:00Z","results":[
          {"currency":"USD","amount":1234567.8912345678901234,"cost_type":"tokens"}]}],"has_more":false}"#;
        let line = &read_page("cost.json", page.as_bytes()).unwrap().lines[0];
        assert_eq!(line.amount.as_decimal().to_string(), "12345.678912345678901234");
    }

    #[test]
    fn regression_an_unknown_cost_type_is_kept_and_bills() {
        let page = r#"{"data":[{"starting_at":"2026-10-15T00:00:00Z","ending_at":"2026-10-16T00:00:00Z","results":[
          {"currency":"USD","amount":"250","cost_type":"session_usage","token_type":"some_new_token"}]}],"has_more":false}"#;
        let line = &read_page("cost.json", page.as_bytes()).unwrap().lines[0];
        assert_eq!((line.kind.as_str(), line.amount), ("session_usage", Money::from_cents(250)));
        assert_eq!(line.token_type.map(|token_type| token_type.as_str()), Some("some_new_token"));
    }

    #[test]
    fn a_bad_amount_names_its_field() {
        let page = r#"{"data":[{"starting_at":"2026-10-15T00:00:00Z","ending_at":"2026-10-16T00:00:00Z","results":[
          {"currency":"USD","amount":"12,5"}]}],"has_more":false}"#;
        let error = read_page("cost.json", page.as_bytes()).unwrap_err().to_string();
        assert_eq!(error, "cost.json: field data[0].results[0].amount: \"12,5\" is not a decimal amount of cents");
    }
}
