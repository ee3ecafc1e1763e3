//! The text views of `spendlens forecast`, `spikes`, `commit` (and its `--brief` file) and the
//! summary `spendlens init` ends with, through the binary: every dollar figure, percentage, count
//! and month they print is read back out of the text and held to the same command's `--json`
//! (the contract, which other tests hold to oracles), or for `init` to the files it wrote, the
//! vendor pages the mock Admin API serves and `report --json`. Also what the text promises on its
//! own: P10 <= P50 <= P90, a spike's factors summing to its change, its spend less the week before
//! being its change.
//!
//! Money is printed to the cent, rounded half away from zero (`Money`'s `Display`); percentages to
//! a tenth of a point from the JSON's fractions, rounded the same way. Each comparison is made at
//! the printed precision, from the JSON's exact figure.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json as value};
use spendlens_mock_anthropic::{MockAdminApi, MockConfig, MockData};

use crate::support::{json, ok, spendlens_command};

// ---- Reading figures back out of text.

/// A JSON figure: an exact decimal string, or an integer.
fn dec(value: &Value) -> Decimal {
    match value {
        Value::String(text) => text.parse().unwrap_or_else(|_| panic!("not a decimal: {text:?}")),
        Value::Number(number) => number.to_string().parse().unwrap_or_else(|_| panic!("not a decimal: {number}")),
        other => panic!("not a figure: {other}"),
    }
}

/// Dollars as printed: to the cent, half away from zero.
fn cents(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// A fraction as a printed percentage: a tenth of a point, half away from zero.
fn tenth_of_percent(fraction: Decimal) -> Decimal {
    (fraction * Decimal::ONE_HUNDRED).round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
}

/// A printed dollar cell, `$1,234.56` or `-$3.00`; anything else fails.
fn usd(cell: &str) -> Decimal {
    let (negative, rest) = match cell.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cell),
    };
    let digits = rest.strip_prefix('$').unwrap_or_else(|| panic!("not a dollar figure: {cell:?}"));
    let (whole, fraction) = digits.split_once('.').unwrap_or_else(|| panic!("not to the cent: {cell:?}"));
    assert!(fraction.len() == 2 && fraction.chars().all(|c| c.is_ascii_digit()), "not to the cent: {cell:?}");
    let groups: Vec<&str> = whole.split(',').collect();
    assert!(
        groups.iter().all(|group| !group.is_empty() && group.chars().all(|c| c.is_ascii_digit()))
            && groups.iter().skip(1).all(|group| group.len() == 3)
            && groups[0].len() <= 3,
        "badly grouped: {cell:?}"
    );
    let amount: Decimal = format!("{}.{fraction}", groups.concat()).parse().unwrap();
    if negative { -amount } else { amount }
}

/// A printed percentage cell, `77.0%`, to a tenth of a point.
fn pct(cell: &str) -> Decimal {
    let number = cell.strip_suffix('%').unwrap_or_else(|| panic!("not a percentage: {cell:?}"));
    assert!(number.split_once('.').is_some_and(|(_, tenth)| tenth.len() == 1), "not to a tenth: {cell:?}");
    number.parse().unwrap()
}

/// Every dollar figure in a line of prose, in order (`-$3` negative, `+$3` positive).
fn dollars_in(line: &str) -> Vec<Decimal> {
    line.match_indices('$')
        .map(|(index, _)| {
            let digits: String = line[index + 1..].chars().take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.').collect();
            let amount: Decimal =
                digits.trim_end_matches(['.', ',']).replace(',', "").parse().unwrap_or_else(|_| panic!("a $ without a figure in {line:?}"));
            if line[..index].ends_with('-') { -amount } else { amount }
        })
        .collect()
}

/// Every percentage in a line of prose, in order.
fn percents_in(line: &str) -> Vec<Decimal> {
    line.match_indices('%')
        .map(|(index, _)| {
            let head = &line[..index];
            let start = head.rfind(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+')).map_or(0, |at| at + 1);
            head[start..].trim_start_matches('+').parse().unwrap_or_else(|_| panic!("a % without a figure in {line:?}"))
        })
        .collect()
}

/// The leading whole number of `text`.
fn leading_number(text: &str) -> Decimal {
    let digits: String = text.trim_start().chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    digits.trim_end_matches('.').parse().unwrap_or_else(|_| panic!("no leading number in {text:?}"))
}

/// The text between `before` and the next `after` in `line`.
fn between<'a>(line: &'a str, before: &str, after: &str) -> &'a str {
    let rest = line.split_once(before).unwrap_or_else(|| panic!("no {before:?} in {line:?}")).1;
    rest.split_once(after).unwrap_or_else(|| panic!("no {after:?} after {before:?} in {line:?}")).0
}

/// The one line of `text` that starts with `start` (after indentation).
fn line_starting<'a>(text: &'a str, start: &str) -> &'a str {
    let found: Vec<&str> = text.lines().filter(|line| line.trim_start().starts_with(start)).collect();
    assert_eq!(found.len(), 1, "lines starting {start:?} in:\n{text}");
    found[0]
}

