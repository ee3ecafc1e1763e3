//! "Why is this Claude Code?": ledger entries grouped by what placed them (path, driver, API key,
//! the rule that classified it and the source that billed it), largest first.

use std::collections::BTreeMap;

use serde::Serialize;
use spendlens_model::{Money, Path, Period, Source};

use crate::ledger::{Driver, LedgerEntry, in_period};

/// One group of entries placed the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Placement {
    pub path: Path,
    pub driver: Driver,
    pub api_key: Option<String>,
    pub rule: String,
    pub source: Source,
    pub entries: usize,
    pub total_usd: Money,
}

/// What to keep: every field set must match.
#[derive(Debug, Clone, Default)]
pub struct PlacementFilter {
    pub path: Option<Path>,
    /// A substring of the API key id (case-insensitive).
    pub api_key: Option<String>,
    /// A substring of the driver's label: an email, team, feature or reason (case-insensitive).
    pub driver: Option<String>,
}

impl PlacementFilter {
    fn keeps(&self, entry: &LedgerEntry) -> bool {
        self.keeps_parts(entry.path, entry.api_key.as_deref(), &entry.driver)
    }

    /// Whether `placement` passes: what a filter looks at (path, key, driver) is what a
    /// placement groups by, so filtering placements keeps exactly the placements of the entries
    /// that pass.
    pub fn keeps_placement(&self, placement: &Placement) -> bool {
        self.keeps_parts(placement.path, placement.api_key.as_deref(), &placement.driver)
    }

    fn keeps_parts(&self, path: Path, api_key: Option<&str>, driver: &Driver) -> bool {
        let contains = |haystack: &str, needle: &str| haystack.to_lowercase().contains(&needle.to_lowercase());
        let team = match driver {
            Driver::Engineer { team: Some(team), .. } => team.as_str(),
            _ => "",
        };
        self.path.is_none_or(|wanted| wanted == path)
            && self.api_key.as_deref().is_none_or(|key| api_key.is_some_and(|id| contains(id, key)))
            && self.driver.as_deref().is_none_or(|wanted| contains(&driver.label(), wanted) || contains(team, wanted))
    }
}

/// The placements of `period`'s entries that pass `filter`, largest first.
pub fn placements(entries: &[LedgerEntry], period: Period, filter: &PlacementFilter) -> Vec<Placement> {
    type Key = (Path, Driver, Option<String>, String, Source);
    let mut groups: BTreeMap<Key, (usize, Money)> = BTreeMap::new();
    for entry in in_period(entries, period).filter(|entry| filter.keeps(entry)) {
        let slot = groups.entry((entry.path, entry.driver.clone(), entry.api_key.clone(), entry.rule.clone(), entry.source)).or_default();
        slot.0 += 1;
        slot.1 += entry.amount;
    }
    let mut placements: Vec<Placement> = groups
        .into_iter()
        .map(|((path, driver, api_key, rule, source), (entries, total_usd))| Placement {
            path,
            driver,
            api_key,
            rule,
            source,
            entries,
            total_usd,
        })
        .collect();
    placements.sort_by(|a, b| b.total_usd.cmp(&a.total_usd).then_with(|| a.driver.cmp(&b.driver)).then_with(|| a.api_key.cmp(&b.api_key)));
    placements
}
