//! spendlens source readers: Anthropic wire formats parsed into ledger lines.
