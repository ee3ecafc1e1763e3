//! The forecast, its backtest and the commitment as text, and the commitment's negotiation brief
//! in Markdown. Every figure arrives computed by `spendlens-app`; nothing here adds or divides
//! beyond turning fractions into percentages.

use rust_decimal::Decimal;
use spendlens_app::forecast::{BacktestPath, BacktestView, CommitPath, CommitView, ForecastView, Level, PathView};

use crate::table::Table;

/// A fraction as a percentage to a tenth of a point, rounded half away from zero as money is
/// (Decimal's own `{:.1}` cuts the digits off: 12.75% would print 12.7%).
fn percent(fraction: Decimal) -> String {
    format!("{:.1}%", crate::tenths(fraction * Decimal::ONE_HUNDRED))
}

fn path_name(key: &str) -> &str {
    match key {
        "claude_code" => "Claude Code",
        "api" => "API",
        "total" => "Total",
        other => other,
    }
}

fn months_table(forecast: &ForecastView) -> Table {
    let mut table = Table::new(&["Month", "Path", "P10>", "P50>", "P90>"]);
    let mut rows: Vec<(&str, &PathView)> = forecast.paths.iter().map(|(key, view)| (key.as_str(), view)).collect();
    rows.push(("total", &forecast.total));
    let months = forecast.total.months.len();
    for index in 0..months {
        for (key, view) in &rows {
            if let Some(month) = view.months.get(index) {
                table.row(vec![
                    month.month.clone(),
                    path_name(key).to_string(),
                    month.p10_usd.to_string(),
                    month.p50_usd.to_string(),
                    month.p90_usd.to_string(),
                ]);
            }
        }
    }
    table
}

/// `spendlens forecast` as text.
pub fn forecast_text(forecast: &ForecastView) -> String {
    let drivers = &forecast.drivers;
    let mut out = format!("Forecast · {} baseline · learned from {}\n\n", drivers.baseline.as_str(), drivers.history.label());
    out += &months_table(forecast).render(0);
    let cc = &drivers.claude_code;
    out += &format!(
        "\nClaude Code = active engineers x cost per active engineer-day + seat fees\n  {} active engineers (last four weeks), {} per active engineer-day, {} open seats; holidays at {} of a usual day{}\n",
        cc.active_engineers,
        cc.cost_per_active_engineer_day_usd,
        cc.seats,
        percent(cc.holiday_factor),
        cc.headcount_plan.as_ref().map(|path| format!("; headcount plan {}", path.display())).unwrap_or_default()
    );
    let mut table = Table::new(&["Month", "Engineers>", "Usage>", "Seat fees>"]);
    for month in &cc.months {
        table.row(vec![
            month.month.clone(),
            month.active_engineers.to_string(),
            month.usage_usd.to_string(),
            month.seat_fees_usd.to_string(),
        ]);
    }
    out += &table.render(2);
    out += "\nAPI = per feature, requests x unit cost\n";
    let mut table = Table::new(&["Feature", "Requests/day>", "Per 1k today>", "Per 1k forecast>", "Model", "Next month>"]);
    for feature in &drivers.api.features {
        table.row(vec![
            feature.feature.clone(),
            feature.requests_per_day.map(|requests| requests.to_string()).unwrap_or_else(|| "-".into()),
            feature.usd_per_1k_requests.map(|usd| usd.to_string()).unwrap_or_else(|| "-".into()),
            feature.forecast_usd_per_1k_requests.map(|usd| usd.to_string()).unwrap_or_else(|| "-".into()),
            feature.model.clone(),
            feature.months.first().map(|month| month.usd.to_string()).unwrap_or_default(),
        ]);
    }
    out += &table.render(2);
    out += &format!("\nMethod: {}\n", drivers.method);
    for note in &drivers.notes {
        out += &format!("Note: {note}\n");
    }
    out
}

