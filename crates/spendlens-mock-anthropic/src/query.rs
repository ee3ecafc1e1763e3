//! Query parameters as the Admin API reads them: repeated array parameters (`group_by[]`, filters)
//! are accepted and ignored, a scalar parameter given twice is rejected, and every rejection is a
//! [`BadRequest`] whose message names the parameter. Unknown parameters are ignored.

use axum::extract::Query;
use axum::http::Uri;
use chrono::{DateTime, NaiveDate, Utc};

/// A 400 `invalid_request_error`; the message names the offending parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadRequest(pub String);

/// The time-bucket widths of the usage and cost reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BucketWidth {
    Minute,
    Hour,
    Day,
}

impl BucketWidth {
    pub(crate) fn parse(text: &str) -> Option<BucketWidth> {
        match text {
            "1m" => Some(BucketWidth::Minute),
            "1h" => Some(BucketWidth::Hour),
            "1d" => Some(BucketWidth::Day),
            _ => None,
        }
    }

    /// The width whose span is `seconds`, if it is one of the three.
    pub(crate) fn from_seconds(seconds: i64) -> Option<BucketWidth> {
        [BucketWidth::Minute, BucketWidth::Hour, BucketWidth::Day].into_iter().find(|width| width.seconds() == seconds)
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            BucketWidth::Minute => "1m",
            BucketWidth::Hour => "1h",
            BucketWidth::Day => "1d",
        }
    }

    pub(crate) fn seconds(self) -> i64 {
        match self {
            BucketWidth::Minute => 60,
            BucketWidth::Hour => 3600,
            BucketWidth::Day => 86_400,
        }
    }

    /// Buckets per page when `limit` is absent.
    pub(crate) fn default_limit(self) -> usize {
        match self {
            BucketWidth::Minute => 60,
            BucketWidth::Hour => 24,
            BucketWidth::Day => 7,
        }
    }

    /// The largest `limit` the API accepts for this width.
    pub(crate) fn max_limit(self) -> usize {
        match self {
            BucketWidth::Minute => 1440,
            BucketWidth::Hour => 168,
            BucketWidth::Day => 31,
        }
    }

    /// `moment` moved back to the start of its bucket (UTC), as the API snaps `starting_at`.
    pub(crate) fn snap(self, moment: DateTime<Utc>) -> DateTime<Utc> {
        let seconds = moment.timestamp();
        let snapped = seconds - seconds.rem_euclid(self.seconds());
        DateTime::from_timestamp(snapped, 0).unwrap_or(moment)
    }
}

/// The decoded query string of one request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Parameters {
    pairs: Vec<(String, String)>,
}

impl Parameters {
    /// Decodes the query string of `uri` (percent-decoding, `+` as space).
    pub(crate) fn from_uri(uri: &Uri) -> Result<Parameters, BadRequest> {
        if uri.query().is_none() {
            return Ok(Parameters::default());
        }
        let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri)
            .map_err(|rejection| BadRequest(format!("the query string cannot be decoded: {}", rejection.body_text())))?;
        Ok(Parameters { pairs })
    }

    /// The value of a scalar parameter; giving it more than once is an error.
    pub(crate) fn single(&self, name: &str) -> Result<Option<&str>, BadRequest> {
        let mut values = self.pairs.iter().filter(|(key, _)| key == name).map(|(_, value)| value.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(BadRequest(format!("{name}: given more than once; it takes a single value")));
        }
        Ok(first)
    }

    /// A required scalar parameter.
    pub(crate) fn required(&self, name: &str) -> Result<&str, BadRequest> {
        self.single(name)?.ok_or_else(|| BadRequest(format!("{name}: is required")))
    }

    /// `limit`: an integer from 1 to `max`, `default` when absent.
    pub(crate) fn limit(&self, default: usize, max: usize) -> Result<usize, BadRequest> {
        let Some(text) = self.single("limit")? else {
            return Ok(default);
        };
        let limit: usize = text.parse().map_err(|_| BadRequest(format!("limit: {text:?} is not a positive integer")))?;
        if limit == 0 || limit > max {
            return Err(BadRequest(format!("limit: must be between 1 and {max}, got {limit}")));
        }
        Ok(limit)
    }

    /// An RFC 3339 moment, in UTC.
    pub(crate) fn moment(&self, name: &str) -> Result<Option<DateTime<Utc>>, BadRequest> {
        self.single(name)?
            .map(|text| {
                DateTime::parse_from_rfc3339(text)
                    .map(|moment| moment.with_timezone(&Utc))
                    .map_err(|error| BadRequest(format!("{name}: {text:?} is not an RFC 3339 date-time ({error})")))
            })
            .transpose()
    }

    /// A required `YYYY-MM-DD` day.
    pub(crate) fn day(&self, name: &str) -> Result<NaiveDate, BadRequest> {
        let text = self.required(name)?;
        NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| BadRequest(format!("{name}: {text:?} is not a day in the form YYYY-MM-DD")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parameters(query: &str) -> Parameters {
        Parameters::from_uri(&format!("/x?{query}").parse().unwrap()).unwrap()
    }

    #[test]
    fn repeated_array_parameters_are_accepted_and_scalars_are_not() {
        let given = parameters("group_by[]=model&group_by[]=workspace_id&limit=3&limit=4");
        assert_eq!(given.single("group_by").unwrap(), None);
        assert!(given.single("limit").unwrap_err().0.starts_with("limit:"));
    }

    #[test]
    fn limits_are_bounded() {
        let rows =
            [("", Ok(7)), ("limit=1", Ok(1)), ("limit=31", Ok(31)), ("limit=32", Err(())), ("limit=0", Err(())), ("limit=x", Err(()))];
        for (query, expected) in rows {
            assert_eq!(parameters(query).limit(7, 31).map_err(|_| ()), expected, "{query}");
        }
    }

    #[test]
    fn moments_are_percent_decoded_and_snapped() {
        let given = parameters("starting_at=2026-08-08T05%3A30%3A00%2B02%3A00");
        let moment = given.moment("starting_at").unwrap().unwrap();
        assert_eq!(moment.to_rfc3339(), "2026-08-08T03:30:00+00:00");
        assert_eq!(BucketWidth::Day.snap(moment).to_rfc3339(), "2026-08-08T00:00:00+00:00");
        assert_eq!(BucketWidth::Hour.snap(moment).to_rfc3339(), "2026-08-08T03:00:00+00:00");
    }

    #[test]
    fn widths_round_trip() {
        for width in [BucketWidth::Minute, BucketWidth::Hour, BucketWidth::Day] {
            assert_eq!(BucketWidth::parse(width.as_str()), Some(width));
            assert_eq!(BucketWidth::from_seconds(width.seconds()), Some(width));
        }
        assert_eq!(BucketWidth::parse("1w"), None);
    }
}
