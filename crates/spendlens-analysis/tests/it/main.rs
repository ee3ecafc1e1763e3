//! Integration tests of the analyses on small hand-built organisations.

mod ledger;
