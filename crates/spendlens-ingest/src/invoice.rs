//! An invoice's line items, as CSV: a header naming at least `description` and `amount_usd`, and
//! optionally `kind` (`tokens`, `web_search`, `code_execution`, `seat_fee`, `tax`, `credit`,
//! `other`), `model`, `token_type`, `workspace_id`, `service_tier` (`priority` marks Priority Tier
//! capacity), `period_start` and `period_end` (inclusive, `YYYY-MM-DD`). Column order is free.
//! Amounts are dollars (`1234.56`, `$1,234.56`, `-20.00` for a credit).

use spendlens_model::{CostKind, CostLine, Day, Money, Path, Period, ServiceTier, Source, TokenType};

use crate::IngestError;
use crate::error::Location;

/// Reads an invoice. Lines without their own period take `period` (the invoice's month).
pub fn read(file: &str, bytes: &[u8], period: Period) -> Result<Vec<CostLine>, IngestError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(bytes);
    let cell =
        |row: usize, column: &str, detail: String| IngestError::malformed(file, Location::Cell { row, column: column.to_string() }, detail);
    let header: Vec<String> =
        reader.headers().map_err(|error| cell(1, "", error.to_string()))?.iter().map(|h| h.to_ascii_lowercase()).collect();
    let known = [
        "description",
        "amount_usd",
        "kind",
        "model",
        "token_type",
        "workspace_id",
        "service_tier",
        "period_start",
        "period_end",
        "quantity",
        "unit",
    ];
    if let Some(unknown) = header.iter().find(|name| !known.contains(&name.as_str())) {
        return Err(IngestError::malformed(
            file,
            Location::Line { line: 1, column: None },
            format!("unknown column {unknown:?} (known: {})", known.join(", ")),
        ));
    }
    for required in ["description", "amount_usd"] {
        if !header.iter().any(|name| name == required) {
            return Err(IngestError::malformed(
                file,
                Location::Line { line: 1, column: None },
                format!("the header needs a {required:?} column"),
            ));
        }
    }
    let column = |name: &str| header.iter().position(|h| h == name);
    let mut lines = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let row = index + 2;
        let record = record.map_err(|error| cell(row, "", error.to_string()))?;
        let get = |name: &str| column(name).and_then(|at| record.get(at)).map(str::trim).filter(|text| !text.is_empty());
        let description = get("description").unwrap_or_default().to_string();
        let amount_text = get("amount_usd").ok_or_else(|| cell(row, "amount_usd", "an invoice line needs an amount".into()))?;
        let amount: Money = amount_text.parse().map_err(|_| cell(row, "amount_usd", format!("{amount_text:?} is not an amount")))?;
        let kind = match get("kind") {
            None => CostKind::Tokens,
            Some(text) => CostKind::parse(text).ok_or_else(|| cell(row, "kind", format!("unknown kind {text:?}")))?,
        };
        let day = |name: &str| -> Result<Option<Day>, IngestError> {
            get(name)
                .map(|text| text.parse::<Day>().map_err(|_| cell(row, name, format!("{text:?} is not a date (YYYY-MM-DD)"))))
                .transpose()
        };
        let start = day("period_start")?.unwrap_or(period.start);
        let end = day("period_end")?.map_or(period.end, |last| last + chrono::Duration::days(1));
        let mut line = CostLine::new(start, end, Source::Invoice, amount, kind);
        line.description = description;
        line.path = Path::Unassigned;
        line.model = get("model").map(str::to_string);
        line.token_type = get("token_type")
            .map(|text| text.parse::<TokenType>().map_err(|error| cell(row, "token_type", error.to_string())))
            .transpose()?;
        line.service_tier = get("service_tier")
            .map(|text| text.parse::<ServiceTier>().map_err(|error| cell(row, "service_tier", error.to_string())))
            .transpose()?;
        line.identity.workspace_id = get("workspace_id").map(str::to_string);
        lines.push(line);
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_usage_seat_tax_and_credit_lines() {
        let csv = "description,amount_usd,kind,model,token_type,service_tier\n\
            Claude Sonnet 5.5 input,\"$1,200.50\",tokens,claude-sonnet-5-5,input,\n\
            Team premium seats,3000,seat_fee,,,\n\
            Priority capacity,500,tokens,claude-opus-5-5,,priority\n\
            Sales tax,84.20,tax,,,\n\
            Promotional credit,-100,credit,,,\n";
        let month = Period::parse_month("2026-10").unwrap();
        let lines = read("inv.csv", csv.as_bytes(), month).unwrap();
        assert_eq!(lines.len(), 5);
        assert_eq!(lines[0].amount, "1200.50".parse().unwrap());
        assert_eq!(lines[0].token_type, Some(TokenType::Input));
        assert_eq!(lines[1].kind, CostKind::SeatFee);
        assert_eq!(lines[2].service_tier, Some(ServiceTier::Priority));
        assert_eq!(lines[4].amount, Money::from_cents(-10000));
        assert_eq!((lines[0].start, lines[0].end), (month.start, month.end));
    }

    #[test]
    fn errors_name_row_and_column() {
        let month = Period::parse_month("2026-10").unwrap();
        let error = read("inv.csv", b"description,amount_usd\nx,12..0\n", month).unwrap_err().to_string();
        assert_eq!(error, "inv.csv: row 2, column \"amount_usd\": \"12..0\" is not an amount");
        let error = read("inv.csv", b"description,amount\nx,1\n", month).unwrap_err().to_string();
        assert!(error.contains("unknown column \"amount\""), "{error}");
    }
}