/// The rows of the aligned text table whose header line starts with `header` (after indentation):
/// the lines after it up to a blank line, split at runs of two or more spaces.
fn text_table(text: &str, header: &str) -> Vec<Vec<String>> {
    let lines: Vec<&str> = text.lines().collect();
    let top =
        lines.iter().position(|line| line.trim_start().starts_with(header)).unwrap_or_else(|| panic!("no table {header:?} in:\n{text}"));
    lines[top + 1..]
        .iter()
        .take_while(|line| !line.trim().is_empty())
        .map(|line| line.trim().split("  ").map(str::trim).filter(|cell| !cell.is_empty()).map(String::from).collect())
        .collect()
}

/// The data rows of the Markdown table whose header row starts `| header`, cells unescaped.
fn markdown_table(text: &str, header: &str) -> Vec<Vec<String>> {
    let lines: Vec<&str> = text.lines().collect();
    let start = format!("| {header}");
    let top = lines.iter().position(|line| line.starts_with(&start)).unwrap_or_else(|| panic!("no table {header:?} in:\n{text}"));
    assert!(lines[top + 1].starts_with("| ---"), "no rule under {header:?}");
    lines[top + 2..]
        .iter()
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let inner = line.strip_prefix("| ").unwrap().strip_suffix(" |").unwrap_or_else(|| line.strip_prefix("| ").unwrap());
            inner.split(" | ").map(|cell| unescape_markdown(cell.trim())).collect()
        })
        .collect()
}

fn unescape_markdown(cell: &str) -> String {
    let mut out = String::new();
    let mut chars = cell.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.extend(chars.next());
        } else {
            out.push(c);
        }
    }
    out
}

/// The JSON's key for a path as the views name it.
fn path_key(name: &str) -> &'static str {
    match name {
        "API" => "api",
        "Claude Code" => "claude_code",
        "Total" => "total",
        other => panic!("unknown path {other:?}"),
    }
}

fn ordered(p10: Decimal, p50: Decimal, p90: Decimal, what: &str) {
    assert!(p10 <= p50 && p50 <= p90, "{what}: printed P10 {p10}, P50 {p50}, P90 {p90} out of order");
}

// ---- The figures shared by the forecast, the commitment and the brief.

/// Month, Path, P10, P50, P90 rows against a forecast view: every path's and the total's months,
/// nothing more, in month order.
fn check_months(rows: &[Vec<String>], forecast: &Value, what: &str) {
    let mut expected = Vec::new();
    let paths = forecast["paths"].as_object().unwrap();
    for (key, path) in paths.iter().map(|(key, path)| (key.as_str(), path)).chain([("total", &forecast["total"])]) {
        for month in path["months"].as_array().unwrap() {
            let quantiles = ["p10_usd", "p50_usd", "p90_usd"].map(|q| cents(dec(&month[q])));
            expected.push((month["month"].as_str().unwrap().to_string(), key.to_string(), quantiles));
        }
    }
    let mut printed: Vec<(String, String, [Decimal; 3])> = rows
        .iter()
        .map(|row| {
            assert_eq!(row.len(), 5, "{what}: {row:?}");
            let quantiles = [usd(&row[2]), usd(&row[3]), usd(&row[4])];
            ordered(quantiles[0], quantiles[1], quantiles[2], &format!("{what} {} {}", row[0], row[1]));
            (row[0].clone(), path_key(&row[1]).to_string(), quantiles)
        })
        .collect();
    assert!(printed.windows(2).all(|pair| pair[0].0 <= pair[1].0), "{what}: months out of order");
    assert!(!expected.is_empty());
    expected.sort();
    printed.sort();
    assert_eq!(printed, expected, "{what}: the months table against the JSON");
}

/// Path, Spend P10, P50, P90, Commit, Saving, Shortfall, Waste rows against `commit --json`.
fn check_commit_paths(rows: &[Vec<String>], commit: &Value, what: &str) {
    let mut expected: Vec<(&str, &Value)> = commit["paths"].as_object().unwrap().iter().map(|(key, path)| (key.as_str(), path)).collect();
    expected.push(("total", commit));
    assert_eq!(rows.len(), expected.len(), "{what}: {rows:?}");
    for (row, (key, path)) in rows.iter().zip(expected) {
        assert_eq!(row.len(), 8, "{what}: {row:?}");
        assert_eq!(path_key(&row[0]), key, "{what}: rows in the JSON's order");
        let spend = [usd(&row[1]), usd(&row[2]), usd(&row[3])];
        ordered(spend[0], spend[1], spend[2], &format!("{what} {key}"));
        assert_eq!(
            (spend, usd(&row[4]), usd(&row[5]), pct(&row[6]), usd(&row[7])),
            (
                ["spend_p10_usd", "spend_p50_usd", "spend_p90_usd"].map(|q| cents(dec(&path[q]))),
                cents(dec(&path["recommended_commitment_usd"])),
                cents(dec(&path["expected_saving_usd"])),
                tenth_of_percent(dec(&path["shortfall_probability"])),
                cents(dec(&path["expected_waste_usd"])),
            ),
            "{what}: {key}"
        );
    }
}

