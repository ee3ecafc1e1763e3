//! Table-driven price tests: one hand-computed row per rule and per model family.

use rust_decimal::Decimal;
use spendlens_model::{ContextWindow, Day, InferenceGeo, Money, Quantities, ServiceTier, Speed, TokenCounts};

use crate::{PriceBook, PriceError, PriceQuery};

fn day(text: &str) -> Day {
    text.parse().unwrap()
}

fn money(text: &str) -> Money {
    text.parse().unwrap()
}

fn tokens(input: u64, write_5m: u64, write_1h: u64, read: u64, output: u64) -> TokenCounts {
    TokenCounts { input, cache_write_5m: write_5m, cache_write_1h: write_1h, cache_read: read, output }
}

struct Case {
    name: &'static str,
    model: &'static str,
    date: &'static str,
    tier: ServiceTier,
    window: ContextWindow,
    geo: InferenceGeo,
    speed: Speed,
    tokens: TokenCounts,
    searches: u64,
    seconds: u64,
    single: bool,
    expected: &'static str,
}

fn case(name: &'static str, model: &'static str, tokens: TokenCounts, expected: &'static str) -> Case {
    Case {
        name,
        model,
        date: "2026-11-01",
        tier: ServiceTier::Standard,
        window: ContextWindow::Base,
        geo: InferenceGeo::Global,
        speed: Speed::Standard,
        tokens,
        searches: 0,
        seconds: 0,
        single: false,
        expected,
    }
}

fn query(case: &Case) -> PriceQuery {
    PriceQuery {
        model: case.model.to_string(),
        date: day(case.date),
        service_tier: case.tier,
        context_window: case.window,
        inference_geo: case.geo,
        speed: case.speed,
        quantities: Quantities {
            tokens: case.tokens,
            web_search_requests: case.searches,
            code_execution_seconds: case.seconds,
            requests: case.single.then_some(1),
        },
    }
}

