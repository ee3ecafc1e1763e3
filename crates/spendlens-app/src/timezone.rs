//! The time zone `spendlens cc` counts days in: the machine's by default (the `TZ` variable, else
//! `/etc/localtime`), or an IANA name given with `--timezone`, as ccusage does.
//!
//! Zones come from the system's time-zone database (`/usr/share/zoneinfo`, Debian's `tzdata`),
//! read by `tz-rs`, a small crate without dependencies: chrono-tz would bundle its own copy of
//! the database at several seconds of compile time, and the system's copy is the one the
//! machine's clock and ccusage already use.

use chrono::{DateTime, NaiveDate, Utc};

use crate::AppError;

/// A zone and the name it is reported by.
#[derive(Debug, Clone)]
pub struct ReportZone {
    /// The IANA name (`Europe/Berlin`), `UTC`, or the `TZ` string as given.
    pub name: String,
    /// The machine's own zone (no `--timezone`, or `--timezone local`).
    pub is_machine: bool,
    zone: tz::TimeZone,
}

impl ReportZone {
    /// `given` (an IANA name, `UTC`, or `local`), else the machine's zone.
    pub fn resolve(given: Option<&str>) -> Result<ReportZone, AppError> {
        match given.map(str::trim) {
            None | Some("local") | Some("") => Ok(Self::machine()),
            Some(name) if name.eq_ignore_ascii_case("utc") => Ok(Self::utc()),
            Some(name) => {
                // A name, not a path or a POSIX rule: only files of the database are read.
                let plausible = name.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'));
                let zone = plausible.then(|| tz::TimeZone::from_posix_tz(name).ok()).flatten().ok_or_else(|| {
                    AppError::invalid(format!(
                        "--timezone {name:?} is not a time zone of this machine's database (/usr/share/zoneinfo): give an IANA name such as Europe/Berlin, UTC or local"
                    ))
                })?;
                Ok(ReportZone { name: name.to_string(), is_machine: false, zone })
            }
        }
    }

    /// UTC.
    pub fn utc() -> ReportZone {
        ReportZone { name: "UTC".into(), is_machine: false, zone: tz::TimeZone::utc() }
    }

    /// The machine's zone: `TZ` when set (a name or a POSIX rule), else `/etc/localtime`; UTC when
    /// neither can be read.
    pub fn machine() -> ReportZone {
        let variable = std::env::var("TZ").ok().filter(|value| !value.trim().is_empty());
        let zone = match &variable {
            Some(value) => tz::TimeZone::from_posix_tz(value.trim_start_matches(':')).ok(),
            None => tz::TimeZone::local().ok(),
        };
        match zone {
            Some(zone) => {
                let name = variable
                    .map(|value| value.trim_start_matches(':').to_string())
                    .or_else(localtime_name)
                    .unwrap_or_else(|| "local".into());
                ReportZone { name, is_machine: true, zone }
            }
            None => ReportZone { name: "UTC".into(), is_machine: true, zone: tz::TimeZone::utc() },
        }
    }

    /// The moment's date in this zone.
    pub fn day(&self, at: DateTime<Utc>) -> NaiveDate {
        let offset = self.zone.find_local_time_type(at.timestamp()).map(|kind| kind.ut_offset()).unwrap_or(0);
        (at + chrono::Duration::seconds(i64::from(offset))).date_naive()
    }

    /// How the output names the zone: `Europe/Berlin`, or `Europe/Berlin (this machine's)`.
    pub fn label(&self) -> String {
        if self.is_machine { format!("{} (this machine's)", self.name) } else { self.name.clone() }
    }
}

/// The IANA name `/etc/localtime` links to (`/usr/share/zoneinfo/Europe/Berlin`), else
/// `/etc/timezone`'s.
fn localtime_name() -> Option<String> {
    let target = std::fs::read_link("/etc/localtime").ok()?;
    let text = target.to_string_lossy();
    match text.split_once("zoneinfo/") {
        Some((_, name)) if !name.is_empty() => Some(name.to_string()),
        _ => std::fs::read_to_string("/etc/timezone").ok().map(|name| name.trim().to_string()).filter(|name| !name.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn days_follow_the_zone_and_its_summer_time() {
        let at = |text: &str| text.parse::<DateTime<Utc>>().unwrap();
        let tokyo = ReportZone::resolve(Some("Asia/Tokyo")).unwrap();
        // 15:30 UTC is 00:30 the next day in Tokyo (UTC+9).
        assert_eq!(tokyo.day(at("2026-11-30T15:30:00Z")).to_string(), "2026-12-01");
        let angeles = ReportZone::resolve(Some("America/Los_Angeles")).unwrap();
        // Summer (UTC-7) and winter (UTC-8): 07:30 UTC is the day before either way, 08:30 only in winter.
        assert_eq!(angeles.day(at("2026-07-01T06:30:00Z")).to_string(), "2026-06-30");
        assert_eq!(angeles.day(at("2026-07-01T07:30:00Z")).to_string(), "2026-07-01");
        assert_eq!(angeles.day(at("2026-12-01T07:30:00Z")).to_string(), "2026-11-30");
        assert_eq!(angeles.day(at("2026-12-01T08:30:00Z")).to_string(), "2026-12-01");
        assert_eq!(ReportZone::resolve(Some("UTC")).unwrap().day(at("2026-12-01T23:59:59Z")).to_string(), "2026-12-01");
        for bad in ["Mars/Olympus", "../etc/passwd", "/etc/localtime", "EST5EDT,M3.2.0"] {
            assert!(ReportZone::resolve(Some(bad)).is_err(), "{bad}");
        }
    }
}
