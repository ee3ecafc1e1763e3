//! Small vocabularies: the two paths, service tiers, context-window buckets, sources.
//!
//! Each value has one canonical lower-case spelling used in the store, JSON and the CLI. The
//! closed ones (path, source) are spendlens's own; the open ones are Anthropic's (service tier,
//! context window, inference geography, speed, token type, cost type), which grow: a spelling this
//! build does not know is kept as `Unknown`, exactly as written, and only pricing it says so.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Spelling;

/// A spelling that is not one of an enum's known values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?} (expected one of: {expected})")]
pub struct ParseEnumError {
    pub kind: &'static str,
    pub value: String,
    pub expected: &'static str,
}

macro_rules! spelled_enum {
    // A closed vocabulary: any other spelling is an error.
    ($(#[$meta:meta])* $name:ident, $kind:literal, { $($(#[$vmeta:meta])* $variant:ident => $text:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ParseEnumError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text.trim().to_ascii_lowercase().as_str() {
                    $($text $(| $alias)* => Ok($name::$variant),)+
                    _ => Err(ParseEnumError {
                        kind: $kind,
                        value: text.to_string(),
                        expected: concat!($($text, " "),+),
                    }),
                }
            }
        }
    };
    // An open vocabulary: the values this build knows, and any other spelling kept as written in
    // `Unknown` (data, not an error: Anthropic adds values often).
    (open $(#[$meta:meta])* $name:ident, $kind:literal, { $($(#[$vmeta:meta])* $variant:ident => $text:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
            /// A value this build does not know, as its source wrote it.
            #[serde(untagged)]
            Unknown(Spelling),
        }

        impl $name {
            /// The values this build knows.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Unknown(spelling) => spelling.as_str(),
                }
            }

            /// The spelling of a value this build does not know.
            pub fn unknown(self) -> Option<Spelling> {
                match self {
                    $name::Unknown(spelling) => Some(spelling),
                    _ => None,
                }
            }

            /// What the value is, for messages: `service tier "flex"`.
            pub const KIND: &'static str = $kind;
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ParseEnumError;
            /// A known spelling (or alias), else the text kept as an unknown value; only a text
            /// that cannot be kept (too long, a control character) is an error.
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text.trim().to_ascii_lowercase().as_str() {
                    $($text $(| $alias)* => Ok($name::$variant),)+
                    _ => Spelling::new(text).map($name::Unknown).map_err(|error| ParseEnumError {
                        kind: $kind,
                        value: text.chars().take(80).collect(),
                        expected: match error {
                            crate::SpellingError::TooLong { .. } => "a value of at most 64 bytes",
                            crate::SpellingError::Control => "a value without control characters",
                            crate::SpellingError::TooMany => "fewer distinct unknown values",
                        },
                    }),
                }
            }
        }
    };
}

spelled_enum!(
    /// The two ways an organisation pays for Claude, and the honest third bucket.
    Path, "path", {
        /// Engineers using Claude Code: seats, or Console API keys used by Claude Code.
        ClaudeCode => "claude_code" | "claude-code" | "cc",
        /// The organisation's own software calling the API.
        Api => "api",
        /// Dollars no rule could place yet; always shown with the reason.
        Unassigned => "unassigned",
    }
);

spelled_enum!(
    open
    /// How a request was served, which changes its price.
    ServiceTier, "service tier", {
        Standard => "standard" | "default" | "auto",
        /// Message Batches API: half price on every token component.
        Batch => "batch",
        /// Priority Tier: contract-priced and absent from the cost report.
        Priority => "priority",
    }
);

spelled_enum!(
    open
    /// The context-window bucket a request fell into (long-context requests cost more).
    ContextWindow, "context window", {
        Base => "0-200k" | "base" | "standard",
        Long => "200k-1m" | "long" | "1m",
    }
);

spelled_enum!(
    open
    /// Where inference ran; US-only inference carries an uplift on newer models.
    InferenceGeo, "inference geography", {
        Global => "global" | "",
        Us => "us",
        /// No geography applies (a documented filter value): priced as global routing.
        NotAvailable => "not_available",
    }
);

spelled_enum!(
    open
    /// Output speed mode; fast mode is a premium multiple of the standard rate.
    Speed, "speed", {
        Standard => "standard",
        Fast => "fast",
    }
);

