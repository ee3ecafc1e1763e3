//! The text of the smaller answers: the store's status, a sync, the cross-check, a
//! reconciliation, the ledger's placements and ingest summaries (the `cc` views are in `claude_code`). Each
//! takes the application layer's answer and lays it out; none computes a figure.

use spendlens_analysis::{Cause, CrossCheck};
use spendlens_app::ingest::Ingested;
use spendlens_app::reconcile::Reconciled;
use spendlens_app::transcripts::TranscriptsIngested;
use spendlens_app::views::{LedgerView, StatusView, SyncView};
use spendlens_model::{Money, Source};

use crate::table::Table;

/// `spendlens status` as text.
pub fn status_text(status: &StatusView) -> String {
    let mut out = format!("ledger: {}\n", status.data_dir.display());
    match (status.first_day, status.last_day) {
        (Some(first), Some(last)) => out += &format!("data from {first} to {last}\n"),
        _ => out += "empty: run `spendlens demo` or ingest your sources\n",
    }
    let mut table = Table::new(&["Source", "Usage rows>", "Cost rows>", "Tokens>", "Stored cost>"]);
    for (source, totals) in &status.sources {
        let billed = if matches!(source, Source::AdminCost | Source::AdminAnalyticsCost | Source::Roster | Source::Invoice) {
            totals.cost_usd.to_string()
        } else {
            "-".into()
        };
        table.row(vec![source.to_string(), totals.usage_rows.to_string(), totals.cost_rows.to_string(), totals.tokens.to_string(), billed]);
    }
    out += &table.render(0);
    if !status.unknown_values.is_empty() {
        out += "Values this build does not know (kept as written; billed where a billing source bills them, never priced by guess):\n";
        for value in &status.unknown_values {
            out += &format!("  {}\n", crate::summary::unknown_value_text(value));
        }
    }
    if status.has_both_cost_sources() {
        out += "The cost report and the Cost Analytics endpoint describe the same spend: the ledger bills the cost report's days \
                from it and only the other days from Cost Analytics (`spendlens report` shows the billed total and which source \
                carried it).\n";
    }
    out
}

/// `spendlens sync` as text: each endpoint's lines and window.
pub fn sync_text(sync: &SyncView) -> String {
    let mut out = String::new();
    for (name, endpoint) in &sync.endpoints {
        let period = spendlens_model::Period::new(endpoint.start, endpoint.end);
        out += &format!("{name}: {} lines for {}\n", endpoint.lines.unwrap_or(0), period.label());
    }
    out += &format!("directory: {} entries; {} requests\n", sync.directory_entries, sync.requests);
    for failure in &sync.failures {
        out += &format!(
            "{}: FAILED, nothing stored past its last whole chunk ({})\n",
            failure.endpoint,
            if failure.bad_data { "bad data" } else { "remote failure" }
        );
    }
    out
}

/// `spendlens crosscheck` as text: the causes, then the rows (differences, or all with `all`).
pub fn crosscheck_text(check: &CrossCheck, all: bool) -> String {
    let mut out = format!(
        "crosscheck {} · usage report priced {} · cost report {} · {} day × workspace × model groups\n",
        check.period.label(),
        check.priced_usd,
        check.billed_usd,
        check.rows.len()
    );
    let mut causes = Table::new(&["Cause", "Groups>", "Difference>", "Meaning"]);
    for (cause, (groups, difference)) in &check.by_cause {
        causes.row(vec![format!("{cause:?}"), groups.to_string(), difference.to_string(), cause.explain().to_string()]);
    }
    out += &causes.render(2);
    let mut rows = Table::new(&["Day", "Workspace", "Model", "Priced>", "Billed>", "Difference>", "Cause"]);
    for row in check.rows.iter().filter(|row| all || row.cause != Cause::Matched) {
        rows.row(vec![
            row.day.to_string(),
            row.workspace_id.clone().unwrap_or_else(|| "(default)".into()),
            row.model.clone(),
            row.priced_usd.to_string(),
            row.billed_usd.to_string(),
            row.difference_usd.to_string(),
            format!("{:?}", row.cause),
        ]);
    }
    if !rows.is_empty() {
        out += "\n";
        out += &rows.render(2);
    }
    out
}

