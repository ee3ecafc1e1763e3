//! The optimiser's grain: API traffic as few lines as its prices allow, and each key's traffic
//! shape over the week.
//!
//! The optimiser prices a feature's tokens many times over (as they ran, on each cheaper model,
//! with a cache prefix, at the Batch tier). Prices are linear in quantities and change only on
//! the days the price book names, so the usage report's day lines are summed per *chunk* (a
//! calendar month of the period, cut at every such day) before they are priced: the same dollars,
//! in about a thirtieth of the lines. A [`TrafficShape`] keeps of a key's hour-of-week profile
//! only what the optimiser reads (tokens by hour of the day, weekdays against weekends, and the
//! spread of input over the hours it runs), so a month's shapes are small and months add.

use std::borrow::Cow;
use std::collections::hash_map::Entry;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use spendlens_model::{ContextWindow, Day, HourProfile, Identity, InferenceGeo, Path, Period, ServiceTier, Source, Speed, UsageLine};
use spendlens_pricing::PriceBook;

/// A period cut into chunks: at each calendar month's first day and at every day the price book's
/// prices may change ([`PriceBook::change_days`]). Within a chunk every rate is constant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunks {
    period: Period,
    /// Each chunk's first day, ascending; the first is the period's.
    starts: Vec<Day>,
}

impl Chunks {
    pub fn new(period: Period, book: &PriceBook) -> Chunks {
        let mut starts = vec![period.start];
        let mut month = Period::month_of(period.start).end;
        while month < period.end {
            starts.push(month);
            month = Period::month_of(month).end;
        }
        starts.extend(book.change_days().into_iter().filter(|day| *day > period.start && *day < period.end));
        starts.sort_unstable();
        starts.dedup();
        Chunks { period, starts }
    }

    pub fn period(&self) -> Period {
        self.period
    }

    /// The chunk holding `day` (clamped to the period).
    pub fn of(&self, day: Day) -> Period {
        let after = self.starts.partition_point(|start| *start <= day);
        let start = self.starts[after.saturating_sub(1)];
        let end = self.starts.get(after).copied().unwrap_or(self.period.end);
        Period::new(start, end)
    }
}

/// What a usage-report line is summed by: its chunk and every dimension but the day.
type GrainKey<'l> = (Day, Path, &'l Identity, &'l str, ServiceTier, ContextWindow, InferenceGeo, Speed);