/// The total's sensitivity rows against `commit --json`, the recommended one marked alone.
fn check_sensitivity(rows: &[Vec<String>], commit: &Value, what: &str) {
    let levels = commit["sensitivity"].as_array().unwrap();
    assert_eq!(rows.len(), levels.len(), "{what}: {rows:?}");
    assert!(levels.len() > 2, "{what}: a sensitivity worth checking");
    let recommended = dec(&commit["recommended_commitment_usd"]);
    for (row, level) in rows.iter().zip(levels) {
        assert!(row.len() == 6 || row.len() == 7, "{what}: {row:?}");
        assert_eq!(
            (usd(&row[0]), pct(&row[1]), usd(&row[2]), usd(&row[3]), pct(&row[4]), usd(&row[5])),
            (
                cents(dec(&level["commitment_usd"])),
                tenth_of_percent(dec(&level["discount"])),
                cents(dec(&level["expected_cost_usd"])),
                cents(dec(&level["expected_saving_usd"])),
                tenth_of_percent(dec(&level["shortfall_probability"])),
                cents(dec(&level["expected_waste_usd"])),
            ),
            "{what}: {row:?}"
        );
        let marked = row.get(6).is_some_and(|marker| marker == "recommended");
        assert_eq!(marked, dec(&level["commitment_usd"]) == recommended, "{what}: the marker on {row:?}");
        assert!(row.get(6).is_none_or(|marker| marker.is_empty() || marker == "recommended"), "{what}: {row:?}");
    }
    assert_eq!(rows.iter().filter(|row| row.get(6).is_some_and(|marker| marker == "recommended")).count(), 1, "{what}");
}

/// `2026-11 to 2027-10 (12 months)` from the JSON's term.
fn term_label(commit: &Value) -> String {
    let term = commit["term"].as_array().unwrap();
    format!("{} to {} ({} months)", term[0].as_str().unwrap(), term[term.len() - 1].as_str().unwrap(), term.len())
}

/// Requests/day, per 1k today, per 1k forecast: `-` where the JSON has none.
fn optional(cell: &str, value: &Value, money: bool) -> bool {
    if value.is_null() {
        return cell == "-";
    }
    if money { usd(cell) == cents(dec(value)) } else { cell.parse::<Decimal>().ok() == Some(dec(value)) }
}

// ---- Forecast.

fn check_forecast_text(text: &str, forecast: &Value) {
    let drivers = &forecast["drivers"];
    let history = &drivers["history"];
    assert_eq!(
        text.lines().next().unwrap(),
        format!(
            "Forecast · {} baseline · learned from {}..{}",
            drivers["baseline"].as_str().unwrap(),
            history["start"].as_str().unwrap(),
            history["end"].as_str().unwrap()
        ),
        "the baseline and the history (end exclusive, as Period labels it)"
    );
    check_months(&text_table(text, "Month    Path"), forecast, "forecast");

    let cc = &drivers["claude_code"];
    let line = line_starting(text, "Claude Code = ");
    assert!(line.contains("active engineers x cost per active engineer-day + seat fees"), "{line}");
    let line = text.lines().find(|line| line.contains("active engineers (last four weeks)")).unwrap();
    assert_eq!(leading_number(line), dec(&cc["active_engineers"]), "{line}");
    assert_eq!(dollars_in(line), [cents(dec(&cc["cost_per_active_engineer_day_usd"]))], "{line}");
    assert_eq!(leading_number(between(line, "engineer-day, ", " open seats")), dec(&cc["seats"]), "{line}");
    assert_eq!(percents_in(line), [tenth_of_percent(dec(&cc["holiday_factor"]))], "holidays: {line}");
    assert_eq!(cc["headcount_plan"], Value::Null);
    assert!(!line.contains("headcount plan"), "{line}");
    let rows = text_table(text, "Month    Engineers");
    let months = cc["months"].as_array().unwrap();
    assert_eq!(rows.len(), months.len(), "{rows:?}");
    for (row, month) in rows.iter().zip(months) {
        assert_eq!(row.len(), 4, "{row:?}");
        assert_eq!(
            (row[0].as_str(), row[1].parse::<Decimal>().unwrap(), usd(&row[2]), usd(&row[3])),
            (
                month["month"].as_str().unwrap(),
                dec(&month["active_engineers"]),
                cents(dec(&month["usage_usd"])),
                cents(dec(&month["seat_fees_usd"]))
            ),
            "Claude Code drivers"
        );
    }

    line_starting(text, "API = per feature, requests x unit cost");
    let rows = text_table(text, "Feature");
    let features = drivers["api"]["features"].as_array().unwrap();
    assert!(!features.is_empty());
    assert_eq!(rows.len(), features.len(), "{rows:?}");
    for (row, feature) in rows.iter().zip(features) {
        assert_eq!(row.len(), 6, "{row:?}");
        assert_eq!(row[0], feature["feature"].as_str().unwrap());
        assert!(optional(&row[1], &feature["requests_per_day"], false), "requests/day: {row:?} {feature}");
        assert!(optional(&row[2], &feature["usd_per_1k_requests"], true), "per 1k today: {row:?} {feature}");
        assert!(optional(&row[3], &feature["forecast_usd_per_1k_requests"], true), "per 1k forecast: {row:?} {feature}");
        assert_eq!(row[4], feature["model"].as_str().unwrap());
        assert_eq!(usd(&row[5]), cents(dec(&feature["months"][0]["usd"])), "next month: {row:?}");
        assert_eq!(feature["months"][0]["month"], forecast["total"]["months"][0]["month"], "next month is the first forecast month");
    }

    assert_eq!(line_starting(text, "Method: "), format!("Method: {}", drivers["method"].as_str().unwrap()));
    let notes: Vec<&str> = text.lines().filter_map(|line| line.strip_prefix("Note: ")).collect();
    let expected: Vec<&str> = drivers["notes"].as_array().unwrap().iter().map(|note| note.as_str().unwrap()).collect();
    assert_eq!(notes, expected);
}

