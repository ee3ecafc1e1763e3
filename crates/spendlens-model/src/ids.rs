//! Small closed vocabularies: the two paths, service tiers, context-window buckets, sources.
//!
//! Each has one canonical lower-case spelling used in the store, JSON and the CLI.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A spelling that is not one of an enum's known values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?} (expected one of: {expected})")]
pub struct ParseEnumError {
    pub kind: &'static str,
    pub value: String,
    pub expected: &'static str,
}

macro_rules! spelled_enum {
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
    /// The context-window bucket a request fell into (long-context requests cost more).
    ContextWindow, "context window", {
        Base => "0-200k" | "base" | "standard",
        Long => "200k-1m" | "long" | "1m",
    }
);

spelled_enum!(
    /// Where inference ran; US-only inference carries an uplift on newer models.
    InferenceGeo, "inference geography", {
        Global => "global" | "not_available" | "",
        Us => "us",
    }
);

spelled_enum!(
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
    /// The priced components of a request.
    TokenType, "token type", {
        Input => "uncached_input_tokens" | "input" | "input_tokens",
        CacheWrite5m => "cache_creation.ephemeral_5m_input_tokens" | "cache_write_5m" | "ephemeral_5m_input_tokens",
        CacheWrite1h => "cache_creation.ephemeral_1h_input_tokens" | "cache_write_1h" | "ephemeral_1h_input_tokens",
        CacheRead => "cache_read_input_tokens" | "cache_read",
        Output => "output_tokens" | "output",
    }
);

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
        let error = "flex".parse::<ServiceTier>().unwrap_err();
        assert!(error.to_string().contains("unknown service tier \"flex\""), "{error}");
    }
}
