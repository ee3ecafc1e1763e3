//! The model ids the demo's traffic uses, exactly as the usage report, Claude Code Analytics and the
//! transcripts write them: undated aliases, the same spelling in every source.

pub const OPUS: &str = "claude-opus-5-5";
pub const SONNET: &str = "claude-sonnet-5-5";
pub const HAIKU: &str = "claude-haiku-5-5";
pub const FABLE: &str = "claude-fable-5-1";