/// The API traffic of `usage` in `chunks`' period at the optimiser's grain: the usage report's
/// lines summed per chunk and every other dimension (each sum dated from its chunk's first day to
/// its end), the Usage Analytics API's day lines as they are (its request counts per day are
/// evidence). Other sources and days outside the period are left out. In the order each sum or
/// line is first met; a line already at this grain (a kept month's) is borrowed, not copied.
pub fn api_traffic_lines<'a>(usage: &'a [UsageLine], chunks: &Chunks) -> Vec<Cow<'a, UsageLine>> {
    let mut out: Vec<Cow<'a, UsageLine>> = Vec::new();
    // Sized for lines already at the grain: never rehashed.
    let mut places: FxHashMap<GrainKey<'a>, usize> = FxHashMap::with_capacity_and_hasher(usage.len(), Default::default());
    for line in usage {
        if !chunks.period.contains(line.day()) {
            continue;
        }
        match line.source {
            Source::AdminAnalyticsUsage => out.push(Cow::Borrowed(line)),
            Source::AdminUsage => {
                let chunk = chunks.of(line.day());
                let key = (
                    chunk.start,
                    line.path,
                    &line.identity,
                    line.model.as_str(),
                    line.service_tier,
                    line.context_window,
                    line.inference_geo,
                    line.speed,
                );
                match places.entry(key) {
                    Entry::Occupied(place) => {
                        let summed = out[*place.get()].to_mut();
                        summed.quantities.add(&line.quantities);
                        summed.reported_cost = match (summed.reported_cost, line.reported_cost) {
                            (Some(mine), Some(theirs)) => Some(mine + theirs),
                            (mine, theirs) => mine.or(theirs),
                        };
                    }
                    Entry::Vacant(place) => {
                        place.insert(out.len());
                        let (start, end) = (chunk.start_time(), chunk.end_time());
                        if line.start == start && line.end == end {
                            out.push(Cow::Borrowed(line));
                        } else {
                            let mut summed = line.clone();
                            summed.start = start;
                            summed.end = end;
                            out.push(Cow::Owned(summed));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// One key's traffic on one model and tier over the week, summed over a period (a month's hour
/// profiles, or several months' shapes added): all the optimiser reads of its hour profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrafficShape {
    pub api_key_id: Option<String>,
    pub model: String,
    pub service_tier: ServiceTier,
    /// Every token, by hour of the day (UTC), all days of the week together.
    pub by_hour: [u64; 24],
    /// Every token of Monday to Friday, and of Saturday and Sunday.
    pub weekday_tokens: u64,
    pub weekend_tokens: u64,
    /// Uncached input of the hours of the week that had some, and days.
    pub input_tokens: u64,
    /// Over those hours of the week, input squared over the days it ran: with `input_tokens`,
    /// the input-weighted average of the input one of its hours carries
    /// (`input_spread / input_tokens`), which with input per request gives requests per hour.
    pub input_spread: f64,
}

impl TrafficShape {
    fn new(api_key_id: Option<String>, model: String, service_tier: ServiceTier) -> TrafficShape {
        TrafficShape {
            api_key_id,
            model,
            service_tier,
            by_hour: [0; 24],
            weekday_tokens: 0,
            weekend_tokens: 0,
            input_tokens: 0,
            input_spread: 0.0,
        }
    }

    /// The shapes of a period's hour profiles (each profile one hour of the week of one key,
    /// model and tier over the period), one per key, model and tier, in the order first met.
    pub fn of_profiles(profiles: &[HourProfile]) -> Vec<TrafficShape> {
        let mut out: Vec<TrafficShape> = Vec::new();
        let mut places: FxHashMap<(Option<&str>, &str, ServiceTier), usize> = FxHashMap::default();
        for profile in profiles {
            let key = (profile.api_key_id.as_deref(), profile.model.as_str(), profile.service_tier);
            let place = *places.entry(key).or_insert_with(|| {
                out.push(TrafficShape::new(profile.api_key_id.clone(), profile.model.clone(), profile.service_tier));
                out.len() - 1
            });
            let shape = &mut out[place];
            let tokens = profile.tokens.total();
            shape.by_hour[usize::from(profile.hour.min(23))] += tokens;
            if profile.weekday.min(6) >= 5 {
                shape.weekend_tokens += tokens;
            } else {
                shape.weekday_tokens += tokens;
            }
            let input = profile.tokens.input;
            if profile.days > 0 && input > 0 {
                shape.input_tokens += input;
                shape.input_spread += (input as f64) * (input as f64) / profile.days as f64;
            }
        }
        out
    }

    /// `other` (of the same key, model and tier) added in.
    pub fn add(&mut self, other: &TrafficShape) {
        for (hour, tokens) in self.by_hour.iter_mut().zip(other.by_hour) {
            *hour += tokens;
        }
        self.weekday_tokens += other.weekday_tokens;
        self.weekend_tokens += other.weekend_tokens;
        self.input_tokens += other.input_tokens;
        self.input_spread += other.input_spread;
    }

    /// Shapes of consecutive periods added per key, model and tier, in the order first met.
    pub fn merged<'a>(shapes: impl IntoIterator<Item = &'a TrafficShape>) -> Vec<TrafficShape> {
        let mut out: Vec<TrafficShape> = Vec::new();
        let mut places: FxHashMap<(Option<&str>, &str, ServiceTier), usize> = FxHashMap::default();
        for shape in shapes {
            match places.entry((shape.api_key_id.as_deref(), shape.model.as_str(), shape.service_tier)) {
                Entry::Occupied(place) => out[*place.get()].add(shape),
                Entry::Vacant(place) => {
                    place.insert(out.len());
                    out.push(shape.clone());
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spendlens_model::TokenCounts;

    fn day(text: &str) -> Day {
        text.parse().unwrap()
    }

    const BOOK: &str = r#"
[[model]]
id = "test-big"
rates = [{ from = "2000-01-01", input = "10", output = "50" }, { from = "2026-10-16", input = "5", output = "25" }]
[[discount]]
models = "test-*"
multiplier = "0.9"
from = "2026-11-03"
until = "2026-11-10"
"#;

    #[test]
    fn chunks_cut_at_months_and_price_changes() {
        let book = PriceBook::embedded().unwrap().with_overrides(BOOK, "test.toml").unwrap();
        assert!(book.change_days().windows(2).all(|pair| pair[0] < pair[1]));
        for change in ["2026-10-16", "2026-11-03", "2026-11-10"] {
            assert!(book.change_days().contains(&day(change)), "{change}");
        }
        let chunks = Chunks::new(Period::new(day("2026-10-10"), day("2026-11-20")), &book);
        let of = |text: &str| {
            let chunk = chunks.of(day(text));
            (chunk.start.to_string(), chunk.end.to_string())
        };
        // The period's first day to the price change, the change to the month's end, the new
        // month to the discount, the discount's days, the rest of the period.
        assert_eq!(of("2026-10-10"), ("2026-10-10".into(), "2026-10-16".into()));
        assert_eq!(of("2026-10-15"), ("2026-10-10".into(), "2026-10-16".into()));
        assert_eq!(of("2026-10-16"), ("2026-10-16".into(), "2026-11-01".into()));
        assert_eq!(of("2026-10-31"), ("2026-10-16".into(), "2026-11-01".into()));
        assert_eq!(of("2026-11-02"), ("2026-11-01".into(), "2026-11-03".into()));
        assert_eq!(of("2026-11-09"), ("2026-11-03".into(), "2026-11-10".into()));
        assert_eq!(of("2026-11-19"), ("2026-11-10".into(), "2026-11-20".into()));
    }

    fn line(source: Source, key: &str, on: &str, input: u64, output: u64) -> UsageLine {
        let start = day(on).and_hms_opt(0, 0, 0).unwrap().and_utc();
        let mut line = UsageLine::new(start, start + chrono::Duration::days(1), source, "test-big");
        line.identity.api_key_id = Some(key.into());
        line.quantities.tokens = TokenCounts { input, output, ..TokenCounts::default() };
        line
    }

    #[test]
    fn traffic_is_summed_per_chunk_and_dimension() {
        let book = PriceBook::embedded().unwrap().with_overrides(BOOK, "test.toml").unwrap();
        let chunks = Chunks::new(Period::new(day("2026-10-08"), day("2026-11-01")), &book);
        let mut batch = line(Source::AdminUsage, "k1", "2026-10-10", 7, 0);
        batch.service_tier = ServiceTier::Batch;
        let mut analytics = line(Source::AdminAnalyticsUsage, "k1", "2026-10-09", 5, 0);
        analytics.quantities.requests = Some(2);
        let usage = vec![
            line(Source::AdminUsage, "k1", "2026-10-08", 100, 10),
            analytics.clone(),
            line(Source::AdminUsage, "k2", "2026-10-08", 1, 1),
            line(Source::AdminUsage, "k1", "2026-10-15", 20, 2),
            batch.clone(),
            // After the price change: a chunk of its own.
            line(Source::AdminUsage, "k1", "2026-10-16", 300, 30),
            line(Source::AdminUsage, "k1", "2026-10-31", 4_000, 400),
            // Outside the period, and another source.
            line(Source::AdminUsage, "k1", "2026-11-01", 9, 9),
            line(Source::AdminUsage, "k1", "2026-10-07", 9, 9),
            line(Source::Transcript, "k1", "2026-10-05", 9, 9),
        ];
        let summed: Vec<UsageLine> = api_traffic_lines(&usage, &chunks).into_iter().map(Cow::into_owned).collect();
        let rows: Vec<(Source, String, String, String, ServiceTier, u64, u64)> = summed
            .iter()
            .map(|line| {
                (
                    line.source,
                    line.identity.api_key_id.clone().unwrap(),
                    line.start.date_naive().to_string(),
                    line.end.date_naive().to_string(),
                    line.service_tier,
                    line.quantities.tokens.input,
                    line.quantities.tokens.output,
                )
            })
            .collect();
        let row = |source, key: &str, start: &str, end: &str, tier, input, output| {
            (source, key.to_string(), start.to_string(), end.to_string(), tier, input, output)
        };
        assert_eq!(
            rows,
            vec![
                row(Source::AdminUsage, "k1", "2026-10-08", "2026-10-16", ServiceTier::Standard, 120, 12),
                row(Source::AdminAnalyticsUsage, "k1", "2026-10-09", "2026-10-10", ServiceTier::Standard, 5, 0),
                row(Source::AdminUsage, "k2", "2026-10-08", "2026-10-16", ServiceTier::Standard, 1, 1),
                row(Source::AdminUsage, "k1", "2026-10-08", "2026-10-16", ServiceTier::Batch, 7, 0),
                row(Source::AdminUsage, "k1", "2026-10-16", "2026-11-01", ServiceTier::Standard, 4_300, 430),
            ]
        );
        assert_eq!(summed[1], analytics);
        // Lines at the grain already come back as they were.
        let again = api_traffic_lines(&summed, &chunks);
        assert!(again.iter().all(|line| matches!(line, Cow::Borrowed(_))));
        assert_eq!(again.into_iter().map(Cow::into_owned).collect::<Vec<_>>(), summed);
    }

    fn profile(weekday: u8, hour: u8, days: u64, input: u64, output: u64) -> HourProfile {
        HourProfile {
            api_key_id: Some("k1".into()),
            model: "test-big".into(),
            service_tier: ServiceTier::Standard,
            weekday,
            hour,
            days,
            tokens: TokenCounts { input, output, ..TokenCounts::default() },
        }
    }

    #[test]
    fn shapes_keep_hours_weekends_and_the_spread_of_input() {
        let mut other_tier = profile(0, 1, 1, 50, 0);
        other_tier.service_tier = ServiceTier::Batch;
        let profiles =
            vec![profile(0, 2, 4, 100, 10), profile(3, 2, 2, 60, 0), profile(6, 23, 1, 0, 5), profile(5, 2, 5, 30, 0), other_tier];
        let shapes = TrafficShape::of_profiles(&profiles);
        assert_eq!(shapes.len(), 2);
        let standard = &shapes[0];
        // Hour 2: 110 + 60 + 30; hour 23: 5. Weekdays (Monday, Thursday): 110 + 60; weekend 30 + 5.
        assert_eq!(standard.by_hour[2], 200);
        assert_eq!(standard.by_hour[23], 5);
        assert_eq!(standard.by_hour.iter().sum::<u64>(), 205);
        assert_eq!((standard.weekday_tokens, standard.weekend_tokens), (170, 35));
        // Input 100 + 60 + 30 (the hour without input is left out); spread 100^2/4 + 60^2/2 + 30^2/5 = 2500 + 1800 + 180.
        assert_eq!(standard.input_tokens, 190);
        assert_eq!(standard.input_spread, 4_480.0);
        assert_eq!(shapes[1].service_tier, ServiceTier::Batch);
        // Two months of the same shape add.
        let merged = TrafficShape::merged(shapes.iter().chain(&shapes));
        assert_eq!(merged.len(), 2);
        assert_eq!((merged[0].by_hour[2], merged[0].weekend_tokens, merged[0].input_tokens), (400, 70, 380));
        assert_eq!(merged[0].input_spread, 8_960.0);
    }
}