// ---- Spikes.

fn check_spikes_text(text: &str, spikes: &Value) {
    let list = spikes["spikes"].as_array().unwrap();
    assert!(!list.is_empty(), "the demo has spikes (its planted model change): {spikes}");
    assert_eq!(text.lines().next().unwrap(), format!("Spikes · {} found", list.len()));
    let rows = text_table(text, "Window");
    assert_eq!(rows.len(), list.len(), "{rows:?}");
    for (row, spike) in rows.iter().zip(list) {
        assert_eq!(row.len(), 7, "{row:?}");
        let (start, end) = (spike["start"].as_str().unwrap(), spike["end"].as_str().unwrap());
        let window = if start == end { format!("day {start}") } else { format!("week {start} to {end}") };
        assert_eq!(row[0], window);
        assert_eq!(row[1], spike["path"].as_str().unwrap());
        assert_eq!(row[2], format!("{} {}", spike["driver"]["kind"].as_str().unwrap(), spike["driver"]["name"].as_str().unwrap()));
        let (spend, expected, before, change) = (usd(&row[3]), usd(&row[4]), usd(&row[5]), usd(&row[6]));
        assert_eq!(change, dec(&spike["change_usd"]), "the change, to the cent in both: {row:?}");
        // Spend and Before are each rounded to the cent, the change once: a cent apart at most.
        assert!((spend - before - change).abs() <= Decimal::new(1, 2), "spend less before is the change: {row:?}");
        assert!(spend > expected, "a spike is spend above its expected amount: {row:?}");
        assert!(expected >= Decimal::ZERO, "{row:?}");
    }

    // Each spike's sentence and its factors.
    let lines: Vec<&str> = text.lines().collect();
    for (spike, row) in list.iter().zip(&rows) {
        let head = format!("{} to {} · ", spike["start"].as_str().unwrap(), spike["end"].as_str().unwrap());
        let summary = spike["summary"].as_str().unwrap();
        let at = lines.iter().position(|line| *line == format!("{head}{summary}")).unwrap_or_else(|| panic!("no line {head}{summary}"));
        let factors = spike["factors"].as_array().unwrap();
        let printed: Vec<(String, Decimal)> = lines[at + 1..at + 1 + factors.len()]
            .iter()
            .map(|line| {
                assert!(line.starts_with("  "), "{line:?}");
                let (name, amount) = line.trim().rsplit_once(' ').unwrap();
                (name.trim().to_string(), usd(amount))
            })
            .collect();
        let expected: Vec<(String, Decimal)> =
            factors.iter().map(|factor| (factor["factor"].as_str().unwrap().to_string(), cents(dec(&factor["usd"])))).collect();
        assert_eq!(printed, expected, "{head}factors");
        let change = usd(&row[6]);
        assert_eq!(printed.iter().map(|(_, usd)| *usd).sum::<Decimal>(), change, "{head}the printed factors sum to the printed change");
        assert!(lines.get(at + 1 + factors.len()).is_none_or(|line| !line.starts_with("  ")), "{head}more factor lines than the JSON's");

        // The sentence's figures: the change in whole dollars, its percentage of the week before,
        // and the top factor's share of the change (a driver's spike has one set of factors).
        let whole = dollars_in(summary)[0];
        assert!((whole - change).abs() <= Decimal::new(5, 1), "{summary}: {whole} against {change}");
        let (spend, before) = (usd(&row[3]), usd(&row[5]));
        let shares = percents_in(summary);
        if before > Decimal::from(10) {
            let percent = (spend - before) * Decimal::ONE_HUNDRED / before;
            assert!((shares[0] - percent).abs() <= Decimal::ONE, "{summary}: {}% against {percent}", shares[0]);
        }
        if spike["driver"]["kind"] != "path" && !change.is_zero() {
            let top = printed.iter().map(|(_, usd)| *usd).max_by_key(|usd| if change < Decimal::ZERO { -*usd } else { *usd }).unwrap();
            let share = top * Decimal::ONE_HUNDRED / change;
            assert!((shares[1] - share).abs() <= Decimal::ONE, "{summary}: {}% against {share}", shares[1]);
        }
    }
}

// ---- Commitment and brief.

