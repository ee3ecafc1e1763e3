//! The two small files a user hands the forecast: a headcount plan and discount tiers. Both are
//! CSV with a header; errors name the file, the line and the field.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use spendlens_model::{Day, Money, Period};

use crate::commit::Tier;

/// Why a plan file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}, line {line}, field {field}: {detail}")]
pub struct PlanError {
    pub file: String,
    pub line: usize,
    pub field: String,
    pub detail: String,
}

/// Engineers per team and month (`month,team,engineers`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeadcountPlan {
    /// Month (its first day) -> team -> engineers.
    pub months: BTreeMap<Day, BTreeMap<String, u32>>,
}

impl HeadcountPlan {
    /// The plan's engineers in `month`: the latest planned month not after it (`None` before the
    /// plan's first month).
    pub fn engineers_in(&self, month: Period) -> Option<u32> {
        self.months.range(..=month.start).next_back().map(|(_, teams)| teams.values().sum())
    }

    /// Teams of the latest planned month not after `month`.
    pub fn teams_in(&self, month: Period) -> Option<&BTreeMap<String, u32>> {
        self.months.range(..=month.start).next_back().map(|(_, teams)| teams)
    }
}

/// Rows of a small CSV (no quoting needed: months, names and numbers), with their line numbers,
/// after checking the header names `columns` in order.
fn rows<'a>(file: &str, text: &'a str, columns: &[&str]) -> Result<Vec<(usize, Vec<&'a str>)>, PlanError> {
    let error = |line: usize, field: &str, detail: String| PlanError { file: file.to_string(), line, field: field.to_string(), detail };
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'));
    let Some((number, header)) = lines.next() else {
        return Err(error(1, "header", format!("the file is empty; expected the header {}", columns.join(","))));
    };
    let names: Vec<String> = header.split(',').map(|name| name.trim().to_ascii_lowercase()).collect();
    if names != columns {
        return Err(error(number, "header", format!("expected {}, found {header}", columns.join(","))));
    }
    lines
        .map(|(number, line)| {
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            if fields.len() != columns.len() {
                return Err(error(number, "row", format!("expected {} fields, found {}", columns.len(), fields.len())));
            }
            Ok((number, fields))
        })
        .collect()
}

/// Reads a headcount plan: `month,team,engineers` (month `YYYY-MM`, engineers a whole number).
pub fn read_headcount(file: &str, text: &str) -> Result<HeadcountPlan, PlanError> {
    let mut plan = HeadcountPlan::default();
    for (line, fields) in rows(file, text, &["month", "team", "engineers"])? {
        let error = |field: &str, detail: String| PlanError { file: file.to_string(), line, field: field.to_string(), detail };
        let month = Period::parse_month(fields[0]).ok_or_else(|| error("month", format!("{:?} is not YYYY-MM", fields[0])))?;
        if fields[1].is_empty() {
            return Err(error("team", "is empty".to_string()));
        }
        let engineers: u32 =
            fields[2].parse().map_err(|_| error("engineers", format!("{:?} is not a whole number of engineers", fields[2])))?;
        if plan.months.entry(month.start).or_default().insert(fields[1].to_string(), engineers).is_some() {
            return Err(error("team", format!("{} appears twice for {}", fields[1], fields[0])));
        }
    }
    if plan.months.is_empty() {
        return Err(PlanError { file: file.to_string(), line: 1, field: "row".into(), detail: "the plan has no rows".into() });
    }
    Ok(plan)
}

/// Reads discount tiers: `min_commitment_usd,discount_pct` (15 is 15% off list), thresholds
/// rising, discounts in 0..100.
pub fn read_tiers(file: &str, text: &str) -> Result<Vec<Tier>, PlanError> {
    let mut tiers: Vec<Tier> = Vec::new();
    for (line, fields) in rows(file, text, &["min_commitment_usd", "discount_pct"])? {
        let error = |field: &str, detail: String| PlanError { file: file.to_string(), line, field: field.to_string(), detail };
        let threshold: Money =
            fields[0].parse().map_err(|_| error("min_commitment_usd", format!("{:?} is not a dollar amount", fields[0])))?;
        if threshold < Money::ZERO {
            return Err(error("min_commitment_usd", "is negative".into()));
        }
        let percent: Decimal = fields[1].parse().map_err(|_| error("discount_pct", format!("{:?} is not a number", fields[1])))?;
        if percent < Decimal::ZERO || percent >= Decimal::ONE_HUNDRED {
            return Err(error("discount_pct", format!("{percent} is not between 0 and 100")));
        }
        if tiers.last().is_some_and(|last| last.min_commitment_usd >= threshold) {
            return Err(error("min_commitment_usd", "thresholds must rise from row to row".into()));
        }
        tiers.push(Tier { min_commitment_usd: threshold, discount: percent / Decimal::ONE_HUNDRED });
    }
    if tiers.is_empty() {
        return Err(PlanError { file: file.to_string(), line: 1, field: "row".into(), detail: "no tiers".into() });
    }
    Ok(tiers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_headcount_plan_and_its_errors() {
        let plan = read_headcount("plan.csv", "month,team,engineers\n2026-11,platform,10\n2026-11,data,5\n2027-01,platform,12\n").unwrap();
        let month = |text| Period::parse_month(text).unwrap();
        assert_eq!(plan.engineers_in(month("2026-10")), None);
        assert_eq!(plan.engineers_in(month("2026-11")), Some(15));
        assert_eq!(plan.engineers_in(month("2026-12")), Some(15), "carried forward");
        assert_eq!(plan.engineers_in(month("2027-01")), Some(12));
        let error = read_headcount("plan.csv", "month,team,engineers\n2026-11,platform,ten\n").unwrap_err();
        assert_eq!((error.line, error.field.as_str()), (2, "engineers"));
        assert!(error.to_string().starts_with("plan.csv, line 2, field engineers"), "{error}");
        assert_eq!(read_headcount("p", "month,engineers\n").unwrap_err().field, "header");
        assert_eq!(read_headcount("p", "month,team,engineers\n2026-13,a,1\n").unwrap_err().field, "month");
    }

    #[test]
    fn tiers_and_their_errors() {
        let tiers = read_tiers("t.csv", "min_commitment_usd,discount_pct\n0,5\n100000,12.5\n").unwrap();
        assert_eq!(tiers[1].discount, "0.125".parse::<Decimal>().unwrap());
        let error = read_tiers("t.csv", "min_commitment_usd,discount_pct\n100,5\n50,6\n").unwrap_err();
        assert_eq!((error.line, error.field.as_str()), (3, "min_commitment_usd"));
        assert_eq!(read_tiers("t.csv", "min_commitment_usd,discount_pct\n0,150\n").unwrap_err().field, "discount_pct");
    }
}
