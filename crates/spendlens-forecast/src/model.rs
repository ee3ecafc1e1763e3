//! One daily series forecast: the statistics come from Grafana's `augurs` (MSTL decomposition with
//! weekly and two-weekly seasons, an AutoETS model on trend and remainder); this module only
//! prepares the series for it and maps the answer back.
//!
//! Preparation: leading days without volume are dropped (a feature launched inside the history);
//! past holidays are replaced by the mean of the same weekday a week either side (a holiday is not
//! part of the weekly rhythm), and how far each fell against that replacement is remembered; the
//! series is divided by its mean (MSTL computes in `f32`). The forecast is multiplied back, each
//! future holiday scaled by the remembered fall, and clamped at zero.

use augurs_core::{Fit, Predict};
use augurs_ets::AutoETS;
use augurs_mstl::MSTLModel;
use chrono::{Datelike, Duration, Weekday};
use spendlens_model::Day;

use crate::calendar::is_holiday;

/// The seasons MSTL removes: the week, and the two-week sprint when the history holds at least
/// four of them.
fn periods(len: usize) -> Vec<usize> {
    if len >= 56 { vec![7, 14] } else { vec![7] }
}

/// How the forecast was made (for the drivers and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// MSTL (weekly, and two-weekly when long enough) with an AutoETS trend.
    Mstl,
    /// AutoETS alone (fewer than two weeks of history).
    Ets,
    /// The last week repeated: too little history, or augurs found no model.
    SeasonalNaive,
    /// No volume at all.
    Zero,
}

/// A daily series' point forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyForecast {
    /// One value per day after the history.
    pub values: Vec<f64>,
    pub method: Method,
    /// A holiday's value relative to the same weekday around it, as learned from the history.
    pub holiday_factor: f64,
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 { values[mid] } else { (values[mid - 1] + values[mid]) / 2.0 })
}

/// Forecasts `horizon` days after `history`, whose first value is the day `first`.
pub fn forecast_daily(history: &[f64], first: Day, horizon: usize) -> DailyForecast {
    let zero = DailyForecast { values: vec![0.0; horizon], method: Method::Zero, holiday_factor: 1.0 };
    let Some(skip) = history.iter().position(|value| value.is_finite() && *value > 0.0) else {
        return zero;
    };
    let start = first + Duration::days(skip as i64);
    let mut series: Vec<f64> = history[skip..].iter().map(|value| if value.is_finite() { value.max(0.0) } else { 0.0 }).collect();
    let day_of = |index: usize| start + Duration::days(index as i64);

    // Past holidays out of the rhythm, and how deep they fell.
    let raw = series.clone();
    let mut falls = Vec::new();
    for (index, value) in raw.iter().enumerate() {
        if !is_holiday(day_of(index)) {
            continue;
        }
        let around: Vec<f64> = [index.checked_sub(7), Some(index + 7)]
            .into_iter()
            .flatten()
            .filter(|&other| other < raw.len() && !is_holiday(day_of(other)))
            .map(|other| raw[other])
            .collect();
        if around.is_empty() {
            continue;
        }
        let usual = around.iter().sum::<f64>() / around.len() as f64;
        if usual > 0.0 {
            falls.push(value / usual);
            series[index] = usual;
        }
    }
    let holiday_factor = median(&mut falls).unwrap_or_else(|| weekend_factor(&series, start));

    let scale = series.iter().sum::<f64>() / series.len() as f64;
    if scale <= 0.0 {
        return zero;
    }
    let scaled: Vec<f64> = series.iter().map(|value| value / scale).collect();
    let (mut values, method) = match fit(&scaled, horizon) {
        Some(fitted) => fitted,
        None => (seasonal_naive(&scaled, horizon), Method::SeasonalNaive),
    };
    let after = start + Duration::days(series.len() as i64);
    for (offset, value) in values.iter_mut().enumerate() {
        *value = (*value * scale).max(0.0);
        if is_holiday(after + Duration::days(offset as i64)) {
            *value *= holiday_factor;
        }
    }
    DailyForecast { values, method, holiday_factor }
}

/// augurs' answer, or `None` when it has none (too short, or no model found).
fn fit(series: &[f64], horizon: usize) -> Option<(Vec<f64>, Method)> {
    if series.len() >= 14 {
        let model = MSTLModel::new(periods(series.len()), AutoETS::non_seasonal().into_trend_model());
        if let Ok(forecast) = model.fit(series).and_then(|fitted| fitted.predict(horizon, None)) {
            return finite(forecast.point).map(|point| (point, Method::Mstl));
        }
    }
    if series.len() >= 7
        && let Ok(forecast) = AutoETS::non_seasonal().fit(series).and_then(|fitted| fitted.predict(horizon, None))
    {
        return finite(forecast.point).map(|point| (point, Method::Ets));
    }
    None
}