fn check_commit_text(text: &str, commit: &Value) {
    assert_eq!(
        text.lines().next().unwrap(),
        format!(
            "Commitment · {} · {} baseline · overage at {}x list",
            term_label(commit),
            commit["baseline"].as_str().unwrap(),
            dec(&commit["overage_rate"]).normalize()
        )
    );
    let sentence = line_starting(text, "Commit $");
    assert_eq!(
        dollars_in(sentence),
        [
            cents(dec(&commit["recommended_commitment_usd"])),
            cents(dec(&commit["expected_saving_usd"])),
            cents(dec(&commit["expected_waste_usd"]))
        ],
        "{sentence}"
    );
    assert_eq!(percents_in(sentence), [tenth_of_percent(dec(&commit["shortfall_probability"]))], "{sentence}");
    check_commit_paths(&text_table(text, "Path "), commit, "commit");
    line_starting(text, "Sensitivity (total)");
    check_sensitivity(&text_table(text, "Commitment  "), commit, "commit sensitivity");
}

fn check_brief(brief: &str, commit: &Value) {
    assert_eq!(brief.lines().next().unwrap(), format!("# Commitment brief: {}", term_label(commit)));
    let recommendation = line_starting(brief, "Commit **");
    assert!(recommendation.contains(&format!("over {} ({} baseline)", term_label(commit), commit["baseline"].as_str().unwrap())));
    assert!(recommendation.contains(&format!("(overage at {}x list)", dec(&commit["overage_rate"]).normalize())), "{recommendation}");
    assert_eq!(
        dollars_in(recommendation),
        [
            cents(dec(&commit["recommended_commitment_usd"])),
            cents(dec(&commit["expected_saving_usd"])),
            cents(dec(&commit["expected_waste_usd"]))
        ],
        "the recommended commitment: {recommendation}"
    );
    assert_eq!(percents_in(recommendation), [tenth_of_percent(dec(&commit["shortfall_probability"]))], "{recommendation}");
    let terms = line_starting(brief, "Discount terms assumed: ");
    let tiers = commit["tiers"].as_array().unwrap();
    assert_eq!(percents_in(terms), tiers.iter().map(|tier| tenth_of_percent(dec(&tier["discount"]))).collect::<Vec<_>>(), "{terms}");
    assert_eq!(dollars_in(terms), tiers.iter().map(|tier| cents(dec(&tier["min_commitment_usd"]))).collect::<Vec<_>>(), "{terms}");

    // The two baselines per path (and the total), each row the JSON's.
    let rows = markdown_table(brief, "Path | Term P50 at today's unit costs");
    let baselines = commit["baselines"].as_object().unwrap();
    assert!(baselines.contains_key("api") && baselines.contains_key("claude_code") && baselines.contains_key("total"), "{baselines:?}");
    let printed: BTreeMap<&str, (Decimal, Decimal)> = rows
        .iter()
        .map(|row| {
            assert_eq!(row.len(), 3, "{row:?}");
            (path_key(&row[0]), (usd(&row[1]), usd(&row[2])))
        })
        .collect();
    assert_eq!(printed.len(), rows.len(), "a path listed twice: {rows:?}");
    let expected: BTreeMap<&str, (Decimal, Decimal)> = baselines
        .iter()
        .map(|(key, pair)| (key.as_str(), (cents(dec(&pair["current_p50_usd"])), cents(dec(&pair["optimised_p50_usd"])))))
        .collect();
    assert_eq!(printed, expected, "the per-path baselines");

    // The drivers the forecast was made on.
    let drivers = &commit["forecast"]["drivers"];
    let cc = &drivers["claude_code"];
    let line = brief.lines().find(|line| line.starts_with("- ") && line.contains("engineers active in the last four weeks")).unwrap();
    assert_eq!(leading_number(&line[2..]), dec(&cc["active_engineers"]), "{line}");
    assert_eq!(dollars_in(line), [cents(dec(&cc["cost_per_active_engineer_day_usd"]))], "{line}");
    assert_eq!(leading_number(between(line, "usage billing; ", " open seats")), dec(&cc["seats"]), "{line}");
    let holidays = line_starting(brief, "- Holidays run at ");
    assert_eq!(percents_in(holidays), [tenth_of_percent(dec(&cc["holiday_factor"]))], "{holidays}");
    assert_eq!(leading_number(between(holidays, "a new joiner counts ", " in the month")), dec(&cc["new_joiner_ramp"]), "{holidays}");
    let rows = markdown_table(brief, "Feature | Requests/day");
    let features = drivers["api"]["features"].as_array().unwrap();
    assert_eq!(rows.len(), features.len(), "{rows:?}");
    for (row, feature) in rows.iter().zip(features) {
        assert_eq!(row.len(), 4, "{row:?}");
        assert_eq!(row[0], feature["feature"].as_str().unwrap());
        assert!(optional(&row[1], &feature["requests_per_day"], false), "{row:?} {feature}");
        assert!(optional(&row[2], &feature["usd_per_1k_requests"], true), "{row:?} {feature}");
        assert!(optional(&row[3], &feature["forecast_usd_per_1k_requests"], true), "{row:?} {feature}");
    }

    // The optimiser's plan behind the optimised baseline.
    let plan = &commit["optimisation"];
    let planned: Vec<&Value> =
        plan["features"].as_array().unwrap().iter().filter(|feature| !feature["levers"].as_array().unwrap().is_empty()).collect();
    assert!(!planned.is_empty(), "the demo plants optimisations: {plan}");
    let sentence = line_starting(brief, "The optimiser's plan saves ");
    assert_eq!(dollars_in(sentence), [cents(dec(&plan["total_saving_usd"])), cents(dec(&plan["api_spend_usd"]))], "{sentence}");
    assert_eq!(percents_in(sentence), [tenth_of_percent(dec(&plan["saving_share"]))], "{sentence}");
    let rows = markdown_table(brief, "Feature | Levers");
    assert_eq!(rows.len(), planned.len(), "{rows:?}");
    for (row, feature) in rows.iter().zip(planned) {
        let levers: Vec<&str> = feature["levers"].as_array().unwrap().iter().map(|lever| lever.as_str().unwrap()).collect();
        assert_eq!(
            (row[0].as_str(), row[1].clone(), usd(&row[2]), usd(&row[3]), usd(&row[4])),
            (
                feature["feature"].as_str().unwrap(),
                levers.join(", "),
                cents(dec(&feature["spend_usd"])),
                cents(dec(&feature["saving_usd"])),
                cents(dec(&feature["optimised_usd"]))
            )
        );
    }

    check_months(&markdown_table(brief, "Month | Path"), &commit["forecast"], "brief forecast by month");
    check_commit_paths(&markdown_table(brief, "Path | Spend P10"), commit, "brief risk");
    check_sensitivity(&markdown_table(brief, "Commitment | Discount"), commit, "brief sensitivity");
    assert_eq!(line_starting(brief, "Method: "), format!("Method: {}", drivers["method"].as_str().unwrap()));
    let notes: Vec<&str> = brief.lines().filter_map(|line| line.strip_prefix("Note: ")).collect();
    let expected: Vec<&str> = drivers["notes"].as_array().unwrap().iter().map(|note| note.as_str().unwrap()).collect();
    assert_eq!(notes, expected);
}

