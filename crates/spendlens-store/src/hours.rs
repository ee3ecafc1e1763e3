//! The hour-of-week profiles of a source's usage (what the optimiser reads for traffic shapes):
//! tokens per API key, model, tier and hour of the week, with the distinct days of each.
//!
//! A large organisation's usage report has tens of thousands of keys, each with traffic in most
//! of the week's 168 hours: millions of groups, which a hash map keyed by the whole group reaches
//! at random for every line. Here a worker names each (key, model, tier) once with a dense index,
//! and keeps, per hour of the week, a column of cell numbers over those indexes. A day's file is
//! sorted by start, then key, so its lines walk each hour's column in order, and the cells are
//! laid out in the order the first day touched them, which the next days follow.

use rustc_hash::{FxHashMap, FxHashSet};
use spendlens_model::{HourProfile, Period, ServiceTier, Source, TokenCounts, parallel};

use crate::coded::{Interner, NULL};
use crate::encode::TOKEN_COLUMNS;
use crate::files::{DataFile, read_checked_parquet_coded};
use crate::layout::Table;
use crate::scan::{DayPartition, Worker, day_partitions, files, gathered, parse_required, table_schema};
use crate::{Store, StoreError};

const TEXTS: [&str; 3] = ["api_key_id", "model", "service_tier"];
const HOURS_OF_WEEK: usize = 7 * 24;
const NO_CELL: u32 = u32::MAX;
const MICROS_PER_HOUR: i64 = 3_600_000_000;

/// One hour of the week of one (key, model, tier): its days, the last day that counted (its
/// partition index + 1) and its tokens.
#[derive(Clone, Copy, Default)]
struct Cell {
    days: u32,
    last: u32,
    tokens: [u64; 5],
}

/// A worker's profiles, by interned (key, model, tier) ids.
#[derive(Default)]
struct Profiles {
    index: FxHashMap<[u32; 3], u32>,
    groups: Vec<[u32; 3]>,
    /// Per hour of the week (Monday 00:00 first), the cell of each group index, or [`NO_CELL`].
    columns: Vec<Vec<u32>>,
    cells: Vec<Cell>,
}

impl Profiles {
    fn group(&mut self, ids: [u32; 3]) -> usize {
        let next = self.groups.len() as u32;
        let index = *self.index.entry(ids).or_insert(next);
        if index == next {
            self.groups.push(ids);
        }
        index as usize
    }

    fn cell(&mut self, hour_of_week: usize, group: usize) -> &mut Cell {
        if self.columns.is_empty() {
            self.columns = vec![Vec::new(); HOURS_OF_WEEK];
        }
        let column = &mut self.columns[hour_of_week];
        if column.len() <= group {
            column.resize(group + 1, NO_CELL);
        }
        if column[group] == NO_CELL {
            column[group] = self.cells.len() as u32;
            self.cells.push(Cell::default());
        }
        &mut self.cells[column[group] as usize]
    }

    /// Each group's spelling with its cells in hour-of-week order.
    fn spelled(&self, interner: &Interner) -> Vec<Group> {
        let mut out = Vec::with_capacity(self.groups.len());
        for (index, ids) in self.groups.iter().enumerate() {
            let cells = (0..self.columns.len())
                .filter_map(|hour| {
                    let cell = *self.columns[hour].get(index)?;
                    (cell != NO_CELL).then(|| (hour as u8, self.cells[cell as usize]))
                })
                .collect();
            out.push((ids.map(|id| interner.owned(id)), cells));
        }
        out
    }
}

/// A group's spelling (key, model, tier) and its cells by hour of the week.
type Group = ([Option<String>; 3], Vec<(u8, Cell)>);

/// The hour of the week (Monday 00:00 UTC is 0) of an instant in microseconds since the epoch.
fn hour_of_week(micros: i64) -> usize {
    let hours = micros.div_euclid(MICROS_PER_HOUR);
    // 1970-01-01 was a Thursday: three days after a Monday.
    ((hours + 3 * 24).rem_euclid(HOURS_OF_WEEK as i64)) as usize
}

/// Usage of `source` summed per API key, model, tier and hour of the week (UTC, weeks from
/// Monday) over `period` (all if `None`), with the distinct days seen in each hour. Each worker
/// takes a day at a time; a day counts once per group whatever files hold it. Ordered by key,
/// model, tier, weekday and hour.
pub(crate) fn hour_profiles(store: &Store, source: Source, period: Option<Period>) -> Result<Vec<HourProfile>, StoreError> {
    let partitions = day_partitions(files(store, Table::Usage, period, Some(source))?)?;
    let mut read = TEXTS.to_vec();
    read.push("start");
    read.extend(TOKEN_COLUMNS);
    let items: Vec<(usize, &DayPartition)> = partitions.iter().enumerate().collect();
    let workers = parallel::fold(
        &items,
        || Worker::new(TEXTS.len()),
        |worker: &mut Worker<Profiles>, (index, (_, files))| {
            let result = add_day(worker, *index, files, &read);
            worker.record(*index, result);
        },
        // Spelled out on the worker's thread.
        |worker| (worker.made.spelled(&worker.interner), worker.failed),
    );
    let first_file = partitions.first().and_then(|(_, files)| files.first()).map(|file| file.path.clone()).unwrap_or_default();
    // The workers' groups merged by spelling: cells of the same hour add.
    let mut index: FxHashMap<[Option<String>; 3], usize> = FxHashMap::default();
    let mut merged: Vec<Group> = Vec::new();
    for part in gathered(workers)? {
        for (texts, cells) in part {
            match index.get(&texts) {
                Some(&at) => merged[at].1 = merge_cells(std::mem::take(&mut merged[at].1), cells),
                None => {
                    index.insert(texts.clone(), merged.len());
                    merged.push((texts, cells));
                }
            }
        }
    }
    let mut typed = Vec::with_capacity(merged.len());
    for ([api_key_id, model, tier], cells) in merged {
        let model = model.ok_or_else(|| StoreError::corrupt(&first_file, "column \"model\" is null where a value is required"))?;
        let tier: ServiceTier = parse_required(&first_file, "service_tier", tier.as_deref())?;
        typed.push((api_key_id, model, tier, cells));
    }
    typed.sort_by(|left, right| (&left.0, &left.1, left.2).cmp(&(&right.0, &right.1, right.2)));
    let mut profiles = Vec::with_capacity(typed.iter().map(|group| group.3.len()).sum());
    for (api_key_id, model, service_tier, cells) in typed {
        for (hour, cell) in cells {
            let [input, cache_write_5m, cache_write_1h, cache_read, output] = cell.tokens;
            profiles.push(HourProfile {
                api_key_id: api_key_id.clone(),
                model: model.clone(),
                service_tier,
                weekday: hour / 24,
                hour: hour % 24,
                days: u64::from(cell.days),
                tokens: TokenCounts { input, cache_write_5m, cache_write_1h, cache_read, output },
            });
        }
    }
    Ok(profiles)
}

