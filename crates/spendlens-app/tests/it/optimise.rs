//! The optimiser on the demo organisation against the generator's own arithmetic (its ground
//! truth): the planted routing, caching and batch opportunities found and ranked first, savings
//! realised equal to the counterfactual the generator computed, repricing equal to the cost
//! report's rows scaled by hand.

use rust_decimal::Decimal;
use spendlens_analysis::optimise::Confidence;
use spendlens_app::{App, Settings};
use spendlens_demo::{DemoConfig, GroundTruth};
use spendlens_model::{Lever, Money, Period};

struct Demo {
    _dir: tempfile::TempDir,
    app: App,
    truth: GroundTruth,
    window: Period,
}

fn demo(adopt_routing_on: Option<&str>) -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let app = App::new(Settings { data_dir: dir.path().join("data"), prices: None });
    let config = DemoConfig {
        engineers: 8,
        days: 60,
        end: "2026-10-31".parse().unwrap(),
        transcript_engineers: 0,
        adopt_routing_on: adopt_routing_on.map(|day| day.parse().unwrap()),
        ..DemoConfig::default()
    };
    let files = app.write_demo(&config, &dir.path().join("sources")).unwrap();
    app.ingest_demo(&config, &files, &spendlens_app::ingest::Quiet, &mut |_| {}).unwrap();
    let truth = spendlens_demo::generate(&config, app.price_book().unwrap()).unwrap().ground_truth;
    let window = Period::new(truth.window_start, truth.window_end.succ_opt().unwrap());
    Demo { _dir: dir, app, truth, window }
}

/// 365.2425 / 12 days over the window's days, as the optimiser's monthly figures use.
fn per_month(window: Period) -> Decimal {
    Decimal::new(304_366_875, 7) / Decimal::from(window.days())
}

fn within(found: Money, expected: Money, tolerance: &str) -> bool {
    let tolerance: Decimal = tolerance.parse().unwrap();
    (found.as_decimal() - expected.as_decimal()).abs() <= expected.as_decimal().abs() * tolerance
}

#[test]
fn the_planted_opportunities_are_found_ranked_first_and_priced_against_the_truth() {
    let demo = demo(None);
    let answer = demo.app.optimise(demo.window, None).unwrap();
    let month = per_month(demo.window);
    let find = |feature: &str, lever: Lever| {
        answer.opportunities.iter().find(|o| o.feature == feature && o.lever == lever).unwrap_or_else(|| panic!("{feature} {lever:?}"))
    };

    // Routing: the classifier's tokens on Haiku, the generator's own figure, within 5%.
    let routing = demo.truth.planted.routing.as_ref().unwrap();
    let found = find(&routing.feature, Lever::Routing);
    let expected = (routing.spend_usd - routing.spend_on_suggested_model_usd).scale(month);
    assert!(within(found.monthly_saving_usd, expected, "0.05"), "routing {} against {expected}", found.monthly_saving_usd);
    assert_eq!(found.target_model.as_deref(), Some(routing.suggested_model.as_str()));
    assert_eq!(found.confidence, Confidence::High);

    // Batch: the nightly job at the batch tier, within 5%.
    let batch = demo.truth.planted.batch.as_ref().unwrap();
    let found = find(&batch.feature, Lever::Batch);
    let expected = (batch.spend_usd - batch.spend_at_batch_tier_usd).scale(month);
    assert!(within(found.monthly_saving_usd, expected, "0.05"), "batch {} against {expected}", found.monthly_saving_usd);
    assert_eq!(found.confidence, Confidence::High);

    // Caching: the support bot's 12,000-token prompt read from cache instead of sent as input.
    // The truth's saving lies between reads at 0.05x and 0.1x input (Sonnet 5.5's read rate fell on
    // 2026-10-07) on the prompt's share of the input spend; the estimate's stated range holds it.
    let caching = demo.truth.planted.caching.as_ref().unwrap();
    let found = find(&caching.feature, Lever::Caching);
    let prompt_share = Decimal::from(caching.system_prompt_tokens * caching.requests) / Decimal::from(caching.uncached_input_tokens);
    let (truth_low, truth_high) = (
        caching.input_spend_usd.scale(prompt_share * Decimal::new(90, 2)).scale(month),
        caching.input_spend_usd.scale(prompt_share * Decimal::new(95, 2)).scale(month),
    );
    assert!(
        found.monthly_saving_low_usd <= truth_low && truth_high <= found.monthly_saving_high_usd,
        "caching range {}..{} against the truth {truth_low}..{truth_high}",
        found.monthly_saving_low_usd,
        found.monthly_saving_high_usd
    );
    assert!(found.assumption.as_deref().unwrap_or_default().contains("stable prefix"));

    // No high-confidence claim anywhere else; the planted ones rank above everything else.
    let planted =
        [(routing.feature.as_str(), Lever::Routing), (batch.feature.as_str(), Lever::Batch), (caching.feature.as_str(), Lever::Caching)];
    for opportunity in &answer.opportunities {
        if !planted.contains(&(opportunity.feature.as_str(), opportunity.lever)) {
            assert_ne!(opportunity.confidence, Confidence::High, "{} {:?} is not planted", opportunity.feature, opportunity.lever);
        }
    }
    let ranks: Vec<usize> = planted
        .iter()
        .map(|(feature, lever)| answer.opportunities.iter().position(|o| o.feature == *feature && o.lever == *lever).unwrap())
        .collect();
    let first_other = answer.opportunities.iter().position(|o| !planted.contains(&(o.feature.as_str(), o.lever))).unwrap_or(usize::MAX);
    // The caching estimate is medium (aggregates only): it ranks first among medium claims.
    assert!(ranks[0] < first_other && ranks[1] < first_other, "{ranks:?} against {first_other}");
    let first_medium_other = answer
        .opportunities
        .iter()
        .position(|o| o.confidence == Confidence::Medium && !planted.contains(&(o.feature.as_str(), o.lever)))
        .unwrap_or(usize::MAX);
    assert!(ranks[2] < first_medium_other, "caching at {} after another medium claim at {first_medium_other}", ranks[2]);

    // The plan: each planted lever in it, the total no more than the stand-alone savings.
    let stand_alone: Money = answer.opportunities.iter().filter(|o| o.planned).map(|o| o.monthly_saving_usd).sum();
    assert!(answer.plan.total_saving_usd <= stand_alone);
    assert_eq!(answer.plan.optimised_baseline_usd, answer.plan.api_spend_usd - answer.plan.total_saving_usd);
    let share = answer.plan.saving_share;
    assert!(share > Decimal::new(30, 2) && share < Decimal::new(75, 2), "the plan saves {share} of API spend");
}

