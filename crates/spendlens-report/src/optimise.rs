//! The optimiser's answers as text: opportunities ranked by monthly saving, then the plan.

use spendlens_analysis::optimise::Optimisation;
use spendlens_analysis::reprice::{Repriced, Repricing};
use spendlens_analysis::savings::Savings;

use crate::table::Table;

/// `spendlens optimise` as text.
pub fn optimise_text(optimisation: &Optimisation) -> String {
    let plan = &optimisation.plan;
    let mut out = format!(
        "API optimiser · {} · API spend {} a month · the plan saves {} ({:.1}%): optimised baseline {}\n\n",
        optimisation.period.label(),
        plan.api_spend_usd,
        plan.total_saving_usd,
        crate::tenths(plan.saving_share * rust_decimal::Decimal::ONE_HUNDRED),
        plan.optimised_baseline_usd
    );
    let mut table = Table::new(&["Feature", "Lever", "Target", "Saving/month>", "Range>", "Confidence", "Plan"]);
    for opportunity in &optimisation.opportunities {
        let range = if opportunity.monthly_saving_low_usd == opportunity.monthly_saving_high_usd {
            String::new()
        } else {
            format!("{}-{}", opportunity.monthly_saving_low_usd, opportunity.monthly_saving_high_usd)
        };
        table.row(vec![
            opportunity.feature.clone(),
            opportunity.lever.as_str().to_string(),
            opportunity.target_model.clone().unwrap_or_default(),
            opportunity.monthly_saving_usd.to_string(),
            range,
            opportunity.confidence.as_str().to_string(),
            match (opportunity.status, opportunity.planned) {
                (Some(status), _) => status.as_str().to_string(),
                (None, true) => "yes".to_string(),
                (None, false) => "no".to_string(),
            },
        ]);
    }
    if table.is_empty() {
        out += "No opportunities: every feature is on its cheapest sufficient model, cached and batched where its traffic allows.\n";
    } else {
        out += &table.render(0);
    }
    for opportunity in &optimisation.opportunities {
        out += &format!(
            "\n{} · {} ({}): {}\n",
            opportunity.feature,
            opportunity.lever.as_str(),
            opportunity.confidence.as_str(),
            opportunity.confidence_reason
        );
        for line in &opportunity.evidence {
            out += &format!("  - {line}\n");
        }
        if let Some(assumption) = &opportunity.assumption {
            out += &format!("  assumes: {assumption}\n");
        }
        out += &format!("  do: {}\n", opportunity.action);
    }
    let mut features = Table::new(&["Feature", "Spend/month>", "Levers", "Saving>", "Optimised>"]);
    for feature in &plan.features {
        features.row(vec![
            feature.feature.clone(),
            feature.spend_usd.to_string(),
            feature.levers.iter().map(|lever| lever.as_str()).collect::<Vec<_>>().join(" + "),
            feature.saving_usd.to_string(),
            feature.optimised_usd.to_string(),
        ]);
    }
    out += "\nThe plan (routing, then caching on the routed traffic, then batch; each lever the org map accepts, routing found with high confidence, caching and batch with high or medium):\n";
    out += &features.render(0);
    if optimisation.unpriced_lines > 0 {
        out += &format!("\n{} usage lines of models the price book does not know are left out.\n", optimisation.unpriced_lines);
    }
    out
}

/// `spendlens savings` as text.
pub fn savings_text(savings: &Savings) -> String {
    let mut out = format!("Savings realised · {} · {} saved\n", savings.period.label(), savings.total_saved_usd);
    if savings.adoptions.is_empty() {
        out += "No lever adopted: record one in the org map ([[lever]] status = \"adopted\", since = \"YYYY-MM-DD\"), or let the traffic show it.\n";
        return out;
    }
    for adoption in &savings.adoptions {
        let models = match (&adoption.from_model, &adoption.to_model) {
            (Some(from), Some(to)) => format!(" ({from} to {to})"),
            _ => String::new(),
        };
        out += &format!(
            "  {} · {}{models} since {} ({})\n",
            adoption.feature,
            adoption.lever.as_str(),
            adoption.since,
            match adoption.found {
                spendlens_analysis::savings::Found::OrgMap => "the org map",
                spendlens_analysis::savings::Found::Detected => "detected",
            }
        );
    }
    let mut table = Table::new(&["Month", "Feature", "Lever", "Actual>", "Counterfactual>", "Saved>"]);
    for month in &savings.months {
        table.row(vec![
            month.month.clone(),
            month.feature.clone(),
            month.lever.as_str().to_string(),
            month.actual_usd.to_string(),
            month.counterfactual_usd.to_string(),
            month.saved_usd.to_string(),
        ]);
    }
    out += "\n";
    out += &table.render(0);
    out += &format!("\nMethod: {}\n", savings.method);
    out
}

/// `spendlens reprice` as text.
pub fn reprice_text(repricing: &Repricing) -> String {
    let mut out = format!(
        "Repriced · {} · today {} · other book {} · change {}\n",
        repricing.period.label(),
        repricing.current_usd,
        repricing.repriced_usd,
        crate::summary::signed(repricing.delta_usd)
    );
    let section = |title: &str, rows: &std::collections::BTreeMap<String, Repriced>| -> String {
        if rows.is_empty() {
            return String::new();
        }
        let mut table = Table::new(&[title, "Today>", "Other book>", "Change>"]);
        for (name, row) in rows {
            table.row(vec![name.clone(), row.current_usd.to_string(), row.repriced_usd.to_string(), crate::summary::signed(row.delta_usd)]);
        }
        format!("\n{}", table.render(0))
    };
    out += &section("Path", &repricing.by_path);
    out += &section("Feature", &repricing.by_feature);
    out += &section("Team", &repricing.by_team);
    out += &section("Model", &repricing.by_model);
    if repricing.unpriced_lines > 0 {
        out += &format!("\n{} lines of models a book does not know are left out.\n", repricing.unpriced_lines);
    }
    out
}
