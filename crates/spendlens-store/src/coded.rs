//! Text columns read as integer ids, so whole-lake reads group rows by integers, never by
//! spelling.
//!
//! A text column the lake writes holds a few distinct spellings per file, dictionary-encoded in
//! Parquet. Read as an Arrow dictionary (`files::read_checked_parquet_coded`), a batch holds
//! each spelling once and a code per row. [`Interner`] gives every spelling one id for a whole
//! read (a worker's share of the lake), a dictionary's spellings are mapped to ids once (and
//! again only when the reader hands over another dictionary), and each row's id is then a look-up
//! in a small table. Grouping keys are arrays of ids hashed with `rustc_hash`; spellings are
//! copied once per group, when a group becomes a typed row.

use std::path::Path as FilePath;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;
use rustc_hash::FxHashMap;

use crate::StoreError;
use crate::decode::normalised;
use crate::layout::ADDED_COLUMNS;

/// The id of a null.
pub(crate) const NULL: u32 = u32::MAX;

/// One id per spelling, for the life of a read.
#[derive(Default)]
pub(crate) struct Interner {
    ids: FxHashMap<Box<str>, u32>,
    texts: Vec<Box<str>>,
    /// Per column slot: the last dictionary seen (kept alive, so its buffers are never reused
    /// for another) and its spellings' ids.
    last: Vec<Option<(ArrayRef, Vec<u32>)>>,
}

impl Interner {
    pub(crate) fn id(&mut self, text: &str) -> u32 {
        if let Some(id) = self.ids.get(text) {
            return *id;
        }
        let id = u32::try_from(self.texts.len()).unwrap_or(NULL - 1).min(NULL - 1);
        self.texts.push(text.into());
        self.ids.insert(text.into(), id);
        id
    }

    /// The spelling of `id` (`None` for [`NULL`]).
    pub(crate) fn text(&self, id: u32) -> Option<&str> {
        (id != NULL).then(|| self.texts.get(id as usize).map(AsRef::as_ref)).flatten()
    }

    /// The spelling of `id`, owned.
    pub(crate) fn owned(&self, id: u32) -> Option<String> {
        self.text(id).map(str::to_string)
    }

    /// The ids of column `name`'s rows in `batch` into `out` (cleared first). `slot` names the
    /// column within the read (0, 1, ...), for the dictionary kept per column. A column a file
    /// written before it existed lacks reads as nulls.
    pub(crate) fn column_ids(
        &mut self,
        batch: &RecordBatch,
        name: &str,
        slot: usize,
        file: &FilePath,
        out: &mut Vec<u32>,
    ) -> Result<(), StoreError> {
        out.clear();
        let rows = batch.num_rows();
        let Some(column) = batch.column_by_name(name) else {
            if ADDED_COLUMNS.contains(&name) {
                out.resize(rows, NULL);
                return Ok(());
            }
            return Err(StoreError::corrupt(file, format!("the query returned no column {name:?}")));
        };
        let unreadable = |error: String| StoreError::corrupt(file, format!("column {name:?} cannot be read as text: {error}"));
        let nulls = column.logical_nulls();
        let is_null = |row: usize| nulls.as_ref().is_some_and(|nulls| nulls.is_null(row));
        if let Some(dictionary) = column.as_any_dictionary_opt() {
            let values = dictionary.values();
            if values.is_empty() {
                // Every row null: no spelling to point at.
                out.resize(rows, NULL);
                return Ok(());
            }
            if self.last.len() <= slot {
                self.last.resize_with(slot + 1, || None);
            }
            let same = self.last[slot].as_ref().is_some_and(|(kept, _)| kept.to_data().ptr_eq(&values.to_data()));
            if !same {
                let texts = normalised(values, &DataType::Utf8).map_err(unreadable)?;
                let texts = texts.as_string_opt::<i32>().ok_or_else(|| unreadable("not text".to_string()))?;
                let map = (0..texts.len()).map(|index| if texts.is_null(index) { NULL } else { self.id(texts.value(index)) }).collect();
                self.last[slot] = Some((values.clone(), map));
            }
            let map = self.last[slot].as_ref().map(|(_, map)| map.as_slice()).unwrap_or_default();
            let keys = dictionary.normalized_keys();
            out.extend(keys.iter().enumerate().map(|(row, key)| if is_null(row) { NULL } else { map.get(*key).copied().unwrap_or(NULL) }));
        } else {
            let texts = normalised(column, &DataType::Utf8).map_err(unreadable)?;
            let texts = texts.as_string_opt::<i32>().ok_or_else(|| unreadable("not text".to_string()))?;
            for row in 0..rows {
                out.push(if texts.is_null(row) { NULL } else { self.id(texts.value(row)) });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::sync::Arc;

    use arrow_array::types::Int32Type;
    use arrow_array::{DictionaryArray, Int32Array, StringArray};
    use arrow_schema::{Field, Schema};

    use super::*;

    fn batch(column: ArrayRef) -> RecordBatch {
        RecordBatch::try_new(Arc::new(Schema::new(vec![Field::new("model", column.data_type().clone(), true)])), vec![column]).unwrap()
    }

    #[test]
    fn dictionary_and_plain_columns_give_the_same_ids() {
        let mut interner = Interner::default();
        let plain: ArrayRef = Arc::new(StringArray::from(vec![Some("opus"), None, Some("haiku"), Some("opus")]));
        let mut ids = Vec::new();
        interner.column_ids(&batch(plain), "model", 0, FilePath::new("a.parquet"), &mut ids).unwrap();
        assert_eq!(ids, vec![0, NULL, 1, 0]);

        // Keys with a null, and a dictionary value that no row uses.
        let dictionary: ArrayRef = Arc::new(DictionaryArray::<Int32Type>::new(
            Int32Array::from(vec![Some(2), Some(0), None, Some(2)]),
            Arc::new(StringArray::from(vec!["haiku", "sonnet", "opus"])),
        ));
        interner.column_ids(&batch(dictionary.clone()), "model", 1, FilePath::new("b.parquet"), &mut ids).unwrap();
        assert_eq!(ids, vec![0, 1, NULL, 0]);
        assert_eq!(interner.text(2), Some("sonnet"));
        // The same dictionary again (kept), then spellings back.
        interner.column_ids(&batch(dictionary), "model", 1, FilePath::new("b.parquet"), &mut ids).unwrap();
        assert_eq!(
            ids.iter().map(|id| interner.owned(*id)).collect::<Vec<_>>(),
            vec![Some("opus".to_string()), Some("haiku".to_string()), None, Some("opus".to_string())]
        );
    }

    #[test]
    fn a_missing_column_is_an_error_unless_it_was_added_later() {
        let mut interner = Interner::default();
        let plain: ArrayRef = Arc::new(StringArray::from(vec![Some("x")]));
        let mut ids = Vec::new();
        let error = interner.column_ids(&batch(plain.clone()), "api_key_id", 0, FilePath::new("c.parquet"), &mut ids).unwrap_err();
        assert!(error.to_string().contains("c.parquet") && error.to_string().contains("api_key_id"), "{error}");
        if let Some(added) = ADDED_COLUMNS.first() {
            interner.column_ids(&batch(plain), added, 0, FilePath::new("c.parquet"), &mut ids).unwrap();
            assert_eq!(ids, vec![NULL]);
        }
    }
}