#[test]
fn savings_realised_match_the_generators_counterfactual_to_the_cent() {
    let demo = demo(Some("2026-09-15"));
    let savings = demo.app.savings(demo.window).unwrap();
    let truth = demo.truth.planted.routing_adopted.as_ref().unwrap();
    assert_eq!(savings.adoptions.len(), 1, "{:#?}", savings.adoptions);
    assert_eq!(savings.adoptions[0].since, truth.since, "the adoption is detected on its day");
    assert_eq!(savings.adoptions[0].from_model.as_deref(), Some(truth.from_model.as_str()));
    let found: Vec<(String, Money, Money, Money)> = savings
        .months
        .iter()
        .map(|month| {
            (month.month.clone(), month.actual_usd.round_cents(), month.counterfactual_usd.round_cents(), month.saved_usd.round_cents())
        })
        .collect();
    let expected: Vec<(String, Money, Money, Money)> = truth
        .months
        .iter()
        .map(|month| {
            (month.month.clone(), month.actual_usd.round_cents(), month.counterfactual_usd.round_cents(), month.saved_usd.round_cents())
        })
        .collect();
    assert_eq!(found, expected);
    assert!(savings.method.contains("counterfactual"));

    // Without an adoption nothing is claimed (the spike week's model switch does not last).
    let plain = demo_without_adoption();
    assert!(plain.is_empty(), "{plain:#?}");
}

fn demo_without_adoption() -> Vec<spendlens_analysis::savings::Adoption> {
    let demo = demo(None);
    demo.app.savings(demo.window).unwrap().adoptions
}

#[test]
fn repricing_a_discount_scales_exactly_the_models_it_names() {
    let demo = demo(None);
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("contract.toml");
    std::fs::write(&book, "[[discount]]\nmodels = \"claude-sonnet-*\"\nmultiplier = \"0.8\"\n").unwrap();
    let october = Period::parse_month("2026-10").unwrap();
    let repricing = demo.app.reprice(october, &book).unwrap();
    // The generator's cost report of October: Sonnet's token rows lose 20% (a discount scales
    // token components only; web search is a server tool), nothing else moves.
    let sonnet: Money = demo
        .app
        .lake()
        .unwrap()
        .cost_lines_of(spendlens_model::Source::AdminCost, Some(october))
        .unwrap()
        .iter()
        .filter(|line| line.kind == spendlens_model::CostKind::Tokens)
        .filter(|line| line.model.as_deref().is_some_and(|model| model.starts_with("claude-sonnet")))
        .map(|line| line.amount)
        .sum();
    assert!(!sonnet.is_zero());
    assert_eq!(repricing.delta_usd.round_cents(), (Money::ZERO - sonnet.scale(Decimal::new(2, 1))).round_cents());
    assert_eq!(repricing.delta_usd, repricing.repriced_usd - repricing.current_usd);
    let by_model_delta: Money = repricing.by_model.values().map(|row| row.delta_usd).sum();
    assert_eq!(by_model_delta, repricing.delta_usd);
    for (model, row) in &repricing.by_model {
        if !model.starts_with("claude-sonnet") {
            assert!(row.delta_usd.is_zero(), "{model} moved");
        }
    }
}

