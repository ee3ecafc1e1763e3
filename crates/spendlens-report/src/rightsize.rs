//! Claude Code right-sizing as text: the seat review (`spendlens seats`) and the discipline and
//! path-fit insights (`spendlens cc insights`).

use rust_decimal::Decimal;
use spendlens_analysis::insights::Insights;
use spendlens_analysis::rightsize::SeatReview;

use crate::table::Table;

fn or_dash<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_string(), |value| value.to_string())
}

fn percent(value: Option<Decimal>) -> String {
    value.map_or_else(|| "-".to_string(), |value| format!("{:.1}%", crate::tenths(value * Decimal::ONE_HUNDRED)))
}

/// `spendlens seats` as text.
pub fn seats_text(review: &SeatReview) -> String {
    let plan = &review.plan;
    let mut out = format!(
        "Claude Code seats · {} · as of {} · idle after {} days\n\
         Seats {} now, {} recommended · {} a month now, {} recommended\n\n",
        review.period.label(),
        review.as_of,
        review.idle_days,
        plan.seats_now,
        plan.seats_recommended,
        plan.monthly_usd_now,
        plan.monthly_usd_recommended
    );
    let mut table = Table::new(&["Action", "Engineer", "Team", "To", "Impact/month>"]);
    for item in &review.recommendations {
        table.row(vec![
            item.action.clone(),
            item.email.clone(),
            or_dash(item.team.as_deref()),
            or_dash(item.to_plan.as_deref()),
            item.monthly_impact_usd.to_string(),
        ]);
    }
    if table.is_empty() {
        out += "No recommendation: every seat is used and every engineer on the path that suits their use.\n";
    } else {
        out += &table.render(0);
        for item in &review.recommendations {
            out += &format!("\n{} · {}\n", item.action, item.email);
            for line in &item.evidence {
                out += &format!("  - {line}\n");
            }
        }
    }
    let mut engineers = Table::new(&[
        "Engineer",
        "Team",
        "Billing",
        "Seat",
        "Fee>",
        "Active days>",
        "Last active",
        "Sessions>",
        "Lines>",
        "Commits>",
        "PRs>",
        "Use at API rates>",
        "API keys>",
    ]);
    for engineer in &review.engineers {
        engineers.row(vec![
            engineer.email.clone(),
            or_dash(engineer.team.as_deref()),
            engineer.billing.clone(),
            or_dash(engineer.seat_type.as_deref()),
            or_dash(engineer.seat_monthly_usd),
            engineer.active_days.to_string(),
            or_dash(engineer.last_active),
            engineer.sessions.to_string(),
            engineer.lines_accepted.to_string(),
            engineer.commits.to_string(),
            engineer.pull_requests.to_string(),
            engineer.usage_value_usd.to_string(),
            engineer.api_key_usd.to_string(),
        ]);
    }
    out += "\nEngineers (activity from every source, each day once; use and keys a month):\n";
    out += &engineers.render(0);
    let mut plans = Table::new(&["Plan", "Fee/month>", "Claude Code", "Use limit/month>", "Figures"]);
    for plan in &review.plans {
        plans.row(vec![
            plan.name.clone(),
            plan.monthly_usd.to_string(),
            if plan.claude_code { "yes" } else { "no" }.to_string(),
            or_dash(plan.usage_limit_usd),
            if plan.confirmed { "confirmed" } else { "UNCONFIRMED default" }.to_string(),
        ]);
    }
    out += "\nSeat plans (config.toml [seats] over the defaults, and the roster):\n";
    out += &plans.render(0);
    out
}

/// `spendlens cc insights` as text.
pub fn insights_text(insights: &Insights) -> String {
    let mut out = format!(
        "Claude Code discipline · {} · most capable model {}\n\n",
        insights.period.label(),
        insights.most_capable_model.as_deref().unwrap_or("-")
    );
    let mut teams = Table::new(&[
        "Team",
        "Engineers>",
        "Active days>",
        "Sessions>",
        "Use/month>",
        "Context/session>",
        "Cache hits>",
        "Capable on routine>",
        "Sessions/day>",
    ]);
    for team in &insights.teams {
        teams.row(vec![
            team.team.clone(),
            team.engineers.to_string(),
            team.active_engineer_days.to_string(),
            team.sessions.to_string(),
            team.usage_value_usd.to_string(),
            or_dash(team.context_per_session),
            percent(team.cache_hit_rate),
            percent(team.most_capable_share_on_routine),
            or_dash(team.sessions_per_active_day),
        ]);
    }
    out += &teams.render(0);
    out += "\nIntensity (lumpiness read as where effort went, not flagged):\n";
    for team in &insights.teams {
        out += &format!("  {}: {}\n", team.team, team.intensity);
    }
    out += "\nOutliers against the peer median:\n";
    if insights.outliers.is_empty() {
        out += "  none\n";
    }
    for outlier in &insights.outliers {
        out += &format!(
            "  {} · {} {} (peers {}) · costs {} a month against the median\n",
            outlier.email, outlier.metric, outlier.value, outlier.peer_median, outlier.monthly_cost_vs_median_usd
        );
        for line in &outlier.evidence {
            out += &format!("    - {line}\n");
        }
    }
    out += "\nPath fit:\n";
    if insights.path_fit.is_empty() {
        out += "  every key's traffic fits its path\n";
    }
    for fit in &insights.path_fit {
        let who = fit.name.clone().or_else(|| fit.api_key_id.clone()).or_else(|| fit.email.clone()).unwrap_or_default();
        out += &format!("  {who} · {} · {} a month there, {} now\n", fit.direction, fit.monthly_usd, fit.current_monthly_usd);
        for line in &fit.evidence {
            out += &format!("    - {line}\n");
        }
    }
    let mut engineers = Table::new(&[
        "Engineer",
        "Team",
        "Active days>",
        "Sessions>",
        "Lines>",
        "Use/month>",
        "Context/session>",
        "Context/line>",
        "Cache hits>",
        "Routine days>",
        "Capable on routine>",
    ]);
    for engineer in &insights.engineers {
        engineers.row(vec![
            engineer.email.clone(),
            or_dash(engineer.team.as_deref()),
            engineer.active_days.to_string(),
            engineer.sessions.to_string(),
            engineer.lines_accepted.to_string(),
            engineer.usage_value_usd.to_string(),
            or_dash(engineer.context_per_session),
            or_dash(engineer.context_per_line),
            percent(engineer.cache_hit_rate),
            engineer.routine_days.to_string(),
            percent(engineer.most_capable_share_on_routine),
        ]);
    }
    out += "\nEngineers:\n";
    out += &engineers.render(0);
    out
}