spelled_enum!(
    /// Where a ledger line came from. Part of every line's provenance and of the lake's layout.
    Source, "source", {
        /// Admin API Messages usage report (tokens by key, workspace, model, ...).
        AdminUsage => "admin_usage",
        /// Admin API cost report: billing truth for Console (API-key) spend.
        AdminCost => "admin_cost",
        /// Usage and Cost Analytics API (beta) usage: tokens and request counts by key, workspace,
        /// model, actor, ...
        AdminAnalyticsUsage => "admin_analytics_usage",
        /// Usage and Cost Analytics API (beta) cost. Stored beside the cost report; which of the
        /// two the ledger bills is decided in ledger assembly.
        AdminAnalyticsCost => "admin_analytics_cost",
        /// Admin API workspaces, API keys and users listings.
        AdminDirectory => "admin_directory",
        /// Claude Code Analytics API: per engineer per day.
        ClaudeCodeAnalytics => "claude_code_analytics",
        /// Claude Code's local JSONL transcripts.
        Transcript => "transcript",
        /// Claude Code OpenTelemetry metrics and events.
        Otel => "otel",
        /// spendlens's own gateway request log.
        Gateway => "gateway",
        /// Seat roster: seat fees.
        Roster => "roster",
        /// An invoice's line items.
        Invoice => "invoice",
    }
);

spelled_enum!(
    open
    /// The priced components of a request.
    TokenType, "token type", {
        Input => "uncached_input_tokens" | "input" | "input_tokens",
        CacheWrite5m => "cache_creation.ephemeral_5m_input_tokens" | "cache_write_5m" | "ephemeral_5m_input_tokens",
        CacheWrite1h => "cache_creation.ephemeral_1h_input_tokens" | "cache_write_1h" | "ephemeral_1h_input_tokens",
        CacheRead => "cache_read_input_tokens" | "cache_read",
        Output => "output_tokens" | "output",
    }
);

spelled_enum!(
    open
    /// What a billed amount pays for (the cost report's `cost_type`, an invoice line's kind).
    CostKind, "cost type", {
        Tokens => "tokens" | "token",
        WebSearch => "web_search",
        CodeExecution => "code_execution",
        SeatFee => "seat_fee" | "seat",
        Tax => "tax",
        Credit => "credit",
        Commitment => "commitment",
        Other => "other",
    }
);

impl CostKind {
    /// A kind this build knows (a user's invoice CSV names one of them; a typo is an error there).
    pub fn parse(text: &str) -> Option<Self> {
        text.parse::<CostKind>().ok().filter(|kind| kind.unknown().is_none())
    }
}

macro_rules! default_variant {
    ($($name:ident => $variant:ident),+) => {
        $(impl Default for $name {
            fn default() -> Self {
                $name::$variant
            }
        })+
    };
}

default_variant!(Source => AdminUsage, ServiceTier => Standard, ContextWindow => Base, InferenceGeo => Global, Speed => Standard);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip_and_aliases_parse() {
        for path in Path::ALL {
            assert_eq!(path.as_str().parse::<Path>().unwrap(), *path);
        }
        assert_eq!("200k-1M".parse::<ContextWindow>().unwrap(), ContextWindow::Long);
        assert_eq!("Batch".parse::<ServiceTier>().unwrap(), ServiceTier::Batch);
        for source in Source::ALL {
            assert_eq!(source.as_str().parse::<Source>().unwrap(), *source);
        }
        assert_eq!(Source::AdminAnalyticsUsage.as_str(), "admin_analytics_usage");
        assert_eq!(Source::AdminAnalyticsCost.as_str(), "admin_analytics_cost");
        // A tier Anthropic added after this build is data, kept as written.
        let flex = "flex".parse::<ServiceTier>().unwrap();
        assert_eq!((flex.as_str(), flex.unknown().map(|spelling| spelling.as_str())), ("flex", Some("flex")));
        assert_eq!(serde_json::to_string(&flex).unwrap(), "\"flex\"");
        assert_eq!(serde_json::from_str::<ServiceTier>("\"flex\"").unwrap(), flex);
        assert_eq!(serde_json::from_str::<ServiceTier>("\"batch\"").unwrap(), ServiceTier::Batch);
        assert_eq!("not_available".parse::<InferenceGeo>().unwrap(), InferenceGeo::NotAvailable);
        let error = "x".repeat(100).parse::<ServiceTier>().unwrap_err();
        assert!(error.to_string().contains("at most 64 bytes"), "{error}");
    }
}