/// `commit --discount PCT` as text with `--brief` (a bare file name, run in `dir`), and as JSON.
fn check_commit(data: &Path, dir: &Path, discount: &str) -> Value {
    let commit = json(data, &["commit", "--discount", discount, "--json"]);
    let brief_name = format!("brief-{discount}.md");
    // Regression: a bare file name (parent "") made the atomic writer fail to sync directory ""
    // after writing the brief, exit 74.
    let output =
        spendlens_command(data).current_dir(dir).args(["commit", "--discount", discount, "--brief", &brief_name]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "commit --brief {brief_name}: {}\n{stderr}", output.status);
    assert!(stderr.contains(&format!("brief written to {brief_name}")), "{stderr}");
    let text = String::from_utf8(output.stdout).unwrap();
    check_commit_text(&text, &commit);
    check_brief(&std::fs::read_to_string(dir.join(&brief_name)).unwrap(), &commit);
    commit
}

#[test]
fn forecast_spikes_and_commit_text_print_their_json_figures() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // As the dashboard's tests: 120 days to 2026-10-31 (history enough for a forecast), a planted
    // model change (a spike) and routing adopted mid-October.
    ok(&data, &["demo", "--engineers", "16", "--days", "120", "--adopt-routing-on", "2026-10-10"]);

    let forecast = json(&data, &["forecast", "--json"]);
    check_forecast_text(&ok(&data, &["forecast"]), &forecast);
    let optimised = json(&data, &["forecast", "--baseline", "optimised", "--horizon", "2", "--json"]);
    check_forecast_text(&ok(&data, &["forecast", "--baseline", "optimised", "--horizon", "2"]), &optimised);

    check_spikes_text(&ok(&data, &["spikes"]), &json(&data, &["spikes", "--json"]));

    let commit = check_commit(&data, dir.path(), "15");
    assert_eq!(commit["tiers"], value!([{"discount": "0.15", "min_commitment_usd": "0"}]));
    // Regression: percentages were cut, not rounded, to a tenth (Decimal's `{:.1}` truncates):
    // 12.75% off was printed 12.7%.
    let commit = check_commit(&data, dir.path(), "12.75");
    assert_eq!(commit["tiers"][0]["discount"], "0.1275");
    let brief = std::fs::read_to_string(dir.path().join("brief-12.75.md")).unwrap();
    assert!(brief.contains("Discount terms assumed: 12.8% off from $0.00."), "{brief}");
}

// ---- init.

const KEY: &str = "sk-ant-admin01-TEXTVIEW-7d1e40";

