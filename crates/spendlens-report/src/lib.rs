//! spendlens report rendering: tables and JSON for people and scripts.
