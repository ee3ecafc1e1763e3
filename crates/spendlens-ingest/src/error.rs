//! What can go wrong reading a source, always naming where.

use std::fmt;

/// Where in an input the fault is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A line (and column) of a text file.
    Line { line: usize, column: Option<usize> },
    /// A JSON path such as `data[3].results[0].model`.
    JsonPath(String),
    /// A CSV row (1-based, header is row 1) and column name.
    Cell { row: usize, column: String },
    /// A TOML line and key.
    Key { line: usize, key: String },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line { line, column: Some(column) } => write!(f, "line {line}, column {column}"),
            Location::Line { line, column: None } => write!(f, "line {line}"),
            Location::JsonPath(path) => write!(f, "field {path}"),
            Location::Cell { row, column } => write!(f, "row {row}, column {column:?}"),
            Location::Key { line, key } => write!(f, "line {line}, key {key:?}"),
        }
    }
}

/// A source could not be read. Grouped by what the user can do about it.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The input is not what the format says it should be: fix or re-export the file.
    #[error("{file}: {location}: {detail}")]
    Malformed { file: String, location: Location, detail: String },
    /// The file could not be read at all.
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
}

impl IngestError {
    pub fn malformed(file: &str, location: Location, detail: impl Into<String>) -> Self {
        IngestError::Malformed { file: file.to_string(), location, detail: detail.into() }
    }

    pub fn at_path(file: &str, path: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::malformed(file, Location::JsonPath(path.into()), detail)
    }

    /// A serde_json failure, with its line and column.
    pub fn json(file: &str, error: &serde_json::Error) -> Self {
        let detail = error.to_string();
        // serde_json appends " at line L column C"; the location says it once.
        let detail = detail.split(" at line ").next().unwrap_or(&detail).to_string();
        Self::malformed(file, Location::Line { line: error.line(), column: Some(error.column()) }, detail)
    }

    pub fn io(file: &str, source: std::io::Error) -> Self {
        IngestError::Io { file: file.to_string(), source }
    }
}