/// `spendlens init --no-sync --until 2026-10-31 ARGS` against `base_url`, the key piped when given.
fn init(data: &Path, base_url: &str, key: Option<&str>, args: &[&str]) -> Output {
    let mut command = spendlens_command(data);
    command.arg("init").args(["--backoff-ms", "1", "--max-attempts", "2", "--no-sync", "--until", "2026-10-31"]).args(args);
    command.env("SPENDLENS_ADMIN_BASE_URL", base_url).env_remove("ANTHROPIC_ADMIN_KEY").env_remove("ANTHROPIC_BASE_URL");
    if key.is_some() {
        command.arg("--admin-key-stdin");
    }
    command.stdout(Stdio::piped()).stderr(Stdio::piped()).stdin(if key.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = command.spawn().unwrap();
    if let Some(key) = key {
        child.stdin.take().unwrap().write_all(format!("{key}\n").as_bytes()).unwrap();
    }
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "init failed: {}\n{}", output.status, String::from_utf8_lossy(&output.stderr));
    output
}

/// The figures of `init`'s closing summary.
#[derive(Debug, PartialEq)]
struct InitSummary {
    workspaces: Decimal,
    api_keys: Decimal,
    users: Decimal,
    since: String,
    until: String,
    spend: Decimal,
    config: PathBuf,
    orgmap: PathBuf,
    /// The org map line between `org map: ` and its path.
    orgmap_said: String,
}

