//! Spellings a source wrote that this build does not know yet: a service tier, speed, cost type
//! or token type Anthropic added after the release. They are data, not errors: the line that
//! carries one is kept (its dollars still bill; only pricing it, and splitting by its price, says
//! "unknown"), and the spelling is kept exactly as written, in the lake and in every answer.
//!
//! A [`Spelling`] is interned (a small number standing for the text), so the vocabularies that
//! carry one stay `Copy`. The interner holds each distinct text once, for the life of the process;
//! it is bounded ([`MOST_SPELLINGS`] texts of at most [`LONGEST_SPELLING`] bytes), so hostile input
//! cannot grow it without limit: past the bound a spelling is refused as malformed.

use std::collections::HashMap;
use std::fmt;
use std::sync::{LazyLock, Mutex};

use serde::{Deserialize, Serialize};

/// Distinct unknown spellings one process keeps.
pub const MOST_SPELLINGS: usize = 4096;

/// The longest unknown spelling kept, in bytes: enum values are short words.
pub const LONGEST_SPELLING: usize = 64;

struct Interner {
    texts: Vec<&'static str>,
    index: HashMap<&'static str, u32>,
}

static INTERNER: LazyLock<Mutex<Interner>> = LazyLock::new(|| Mutex::new(Interner { texts: Vec::new(), index: HashMap::new() }));

/// Why a text cannot be kept as a spelling.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpellingError {
    #[error("{length} bytes long (a value is at most {LONGEST_SPELLING})")]
    TooLong { length: usize },
    #[error("holds a control character")]
    Control,
    #[error("more than {MOST_SPELLINGS} distinct unknown values")]
    TooMany,
}

/// An unknown value's text, exactly as its source wrote it (trimmed).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Spelling(u32);

impl Spelling {
    /// The spelling of `text` (the same one for the same text, every time).
    pub fn new(text: &str) -> Result<Spelling, SpellingError> {
        let text = text.trim();
        if text.len() > LONGEST_SPELLING {
            return Err(SpellingError::TooLong { length: text.len() });
        }
        if text.chars().any(char::is_control) {
            return Err(SpellingError::Control);
        }
        let mut interner = INTERNER.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(index) = interner.index.get(text) {
            return Ok(Spelling(*index));
        }
        if interner.texts.len() >= MOST_SPELLINGS {
            return Err(SpellingError::TooMany);
        }
        // Kept for the life of the process: bounded above, and what lets the value stay `Copy`.
        let kept: &'static str = Box::leak(text.to_string().into_boxed_str());
        let index = interner.texts.len() as u32;
        interner.texts.push(kept);
        interner.index.insert(kept, index);
        Ok(Spelling(index))
    }

    /// The text, as written.
    pub fn as_str(self) -> &'static str {
        let interner = INTERNER.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        interner.texts.get(self.0 as usize).copied().unwrap_or("")
    }
}

impl PartialOrd for Spelling {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// By text, so that sorted output does not depend on the order spellings were first seen.
impl Ord for Spelling {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        if self.0 == other.0 { std::cmp::Ordering::Equal } else { self.as_str().cmp(other.as_str()) }
    }
}

impl fmt::Debug for Spelling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl fmt::Display for Spelling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for Spelling {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Spelling {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Spelling::new(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_is_the_same_spelling_and_reads_back() {
        let flex = Spelling::new("flex").unwrap();
        assert_eq!(Spelling::new(" flex ").unwrap(), flex);
        assert_eq!(flex.as_str(), "flex");
        assert_ne!(Spelling::new("flex_discount").unwrap(), flex);
        assert!(Spelling::new("a").unwrap() < Spelling::new("b").unwrap());
        assert_eq!(serde_json::to_string(&flex).unwrap(), "\"flex\"");
    }

    #[test]
    fn long_and_control_texts_are_refused() {
        assert_eq!(Spelling::new(&"x".repeat(65)), Err(SpellingError::TooLong { length: 65 }));
        assert_eq!(Spelling::new("a\u{7}b"), Err(SpellingError::Control));
    }
}