/// `spendlens forecast --backtest` as text.
pub fn backtest_text(backtest: &BacktestView) -> String {
    let mut out = format!("Backtest · {} windows of {} days\n\n", backtest.windows, backtest.window_days);
    let mut table = Table::new(&["Path", "MAPE>", "P10-P90 coverage>", "Seasonal-naive MAPE>"]);
    let mut rows: Vec<(&str, &BacktestPath)> = backtest.paths.iter().map(|(key, path)| (key.as_str(), path)).collect();
    rows.push(("total", &backtest.total));
    for (key, path) in rows {
        table.row(vec![path_name(key).to_string(), percent(path.mape), percent(path.coverage_p10_p90), percent(path.naive_mape)]);
    }
    out += &table.render(0);
    out += &format!("\nMethod: {}\n", backtest.method);
    out
}

fn sensitivity_table(levels: &[Level], recommended: spendlens_model::Money) -> Table {
    let mut table = Table::new(&["Commitment>", "Discount>", "Expected cost>", "Expected saving>", "Shortfall>", "Expected waste>", ""]);
    for level in levels {
        table.row(vec![
            level.commitment_usd.to_string(),
            percent(level.discount),
            level.expected_cost_usd.to_string(),
            level.expected_saving_usd.to_string(),
            percent(level.shortfall_probability),
            level.expected_waste_usd.to_string(),
            if level.commitment_usd == recommended { "recommended".into() } else { String::new() },
        ]);
    }
    table
}

fn term_label(commit: &CommitView) -> String {
    match (commit.term.first(), commit.term.last()) {
        (Some(first), Some(last)) => format!("{first} to {last} ({} months)", commit.term.len()),
        _ => String::new(),
    }
}

fn paths_table(commit: &CommitView) -> Table {
    let mut table = Table::new(&["Path", "Spend P10>", "P50>", "P90>", "Commit>", "Saving>", "Shortfall>", "Waste>"]);
    let mut rows: Vec<(&str, &CommitPath)> = commit.paths.iter().map(|(key, path)| (key.as_str(), path)).collect();
    let total = total_path(commit);
    rows.push(("total", &total));
    for (key, path) in rows {
        table.row(vec![
            path_name(key).to_string(),
            path.spend_p10_usd.to_string(),
            path.spend_p50_usd.to_string(),
            path.spend_p90_usd.to_string(),
            path.recommended_commitment_usd.to_string(),
            path.expected_saving_usd.to_string(),
            percent(path.shortfall_probability),
            path.expected_waste_usd.to_string(),
        ]);
    }
    table
}

/// The total's figures in a path's shape.
fn total_path(commit: &CommitView) -> CommitPath {
    CommitPath {
        recommended_commitment_usd: commit.recommended_commitment_usd,
        expected_saving_usd: commit.expected_saving_usd,
        shortfall_probability: commit.shortfall_probability,
        expected_waste_usd: commit.expected_waste_usd,
        expected_spend_usd: commit.expected_spend_usd,
        spend_p10_usd: commit.spend_p10_usd,
        spend_p50_usd: commit.spend_p50_usd,
        spend_p90_usd: commit.spend_p90_usd,
        sensitivity: commit.sensitivity.clone(),
    }
}

/// `spendlens commit` as text.
pub fn commit_text(commit: &CommitView) -> String {
    let mut out = format!(
        "Commitment · {} · {} baseline · overage at {}x list\n\n",
        term_label(commit),
        commit.baseline.as_str(),
        commit.overage_rate.normalize()
    );
    out += &format!(
        "Commit {} over the term: expected saving {} against list, {} chance of a shortfall, expected waste {}.\n\n",
        commit.recommended_commitment_usd,
        commit.expected_saving_usd,
        percent(commit.shortfall_probability),
        commit.expected_waste_usd
    );
    out += &paths_table(commit).render(0);
    out += "\nSensitivity (total)\n";
    out += &sensitivity_table(&commit.sensitivity, commit.recommended_commitment_usd).render(2);
    out
}

