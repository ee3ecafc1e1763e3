//! The readers against saved pages in the shapes of Anthropic's current API reference and SDK
//! types (`tests/compat/`, refreshed with `scripts/refresh-compat-corpus.py`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod compat;