/// `spendlens reconcile` as text: each invoice line beside what the ledger holds, then the paths
/// and the residuals.
pub fn reconcile_text(reconciled: &Reconciled) -> String {
    let result = &reconciled.view.reconciliation;
    let mut out = format!(
        "reconcile {} · invoice {} · ledger {} · difference {}\n",
        reconciled.view.month, result.invoice_total_usd, result.ledger_total_usd, result.residual_total_usd
    );
    if reconciled.view.self_check {
        out += "self-check: no invoice given (--invoice FILE); the month's cost report and seat fees stand in for one, so this \
                checks the ledger against its own sources, not against a bill\n";
    }
    let mut table = Table::new(&["#>", "Invoice line", "Billed>", "In ledger>", "Residual>", "Cause"]);
    for line in &reconciled.lines {
        let mapped: Money =
            result.lines.iter().filter(|l| l.invoice_line == Some(line.number) && l.cause.is_none()).map(|l| l.amount_usd).sum();
        let residual = result.lines.iter().find(|l| l.invoice_line == Some(line.number) && l.cause.is_some());
        table.row(vec![
            line.number.to_string(),
            line.description.clone(),
            line.amount.to_string(),
            mapped.to_string(),
            residual.map_or_else(|| "-".into(), |r| r.amount_usd.to_string()),
            residual.and_then(|r| r.cause).map_or_else(String::new, |cause| cause.explain().to_string()),
        ]);
    }
    out += &table.render(2);
    let mut by_path: std::collections::BTreeMap<String, Money> = std::collections::BTreeMap::new();
    for line in result.lines.iter().filter(|l| l.cause.is_none()) {
        *by_path.entry(line.path.as_str().to_string()).or_default() += line.amount_usd;
    }
    out += "\n";
    for (path, amount) in by_path {
        out += &format!("  {path:<12} {amount:>14}\n");
    }
    for (cause, amount) in &result.residuals {
        out += &format!("  residual {:<24} {amount:>14}  {}\n", format!("{cause:?}"), cause.explain());
    }
    out
}

/// `spendlens ledger` as text: one placement per row, largest first.
pub fn ledger_text(view: &LedgerView) -> String {
    let mut table = Table::new(&["Spend>", "Path", "Driver", "API key", "Source", "Why"]);
    for placement in &view.placements {
        table.row(vec![
            placement.total_usd.to_string(),
            placement.path.to_string(),
            placement.driver.label(),
            placement.api_key.clone().unwrap_or_else(|| "-".into()),
            placement.source.to_string(),
            placement.rule.clone(),
        ]);
    }
    let mut out = format!("ledger · {} · {} placements · {}\n", view.period.label(), view.placements.len(), view.total_usd);
    if !table.is_empty() {
        out += &table.render(0);
    }
    out
}

/// What an ingest stored, and the first twenty lines it could not read.
pub fn ingested_text(what: &str, ingested: &Ingested) -> String {
    let mut out = format!("{what}: {} lines from {} file(s)\n", ingested.lines, ingested.files);
    out += &problems_text(&ingested.problems);
    out
}

/// What an incremental transcript ingest did.
pub fn transcripts_text(ingested: &TranscriptsIngested) -> String {
    let mut out = format!(
        "transcripts: read {} of {} file(s), {} bytes; {} response(s) stored over {} day(s)\n",
        ingested.files_read, ingested.files_found, ingested.bytes_read, ingested.responses_stored, ingested.days_rewritten
    );
    if ingested.incomplete_tails > 0 {
        out += &format!("  {} half-written last line(s) left for the next run\n", ingested.incomplete_tails);
    }
    if !ingested.skipped_usage.is_empty() {
        let kinds: Vec<String> = ingested.skipped_usage.iter().map(|(kind, count)| format!("{count} of type {kind}")).collect();
        out += &format!(
            "  {} line(s) carrying message.usage skipped as not an assistant reply ({}); ccusage counts them\n",
            ingested.skipped_usage.values().sum::<u64>(),
            kinds.join(", ")
        );
    }
    out += &problems_text(&ingested.problems);
    out
}

fn problems_text(problems: &[String]) -> String {
    let mut out = String::new();
    for problem in problems.iter().take(20) {
        out += &format!("  skipped {problem}\n");
    }
    if problems.len() > 20 {
        out += &format!("  ... and {} more unreadable lines\n", problems.len() - 20);
    }
    out
}