/// The optimiser's kept months (`DATA_DIR/cache/optimise-*.json`) files.
fn kept_months(demo: &Demo) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(demo._dir.path().join("data").join("cache")) else { return Vec::new() };
    let mut kept: Vec<_> = entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.file_name().unwrap().to_string_lossy().starts_with("optimise-"))
        .collect();
    kept.sort();
    kept
}

fn answer_json(demo: &Demo) -> String {
    spendlens_app::views::to_json(&demo.app.optimise(demo.window, None).unwrap()).unwrap()
}

/// What a run that keeps nothing answers: every month's ledger assembled again.
fn assembled_json(demo: &Demo) -> String {
    std::fs::remove_dir_all(demo._dir.path().join("data").join("cache")).unwrap();
    let answer = answer_json(demo);
    assert!(!kept_months(demo).is_empty());
    answer
}

#[test]
fn kept_months_answer_as_the_ledgers_do_are_read_and_follow_writes() {
    let demo = demo(None);
    assert!(kept_months(&demo).is_empty(), "nothing is kept before the optimiser is asked");
    assert_eq!(demo.app.refresh_api_months().unwrap(), 0, "a write makes no month never asked about");
    assert!(kept_months(&demo).is_empty());
    let first = answer_json(&demo);
    // The window is September's last 29 days (a part of a month: never kept) and October.
    let kept = kept_months(&demo);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(answer_json(&demo), first, "answered from the kept month");

    // The kept month is what the second run read: dollars changed in it show in the answer.
    let mut month: serde_json::Value = serde_json::from_slice(&std::fs::read(&kept[0]).unwrap()).unwrap();
    let billed = month["answer"]["billing"]["billed"].as_object_mut().unwrap();
    assert!(!billed.is_empty());
    for amount in billed.values_mut() {
        *amount = serde_json::Value::String("1000000".into());
    }
    std::fs::write(&kept[0], serde_json::to_vec(&month).unwrap()).unwrap();
    let tampered = demo.app.optimise(demo.window, None).unwrap();
    let spend = |json: &str| -> Money {
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        value["plan"]["api_spend_usd"].as_str().unwrap().parse().unwrap()
    };
    assert!(tampered.plan.api_spend_usd > spend(&first) + Money::from_cents(10_000_000), "the kept month was not read");

    // A write the month depends on (here the org map, with a feature that claims no traffic)
    // makes it stale: the write remakes it, and the answer is the assembled one again.
    let orgmap = demo._dir.path().join("orgmap.toml");
    let mut text = std::fs::read_to_string(demo._dir.path().join("data").join("orgmap.toml")).unwrap();
    text.push_str(
        "\n[[feature]]\nname = \"claims-nothing\"\napi_keys = [\"apikey_claims_nothing\"]\napi_key_names = []\nworkspaces = []\n",
    );
    std::fs::write(&orgmap, text).unwrap();
    demo.app.install_orgmap(&orgmap).unwrap();
    assert_eq!(demo.app.refresh_api_months().unwrap(), 0, "the install left nothing stale");
    let remade = std::fs::read(&kept[0]).unwrap();
    assert!(!String::from_utf8_lossy(&remade).contains("\"1000000\""), "the write did not remake the month");
    let after_write = answer_json(&demo);
    assert_eq!(after_write, first, "a feature claiming nothing changes no answer");
    assert_eq!(assembled_json(&demo), after_write);

    // A kept month that cannot be read is assembled again, and kept whole again.
    let kept = kept_months(&demo);
    let bytes = std::fs::read(&kept[0]).unwrap();
    std::fs::write(&kept[0], &bytes[..bytes.len() / 2]).unwrap();
    assert_eq!(answer_json(&demo), first);
    assert_eq!(std::fs::read(&kept[0]).unwrap().len(), bytes.len());
}