fn read_summary(stdout: &str) -> InitSummary {
    let directory = line_starting(stdout, "The admin key works. Directory: ");
    let counts: Vec<&str> = directory.split_once("Directory: ").unwrap().1.trim_end_matches('.').split(", ").collect();
    assert_eq!(counts.len(), 3, "{directory}");
    let count = |index: usize, noun: &str| {
        assert!(counts[index].ends_with(noun), "{directory}");
        leading_number(counts[index])
    };
    let spend = line_starting(stdout, "Spend ");
    assert!(spend.ends_with(" (the cost report)."), "{spend}");
    let amounts = dollars_in(spend);
    assert_eq!(amounts.len(), 1, "{spend}");
    let config = line_starting(stdout, "config.toml: ");
    let orgmap = line_starting(stdout, "org map: ");
    let (orgmap_said, orgmap_path) = orgmap.strip_prefix("org map: ").unwrap().rsplit_once(": ").unwrap();
    InitSummary {
        workspaces: count(0, " workspaces"),
        api_keys: count(1, " API keys"),
        users: count(2, " users"),
        since: between(spend, "Spend ", " to ").to_string(),
        until: between(spend, " to ", ": $").to_string(),
        spend: amounts[0],
        config: PathBuf::from(config.rsplit_once(": ").unwrap().1),
        orgmap: PathBuf::from(orgmap_path),
        orgmap_said: orgmap_said.to_string(),
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The vendor's cost report pages (what the mock serves) summed over `since..=until`, in dollars.
fn cost_report_total(sources: &Path, since: &str, until: &str) -> Decimal {
    let mut total = Decimal::ZERO;
    for page in crate::support::files_in(&sources.join("admin/cost_report"), "json") {
        for bucket in read_json(Path::new(&page))["data"].as_array().unwrap() {
            let day = &bucket["starting_at"].as_str().unwrap()[..10];
            if since <= day && day <= until {
                for result in bucket["results"].as_array().unwrap() {
                    total += dec(&result["amount"]) / Decimal::ONE_HUNDRED;
                }
            }
        }
    }
    total
}

/// Draft entries (`# [[feature]]` blocks) naming `# LIST = ["…"]`, and the dollars of their titles.
fn drafted(text: &str, list: &str) -> Vec<Decimal> {
    let lines: Vec<&str> = text.lines().collect();
    let prefix = format!("# {list} = [\"");
    (0..lines.len())
        .filter(|&index| lines[index].starts_with(&prefix) && index >= 4 && lines[index - 2] == "# [[feature]]")
        .map(|index| {
            let title = lines[index - 4];
            assert!(title.ends_with(" in the last 30 days"), "{title}");
            let amounts = dollars_in(title.rsplit_once(": ").unwrap().1);
            assert_eq!(amounts.len(), 1, "{title}");
            amounts[0]
        })
        .collect()
}

#[test]
fn init_summary_prints_what_it_wrote_and_synced() {
    let dir = tempfile::tempdir().unwrap();
    let sources = crate::support::small_demo_sources(dir.path());
    let mock = MockAdminApi::start(MockData::from_demo_dir(&sources).unwrap(), MockConfig::new(KEY)).unwrap();
    let data = dir.path().join("data");
    let listing = |name: &str| read_json(&sources.join(format!("admin/{name}.json")))["data"].as_array().unwrap().clone();
    let (workspaces, keys, users) = (listing("workspaces"), listing("api_keys"), listing("users"));

    let first = read_summary(&String::from_utf8(init(&data, &mock.base_url(), Some(KEY), &[]).stdout).unwrap());
    // The directory: the listings the mock served, and what the store now holds.
    assert_eq!(
        (first.workspaces, first.api_keys, first.users),
        (Decimal::from(workspaces.len()), Decimal::from(keys.len()), Decimal::from(users.len()))
    );
    let status = json(&data, &["status", "--json"]);
    assert_eq!(
        Decimal::from(status["sources"]["admin_directory"]["directory_rows"].as_u64().unwrap()),
        first.workspaces + first.api_keys + first.users
    );
    // The 30 days ending on --until, both inclusive.
    assert_eq!((first.since.as_str(), first.until.as_str()), ("2026-10-02", "2026-10-31"));
    // The spend: the vendor's pages summed here, the ledger's report over the same days, and the
    // draft's per-workspace figures (each rounded to the cent on its own).
    let vendor = cost_report_total(&sources, &first.since, &first.until);
    assert!(vendor > Decimal::ZERO);
    assert_eq!(first.spend, cents(vendor), "the printed spend against the cost report pages");
    let report = json(&data, &["report", "--since", &first.since, "--until", &first.until, "--json"]);
    assert_eq!(first.spend, cents(dec(&report["total_usd"])), "the printed spend against report --json");
    // The files it names, as it says it left them.
    assert_eq!(first.config, data.join("config.toml"));
    let config = std::fs::read_to_string(&first.config).unwrap();
    assert!(config.contains(&format!("admin_key = \"{KEY}\"")));
    assert_eq!(std::fs::metadata(&first.config).unwrap().permissions().mode() & 0o777, 0o600, "mode 600, as printed");
    assert!(
        line_starting(&String::from_utf8(init(&data, &mock.base_url(), None, &[]).stdout).unwrap(), "config.toml: ")
            .contains(": unchanged: ")
    );
    assert_eq!(first.orgmap, data.join("orgmap.toml"));
    assert_eq!(first.orgmap_said, "drafted: every workspace and API key, commented out");
    let draft = std::fs::read_to_string(&first.orgmap).unwrap();
    let by_workspace = drafted(&draft, "workspaces");
    assert_eq!(by_workspace.len(), workspaces.len() + 1, "every workspace and the Default one");
    assert_eq!(drafted(&draft, "api_keys").len(), keys.len());
    let drafted_total: Decimal = by_workspace.iter().sum();
    let tolerance = Decimal::new(5, 3) * Decimal::from(by_workspace.len());
    assert!((drafted_total - first.spend).abs() <= tolerance, "draft {drafted_total} against printed {}", first.spend);

    // Again on an organisation with a new workspace and a new key: the counts it prints are the
    // entries it appended.
    let creator = users[0]["id"].as_str().unwrap();
    let grown = MockData::from_demo_dir(&sources)
        .unwrap()
        .with_workspaces([value!({"id": "wrkspc_01NEWtext", "type": "workspace", "name": "Text", "created_at": "2026-10-20T09:00:00Z", "archived_at": null})])
        .with_api_keys([value!({"id": "apikey_01NEWtext", "type": "api_key", "name": "text-agent", "workspace_id": "wrkspc_01NEWtext",
            "created_at": "2026-10-21T09:00:00Z", "created_by": {"id": creator, "type": "user"}, "status": "active"})]);
    let grown = MockAdminApi::start(grown, MockConfig::new(KEY)).unwrap();
    let second = read_summary(&String::from_utf8(init(&data, &grown.base_url(), None, &[]).stdout).unwrap());
    assert_eq!(
        (second.workspaces, second.api_keys, second.users),
        (first.workspaces + Decimal::ONE, first.api_keys + Decimal::ONE, first.users)
    );
    assert_eq!(second.spend, first.spend, "the new key spent nothing");
    let merged = std::fs::read_to_string(&second.orgmap).unwrap();
    let added = merged.strip_prefix(draft.as_str()).expect("the draft is kept and appended to");
    let said = &second.orgmap_said;
    assert!(said.starts_with("kept as you left it, with ") && said.ends_with(" added at its end"), "{said}");
    assert_eq!(leading_number(between(said, "with ", " new workspace(s)")), Decimal::from(drafted(added, "workspaces").len()), "{said}");
    assert_eq!(leading_number(between(said, " and ", " new API key(s)")), Decimal::from(drafted(added, "api_keys").len()), "{said}");
    assert_eq!(drafted(added, "api_keys"), [Decimal::ZERO]);

    // And what `init --json` says of the same organisation.
    let view: Value = serde_json::from_slice(&init(&data, &grown.base_url(), None, &["--json"]).stdout).unwrap();
    assert_eq!((dec(&view["workspaces"]), dec(&view["api_keys"]), dec(&view["users"])), (second.workspaces, second.api_keys, second.users));
    assert_eq!(
        (view["spend_since"].as_str().unwrap(), view["spend_until"].as_str().unwrap()),
        (second.since.as_str(), second.until.as_str())
    );
    assert_eq!(cents(dec(&view["spend_usd"])), second.spend);
    assert_eq!(
        (PathBuf::from(view["config"].as_str().unwrap()), PathBuf::from(view["orgmap"].as_str().unwrap())),
        (second.config, second.orgmap)
    );
}

/// A reader that goes away before the answer is printed (`spendlens ledger --json | head -c0`)
/// ends the command quietly with success: no panic, no backtrace. The read end is closed before
/// the command writes a byte, so the write fails whatever the pipe's buffer holds.
#[test]
fn a_reader_that_goes_away_ends_the_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["demo", "--engineers", "16", "--days", "45"]);
    for args in [&["ledger", "--json"][..], &["report"][..]] {
        let mut child = spendlens_command(&data).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{args:?}: {:?}\n{stderr}", output.status);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