/// `spendlens commit --brief FILE.md`: the negotiation brief.
pub fn commit_brief(commit: &CommitView) -> String {
    let forecast = &commit.forecast;
    let drivers = &forecast.drivers;
    let mut out = format!("# Commitment brief: {}\n\n", term_label(commit));
    out += "## Recommendation\n\n";
    out += &format!(
        "Commit **{}** over {} ({} baseline). Expected saving against paying list with no commitment: **{}**. \
         Probability that spend exceeds the commitment (overage at {}x list): **{}**. Expected unused commitment: **{}**.\n\n",
        commit.recommended_commitment_usd,
        term_label(commit),
        commit.baseline.as_str(),
        commit.expected_saving_usd,
        commit.overage_rate.normalize(),
        percent(commit.shortfall_probability),
        commit.expected_waste_usd
    );
    let tiers: Vec<String> =
        commit.tiers.iter().map(|tier| format!("{} off from {}", percent(tier.discount), tier.min_commitment_usd)).collect();
    out += &format!("Discount terms assumed: {}.\n\n", tiers.join("; "));
    out += "## Two separate baselines\n\n";
    out += "Claude Code and the API grow on different drivers; sizing them as one line hides both.\n\n";
    let mut table = Table::new(&["Path", "Term P50 at today's unit costs>", "Term P50 optimised>"]);
    for (key, pair) in &commit.baselines {
        table.row(vec![path_name(key).to_string(), pair.current_p50_usd.to_string(), pair.optimised_p50_usd.to_string()]);
    }
    out += &table.render_markdown();
    out += "\n### Claude Code: engineers x cost per engineer-day + seats\n\n";
    let cc = &drivers.claude_code;
    out += &format!(
        "- {} engineers active in the last four weeks, {} per active engineer-day on usage billing; {} open seats.\n- Holidays run at {} of a usual day; a new joiner counts {} in the month they join.\n{}",
        cc.active_engineers,
        cc.cost_per_active_engineer_day_usd,
        cc.seats,
        percent(cc.holiday_factor),
        cc.new_joiner_ramp.normalize(),
        cc.headcount_plan
            .as_ref()
            .map(|path| format!("- Headcount from the plan {}.\n", path.display()))
            .unwrap_or_else(|| "- No headcount plan: today's active engineers held.\n".into())
    );
    out += "\n### API: per feature, requests x unit cost\n\n";
    let mut table = Table::new(&["Feature", "Requests/day>", "Per 1k today>", "Per 1k in the forecast>"]);
    for feature in &drivers.api.features {
        table.row(vec![
            feature.feature.clone(),
            feature.requests_per_day.map(|requests| requests.to_string()).unwrap_or_else(|| "-".into()),
            feature.usd_per_1k_requests.map(|usd| usd.to_string()).unwrap_or_else(|| "-".into()),
            feature.forecast_usd_per_1k_requests.map(|usd| usd.to_string()).unwrap_or_else(|| "-".into()),
        ]);
    }
    out += &table.render_markdown();
    out += "\n## Optimisation already planned\n\n";
    let plan = &commit.optimisation;
    if plan.features.iter().all(|feature| feature.levers.is_empty()) {
        out += "The optimiser plans no change: the API baseline is today's.\n";
    } else {
        out += &format!(
            "The optimiser's plan saves {} a month of {} API spend ({}): commit on the optimised baseline, not on today's bill.\n\n",
            plan.total_saving_usd,
            plan.api_spend_usd,
            percent(plan.saving_share)
        );
        let mut table = Table::new(&["Feature", "Levers", "Spend/month>", "Saving/month>", "Optimised/month>"]);
        for feature in plan.features.iter().filter(|feature| !feature.levers.is_empty()) {
            table.row(vec![
                feature.feature.clone(),
                feature.levers.iter().map(|lever| lever.as_str()).collect::<Vec<_>>().join(", "),
                feature.spend_usd.to_string(),
                feature.saving_usd.to_string(),
                feature.optimised_usd.to_string(),
            ]);
        }
        out += &table.render_markdown();
    }
    out += "\n## Forecast by month\n\n";
    out += &months_table(forecast).render_markdown();
    out += "\n## Risk\n\n";
    out += &paths_table(commit).render_markdown();
    out += "\nSensitivity of the total commitment:\n\n";
    out += &sensitivity_table(&commit.sensitivity, commit.recommended_commitment_usd).render_markdown();
    out += &format!("\nMethod: {}\n", drivers.method);
    for note in &drivers.notes {
        out += &format!("\nNote: {note}\n");
    }
    out
}