#[test]
fn hand_computed_prices() {
    let cases = vec![
        // The reference's worked example: (2000x3 + 800x15 + 10000x0.30 + 1500x3.75)/1e6, halved.
        Case {
            tier: ServiceTier::Batch,
            ..case("batch halves every token component", "claude-sonnet-4-5-20250929", tokens(2000, 1500, 0, 10000, 800), "0.0133125")
        },
        // 1000x5 + 2000x10 + 500x25 = 37,500 / 1e6.
        case("1-hour cache writes at 2x input", "claude-opus-4-6", tokens(1000, 0, 2000, 0, 500), "0.0375"),
        case("5-minute cache writes at 1.25x input", "claude-opus-4-5", tokens(0, 1_000_000, 0, 0, 0), "6.25"),
        case("fable: 0.025x cache reads", "claude-fable-5-1", tokens(1_000_000, 0, 0, 1_000_000, 0), "10.25"),
        case("mythos 5: cache read at $1", "claude-mythos-5", tokens(0, 0, 0, 1_000_000, 1_000_000), "51"),
        case("opus 5.5", "claude-opus-5-5", tokens(1_000_000, 0, 1_000_000, 1_000_000, 1_000_000), "32.2"),
        case("opus 4.1 legacy", "claude-opus-4-1-20250805", tokens(0, 0, 0, 0, 1_000_000), "75"),
        case("opus 3 legacy id form", "claude-3-opus-20240229", tokens(1_000_000, 0, 0, 0, 0), "15"),
        case("sonnet 3.7", "claude-3-7-sonnet-20250219", tokens(1_000_000, 0, 0, 0, 1_000_000), "18"),
        case("sonnet 5", "anthropic/claude-sonnet-5", tokens(0, 0, 0, 1_000_000, 0), "0.2"),
        Case {
            date: "2026-10-06",
            ..case("sonnet 5.5 cache read before 2026-10-07", "claude-sonnet-5-5", tokens(0, 0, 0, 1_000_000, 0), "0.2")
        },
        Case {
            date: "2026-10-07",
            ..case("sonnet 5.5 cache read from 2026-10-07", "claude-sonnet-5-5", tokens(0, 0, 0, 1_000_000, 0), "0.1")
        },
        case("haiku 4.5", "claude-haiku-4-5-20251001", tokens(10_000, 0, 0, 0, 1_000), "0.015"),
        case("haiku 3.5 legacy", "claude-3-5-haiku-20241022", tokens(1_000_000, 0, 0, 0, 0), "0.8"),
        case("haiku 3", "claude-3-haiku-20240307", tokens(1_000_000, 0, 0, 1_000_000, 0), "0.28"),
        // 90,000 x 0.10 + 1,000 x 0.50 (under the 100k boundary).
        Case { single: true, ..case("haiku 5.5 under 100k prompt", "claude-haiku-5-5", tokens(90_000, 0, 0, 0, 1_000), "0.0095") },
        // 150,000 x 0.50 + 1,000 x 2.50 (whole request on the second card).
        Case { single: true, ..case("haiku 5.5 over 100k prompt", "claude-haiku-5-5", tokens(150_000, 0, 0, 0, 1_000), "0.0775") },
        // 300,000 x 6 + 10,000 x 22.50.
        Case {
            window: ContextWindow::Long,
            ..case("long context bucket: 2x input, 1.5x output", "claude-sonnet-4-5", tokens(300_000, 0, 0, 0, 10_000), "2.025")
        },
        // Single request with 250k prompt (cache read counts toward the prompt): 50,000 x 6 + 200,000 x 0.60.
        Case {
            single: true,
            ..case("long context from a request's prompt size", "claude-sonnet-4", tokens(50_000, 0, 0, 200_000, 0), "0.42")
        },
        Case {
            window: ContextWindow::Long,
            ..case("no long-context premium where the book has none", "claude-opus-5", tokens(1_000_000, 0, 0, 0, 0), "5")
        },
        Case {
            geo: InferenceGeo::Us,
            ..case("US-only inference x1.1 on Opus 4.6", "claude-opus-4-6", tokens(1_000_000, 0, 0, 0, 0), "5.5")
        },
        Case {
            geo: InferenceGeo::Us,
            ..case("no residency uplift before Opus 4.6", "claude-opus-4-5", tokens(1_000_000, 0, 0, 0, 0), "5")
        },
        Case { speed: Speed::Fast, ..case("fast mode x6 on Opus 4.6", "claude-opus-4-6", tokens(0, 0, 0, 0, 1_000_000), "150") },
        // 300,000 x 3 x 2 (long) x 0.5 (batch) x 1.1 (US).
        Case {
            tier: ServiceTier::Batch,
            window: ContextWindow::Long,
            geo: InferenceGeo::Us,
            ..case("batch, long context and residency compose", "claude-sonnet-4-6", tokens(300_000, 0, 0, 0, 0), "0.99")
        },
        // 25 searches x $0.01 + 1,000 input x $3.
        Case { searches: 25, ..case("web search $10 per 1,000", "claude-sonnet-4-5", tokens(1_000, 0, 0, 0, 0), "0.253") },
        Case { seconds: 7_200, ..case("code execution $0.05 per hour", "claude-sonnet-4-5", tokens(0, 0, 0, 0, 0), "0.1") },
        Case {
            tier: ServiceTier::Priority,
            ..case("priority without a contract: list price", "claude-sonnet-4-5", tokens(1_000_000, 0, 0, 0, 0), "3")
        },
        case("bedrock cross-region id", "us.anthropic.claude-haiku-4-5-20251001-v1:0", tokens(0, 0, 0, 0, 1_000_000), "5"),
        case("vertex id", "claude-opus-4-1@20250805", tokens(1_000_000, 0, 0, 0, 0), "15"),
    ];
    let book = PriceBook::embedded().unwrap();
    for case in &cases {
        let priced = book.price(&query(case)).unwrap_or_else(|error| panic!("{}: {error}", case.name));
        assert_eq!(priced.total, money(case.expected), "{}: {:?}", case.name, priced);
        let summed: Money = priced.components.iter().map(|c| c.amount).sum();
        assert_eq!(summed, priced.total, "{}: components sum to the total", case.name);
    }
}

#[test]
fn an_unknown_model_is_an_error_never_zero() {
    let book = PriceBook::embedded().unwrap();
    let error = book.price(&PriceQuery::new("claude-opus-9-9", day("2026-11-01"), tokens(1, 0, 0, 0, 1))).unwrap_err();
    assert_eq!(error, PriceError::UnknownModel { model: "claude-opus-9-9".into() });
    assert!(error.to_string().contains("claude-opus-9-9"));
}

#[test]
fn fast_mode_without_a_rate_is_unpriced() {
    let book = PriceBook::embedded().unwrap();
    let mut query = PriceQuery::new("claude-sonnet-4-5", day("2026-11-01"), tokens(1, 0, 0, 0, 1));
    query.speed = Speed::Fast;
    assert!(matches!(book.price(&query), Err(PriceError::NoFastRate { .. })));
}

#[test]
fn priority_is_priced_at_list_with_a_note_then_at_contract() {
    let book = PriceBook::embedded().unwrap();
    let mut query = PriceQuery::new("claude-sonnet-4-5", day("2026-11-01"), tokens(1_000_000, 0, 0, 0, 0));
    query.service_tier = ServiceTier::Priority;
    assert!(book.price(&query).unwrap().notes[0].contains("Priority Tier"));
    let contract = "[[model]]\nid = \"claude-sonnet-4-5\"\npriority_multiplier = \"1.25\"\n";
    let book = book.with_overrides(contract, "contract.toml").unwrap();
    assert_eq!(book.price(&query).unwrap().total, money("3.75"));
}