fn finite(point: Vec<f64>) -> Option<Vec<f64>> {
    point.iter().all(|value| value.is_finite()).then_some(point)
}

/// The last week repeated (or the mean, with less than a week).
pub fn seasonal_naive(series: &[f64], horizon: usize) -> Vec<f64> {
    if series.len() < 7 {
        let mean = if series.is_empty() { 0.0 } else { series.iter().sum::<f64>() / series.len() as f64 };
        return vec![mean; horizon];
    }
    let week = &series[series.len() - 7..];
    (0..horizon).map(|offset| week[offset % 7]).collect()
}

/// Weekend days against weekdays over the last four weeks: a holiday's factor when the history
/// has none.
fn weekend_factor(series: &[f64], start: Day) -> f64 {
    let from = series.len().saturating_sub(28);
    let (mut weekend, mut weekdays) = ((0.0, 0), (0.0, 0));
    for (index, value) in series.iter().enumerate().skip(from) {
        match (start + Duration::days(index as i64)).weekday() {
            Weekday::Sat | Weekday::Sun => weekend = (weekend.0 + value, weekend.1 + 1),
            _ => weekdays = (weekdays.0 + value, weekdays.1 + 1),
        }
    }
    if weekend.1 == 0 || weekdays.1 == 0 || weekdays.0 <= 0.0 {
        return 1.0;
    }
    (weekend.0 / f64::from(weekend.1)) / (weekdays.0 / f64::from(weekdays.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Day {
        text.parse().unwrap()
    }

    #[test]
    fn a_weekly_rhythm_with_growth_is_carried_forward() {
        // 10 weeks of weekdays at 100 + t, weekends at 20; starting on a Monday in 2026 with no
        // holidays in it (2026-09-14 .. 2026-11-22 holds none).
        let first = day("2026-09-14");
        let series: Vec<f64> = (0..70).map(|t| if t % 7 >= 5 { 20.0 } else { 100.0 + t as f64 }).collect();
        let forecast = forecast_daily(&series, first, 7);
        assert_eq!(forecast.method, Method::Mstl);
        // Next Monday (t = 70) near 170, next Saturday near 20.
        assert!((forecast.values[0] - 170.0).abs() < 12.0, "{:?}", forecast.values);
        assert!(forecast.values[5] < 40.0, "{:?}", forecast.values);
    }

    #[test]
    fn leading_zeros_and_short_histories() {
        let first = day("2026-09-14");
        assert_eq!(forecast_daily(&[0.0; 30], first, 3).method, Method::Zero);
        // A feature launched ten days ago: ETS on ten days.
        let mut launched = vec![0.0; 40];
        launched.extend((0..10).map(|t| 10.0 + t as f64));
        let forecast = forecast_daily(&launched, first, 3);
        assert_eq!(forecast.method, Method::Ets);
        assert!(forecast.values.iter().all(|value| *value > 10.0), "{:?}", forecast.values);
        // Three days: the mean.
        assert_eq!(forecast_daily(&[3.0, 6.0, 9.0], first, 2).values, vec![6.0, 6.0]);
    }

    #[test]
    fn a_future_holiday_falls_as_past_ones_did() {
        // Weekdays 100, weekends 10; Labor Day (2026-09-07) at 5 = 5% of its usual Monday. The
        // forecast from 2026-11-01 runs over Thanksgiving (2026-11-26, day 25 of the horizon).
        let first = day("2026-08-03");
        let series: Vec<f64> = (0..90)
            .map(|t| {
                let date = first + Duration::days(t);
                if is_holiday(date) {
                    5.0
                } else if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
                    10.0
                } else {
                    100.0
                }
            })
            .collect();
        let forecast = forecast_daily(&series, first, 30);
        assert!((forecast.holiday_factor - 0.05).abs() < 1e-9, "{}", forecast.holiday_factor);
        let thanksgiving = (day("2026-11-26") - day("2026-11-01")).num_days() as usize;
        assert!(forecast.values[thanksgiving] < 10.0, "{:?}", forecast.values);
        assert!(forecast.values[thanksgiving - 1] > 80.0, "{:?}", forecast.values);
    }
}
