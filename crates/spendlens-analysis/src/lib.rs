//! spendlens analyses: pure functions from ledger records to answers.