#[test]
fn a_user_file_adds_models_rates_and_discounts() {
    let user = r#"
version = "acme-2026"

[[model]]
id = "claude-opus-6"
rates = [{ from = "2026-11-20", input = "6", output = "30" }]

[[model]]
id = "claude-haiku-4-5"
rates = [{ from = "2026-12-01", input = "0.8", output = "4" }]

[[discount]]
models = "claude-opus-*"
multiplier = "0.8"
from = "2026-11-01"
"#;
    let book = PriceBook::embedded().unwrap().with_overrides(user, "prices.toml").unwrap();
    // New model, defaults for cache rates from the rules: 1M 1h writes = 6 x 2 x 0.8 discount.
    let new = book.price(&PriceQuery::new("claude-opus-6-20261120", day("2026-11-21"), tokens(0, 0, 1_000_000, 0, 0))).unwrap();
    assert_eq!(new.total, money("9.6"));
    assert!(matches!(
        book.price(&PriceQuery::new("claude-opus-6", day("2026-11-19"), tokens(1, 0, 0, 0, 0))),
        Err(PriceError::NoRateOnDate { .. })
    ));
    // The discount starts 2026-11-01 and covers every Opus.
    let opus = |date: &str| book.price(&PriceQuery::new("claude-opus-4-6", day(date), tokens(1_000_000, 0, 0, 0, 0))).unwrap().total;
    assert_eq!(opus("2026-10-31"), money("5"));
    assert_eq!(opus("2026-11-01"), money("4"));
    // A dated rate joins the model's history rather than replacing it.
    let haiku = |date: &str| book.price(&PriceQuery::new("claude-haiku-4-5", day(date), tokens(1_000_000, 0, 0, 0, 0))).unwrap().total;
    assert_eq!(haiku("2026-11-30"), money("1"));
    assert_eq!(haiku("2026-12-01"), money("0.8"));
}

#[test]
fn a_bad_user_file_names_the_file_and_field() {
    let error = PriceBook::embedded().unwrap().with_overrides("[[model]]\nid = \"x\"\ninptu = \"1\"\n", "my-prices.toml").unwrap_err();
    let text = error.to_string();
    assert!(text.contains("my-prices.toml") && text.contains("inptu"), "{text}");
    let error =
        PriceBook::embedded().unwrap().with_overrides("[[discount]]\nmodels = \"*\"\nmultiplier = \"1.5\"\n", "d.toml").unwrap_err();
    assert!(error.to_string().contains("between 0 and 1"), "{error}");
}

#[test]
fn every_embedded_model_has_sane_cache_ratios() {
    for model in PriceBook::embedded().unwrap().models() {
        for (from, card) in &model.rates {
            assert!(card.cache_read < card.input, "{} {from}: cache reads cost less than input", model.id);
            assert_eq!(card.cache_write_1h, card.input * Decimal::TWO, "{} {from}: 1h writes are 2x input", model.id);
            assert!(card.output > card.input, "{} {from}", model.id);
        }
    }
}

/// The embedded book plus a user file: a new model, and a discount on Sonnet from 2026-11-10.
fn book_with_a_new_model_and_a_discount() -> PriceBook {
    let user = r#"
[[model]]
id = "claude-opus-6"
rates = [{ from = "2026-11-20", input = "6", output = "30" }]

[[discount]]
models = "claude-sonnet-*"
multiplier = "0.85"
from = "2026-11-10"
"#;
    PriceBook::embedded().unwrap().with_overrides(user, "user.toml").unwrap()
}

