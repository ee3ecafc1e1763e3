//! spendlens demo organisation: a realistic, seeded org rendered in real source formats.