/// Two groups' cells (each in hour-of-week order) added hour by hour.
fn merge_cells(left: Vec<(u8, Cell)>, right: Vec<(u8, Cell)>) -> Vec<(u8, Cell)> {
    let mut out = Vec::with_capacity(left.len().max(right.len()));
    let (mut left, mut right) = (left.into_iter().peekable(), right.into_iter().peekable());
    loop {
        let next = match (left.peek(), right.peek()) {
            (Some(l), Some(r)) if l.0 == r.0 => {
                let ((hour, mut cell), (_, other)) = (left.next().unwrap_or_default(), right.next().unwrap_or_default());
                cell.days += other.days;
                cell.tokens.iter_mut().zip(other.tokens).for_each(|(sum, value)| *sum += value);
                (hour, cell)
            }
            (Some(l), Some(r)) if l.0 < r.0 => left.next().unwrap_or_default(),
            (Some(_), Some(_)) | (None, Some(_)) => right.next().unwrap_or_default(),
            (Some(_), None) => left.next().unwrap_or_default(),
            (None, None) => return out,
        };
        out.push(next);
    }
}

/// One day partition's files added to the worker's profiles.
fn add_day(worker: &mut Worker<Profiles>, index: usize, files: &[DataFile], read: &[&str]) -> Result<(), StoreError> {
    let day = u32::try_from(index + 1).unwrap_or(u32::MAX);
    for file in files {
        for batch in read_checked_parquet_coded(&file.path, &table_schema(Table::Usage), read, &TEXTS)? {
            for (slot, name) in TEXTS.iter().enumerate() {
                worker.interner.column_ids(&batch, name, slot, &file.path, &mut worker.ids[slot])?;
            }
            // A tier that does not parse is named with the file that holds it.
            let mut tiers = FxHashSet::default();
            for id in worker.ids[2].iter().filter(|id| tiers.insert(**id)) {
                parse_required::<ServiceTier>(&file.path, "service_tier", worker.interner.text(*id))?;
            }
            let columns = crate::decode::Columns::new(&batch, &file.path);
            let start = columns.instants("start")?;
            let tokens = TOKEN_COLUMNS.iter().map(|name| columns.counts(name)).collect::<Result<Vec<_>, _>>()?;
            let (ids, profiles) = (&worker.ids, &mut worker.made);
            let mut last: Option<([u32; 3], usize)> = None;
            #[allow(clippy::needless_range_loop)] // a row indexes every column alike
            for row in 0..columns.rows() {
                let key = [ids[0][row], ids[1][row], ids[2][row]];
                if key[1] == NULL {
                    return Err(StoreError::corrupt(&file.path, "column \"model\" is null where a value is required"));
                }
                let group = match last {
                    Some((seen, group)) if seen == key => group,
                    _ => profiles.group(key),
                };
                last = Some((key, group));
                let cell = profiles.cell(hour_of_week(start.micros(row)?), group);
                if cell.last != day {
                    cell.days += 1;
                    cell.last = day;
                }
                for (sum, column) in cell.tokens.iter_mut().zip(&tokens) {
                    *sum += column.optional(row).unwrap_or(0);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_of_the_week_start_on_monday_at_midnight_utc() {
        let at = |text: &str| chrono::DateTime::parse_from_rfc3339(text).map(|instant| instant.timestamp_micros()).unwrap_or_default();
        assert_eq!(hour_of_week(at("2026-11-30T00:00:00Z")), 0); // a Monday
        assert_eq!(hour_of_week(at("2026-12-01T05:59:59Z")), 24 + 5);
        assert_eq!(hour_of_week(at("2026-12-06T23:00:00Z")), 6 * 24 + 23); // a Sunday
        assert_eq!(hour_of_week(at("1969-12-29T01:30:00Z")), 1); // before the epoch, a Monday
    }

    #[test]
    fn cells_merge_hour_by_hour() {
        let cell = |days, input| Cell { days, last: 0, tokens: [input, 0, 0, 0, 0] };
        let merged = merge_cells(vec![(1, cell(1, 10)), (5, cell(2, 20))], vec![(0, cell(1, 1)), (5, cell(1, 2)), (9, cell(3, 3))]);
        let summary: Vec<(u8, u32, u64)> = merged.iter().map(|(hour, cell)| (*hour, cell.days, cell.tokens[0])).collect();
        assert_eq!(summary, vec![(0, 1, 1), (1, 1, 10), (5, 3, 22), (9, 3, 3)]);
    }
}