/// The pricer must give `price`'s answer to the last digit, for every model, every rule and both
/// sides of every threshold, and the same error where there is none; a repeated query must not
/// get a stale card.
#[test]
fn the_pricer_agrees_with_price_on_every_rule_and_model() {
    let book = book_with_a_new_model_and_a_discount();
    let mut models: Vec<String> = book.models().map(|model| model.id.clone()).collect();
    models.extend(["claude-sonnet-4-5-20250929".into(), "anthropic/claude-haiku-4-5".into(), "claude-unknown-9".into()]);
    let dates = ["2023-01-01", "2025-06-01", "2026-11-09", "2026-11-10", "2026-11-25"];
    let token_sets = [
        tokens(0, 0, 0, 0, 0),
        tokens(1_234, 567, 89, 10_111, 1_213),
        tokens(150_000, 40_000, 10_000, 1, 5),
        tokens(200_001, 0, 0, 0, 77),
        tokens(7, 0, 0, 0, 1),
    ];
    let mut pricer = book.pricer();
    let mut compared = (0, 0);
    for round in 0..2 {
        for model in &models {
            for date in dates {
                for tier in ServiceTier::ALL {
                    for geo in InferenceGeo::ALL {
                        for speed in Speed::ALL {
                            for window in ContextWindow::ALL {
                                for (index, tokens) in token_sets.iter().enumerate() {
                                    let query = PriceQuery {
                                        service_tier: *tier,
                                        context_window: *window,
                                        inference_geo: *geo,
                                        speed: *speed,
                                        quantities: Quantities {
                                            tokens: *tokens,
                                            web_search_requests: (index as u64 % 3) * 2,
                                            code_execution_seconds: (index as u64 % 2) * 90,
                                            requests: (index % 2 == 1 || round == 1).then_some(1),
                                        },
                                        ..PriceQuery::new(model.clone(), day(date), *tokens)
                                    };
                                    match (book.price(&query), pricer.cost(&query)) {
                                        (Ok(priced), Ok(cost)) => {
                                            assert_eq!(cost.total, priced.total, "{query:?}");
                                            let listed: Vec<_> = priced.components.iter().map(|c| (c.kind, c.amount)).collect();
                                            assert_eq!(cost.components().collect::<Vec<_>>(), listed, "{query:?}");
                                            compared.0 += 1;
                                        }
                                        (Err(expected), Err(found)) => {
                                            assert_eq!(found, expected);
                                            compared.1 += 1;
                                        }
                                        (expected, found) => panic!("{query:?}: price {expected:?}, pricer {found:?}"),
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(compared.0 > 1_000 && compared.1 > 100, "{compared:?}");
}

/// Quantities summed per rate key and priced once cost exactly what their lines cost one by one
/// (amounts are exact decimals), and keys from one pricer price the same in another of the book:
/// what lets a report price each (row, model, key) once instead of every line. Code execution is
/// left out: its amount divides by 3,600, which is not exact, so callers price it per line.
#[test]
fn quantities_summed_per_rate_key_cost_what_their_lines_cost() {
    use std::collections::HashMap;

    use spendlens_model::{Source, UsageLine};

    let book = book_with_a_new_model_and_a_discount();
    let mut models: Vec<String> = book.models().map(|model| model.id.clone()).collect();
    models.extend(["claude-sonnet-4-5-20250929".into(), "anthropic/claude-haiku-4-5".into()]);
    let dates = ["2025-06-01", "2026-11-09", "2026-11-10", "2026-11-25"];
    let mut state: u64 = 0x853c_49e6_748f_ea9b;
    let mut next = move |below: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % below
    };
    let mut keys = book.pricer();
    let mut one_by_one = book.pricer();
    let mut sums: HashMap<crate::RateKey, (TokenCounts, u64, Money)> = HashMap::new();
    let mut priced = 0;
    for _ in 0..20_000 {
        let model = &models[next(models.len() as u64) as usize];
        let start: chrono::DateTime<chrono::Utc> = format!("{}T12:00:00Z", dates[next(4) as usize]).parse().unwrap();
        let mut line = UsageLine::new(start, start, Source::Transcript, model.as_str());
        line.service_tier = ServiceTier::ALL[next(ServiceTier::ALL.len() as u64) as usize];
        line.inference_geo = InferenceGeo::ALL[next(InferenceGeo::ALL.len() as u64) as usize];
        line.speed = Speed::ALL[next(Speed::ALL.len() as u64) as usize];
        line.context_window = ContextWindow::ALL[next(ContextWindow::ALL.len() as u64) as usize];
        line.quantities.requests = if next(3) == 0 { None } else { Some(1) };
        // Prompts on both sides of 200k tokens; odd counts, so no amount is round.
        let big = if next(4) == 0 { 150_000 } else { 0 };
        line.quantities.tokens = tokens(next(60_000) + big, next(30_000), next(9_000), next(90_000) + big, next(8_000));
        line.quantities.web_search_requests = next(4);
        let (Ok(key), Ok(cost)) = (keys.rate_key(&line), one_by_one.line_cost(&line)) else {
            assert!(keys.rate_key(&line).is_err() || one_by_one.line_cost(&line).is_err());
            continue;
        };
        let sum = sums.entry(key).or_insert((TokenCounts::default(), 0, Money::ZERO));
        sum.0.add(&line.quantities.tokens);
        sum.1 += line.quantities.web_search_requests;
        sum.2 += cost.total;
        priced += 1;
    }
    assert!(priced > 5_000 && sums.len() > 100, "{priced} lines, {} keys", sums.len());
    let mut again = book.pricer();
    for (key, (tokens, searches, expected)) in sums {
        let quantities = Quantities { web_search_requests: searches, ..Quantities::of_tokens(tokens) };
        assert_eq!(again.cost_at(key, &quantities).unwrap().total, expected, "{key:?}");
    }
}
