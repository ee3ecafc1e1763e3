//! Model id normalisation: every spelling real data carries, mapped to one canonical form.

/// Normalises a model id as found in usage data to the book's canonical spelling.
///
/// `claude-sonnet-4-5-20250929`, `anthropic/claude-sonnet-4.5`, `claude-sonnet-4-5@20250929`,
/// `us.anthropic.claude-sonnet-4-5-20250929-v1:0` and `claude-sonnet-4-5-latest` all become
/// `claude-sonnet-4-5`. The result is not checked against the book.
pub fn normalise_model_id(raw: &str) -> String {
    let mut id = raw.trim().to_ascii_lowercase();
    // Context-window hints such as `[1m]` never change the model.
    if let Some(open) = id.find('[') {
        id.truncate(open);
    }
    // Vertex: `claude-sonnet-4-5@20250929`.
    if let Some(at) = id.find('@') {
        id.truncate(at);
    }
    // Router prefixes: `anthropic/claude-...`, `openrouter/anthropic/claude-...`.
    if let Some(slash) = id.rfind('/') {
        id = id[slash + 1..].to_string();
    }
    // Bedrock: `us.anthropic.claude-...-v1:0` (cross-region prefixes us., eu., apac., global.).
    if let Some(position) = id.find("anthropic.") {
        id = id[position + "anthropic.".len()..].to_string();
    }
    if let Some(version) = id.rfind("-v") {
        let tail = &id[version + 2..];
        if !tail.is_empty() && tail.chars().all(|c| c.is_ascii_digit() || c == ':') {
            id.truncate(version);
        }
    }
    id = id.replace('.', "-");
    for suffix in ["-latest"] {
        if let Some(stripped) = id.strip_suffix(suffix) {
            id = stripped.to_string();
        }
    }
    // A trailing snapshot date: `-20250929`.
    if let Some(dash) = id.rfind('-') {
        let tail = &id[dash + 1..];
        if tail.len() == 8 && tail.chars().all(|c| c.is_ascii_digit()) {
            id.truncate(dash);
        }
    }
    id
}

#[cfg(test)]
mod tests {
    use super::normalise_model_id;

    #[test]
    fn every_spelling_maps_to_the_canonical_id() {
        let cases = [
            ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
            ("claude-sonnet-4-5", "claude-sonnet-4-5"),
            ("Claude-Opus-4-6", "claude-opus-4-6"),
            ("anthropic/claude-sonnet-4.5", "claude-sonnet-4-5"),
            ("openrouter/anthropic/claude-haiku-4.5", "claude-haiku-4-5"),
            ("claude-sonnet-4-5@20250929", "claude-sonnet-4-5"),
            ("anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
            ("us.anthropic.claude-opus-4-1-20250805-v1:0", "claude-opus-4-1"),
            ("global.anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5"),
            ("claude-3-5-sonnet-20241022", "claude-3-5-sonnet"),
            ("claude-3-haiku-20240307", "claude-3-haiku"),
            ("claude-3-7-sonnet-latest", "claude-3-7-sonnet"),
            ("claude-opus-4-20250514", "claude-opus-4"),
            ("claude-opus-4-6[1m]", "claude-opus-4-6"),
            ("claude-fable-5-1", "claude-fable-5-1"),
        ];
        for (raw, canonical) in cases {
            assert_eq!(normalise_model_id(raw), canonical, "{raw}");
        }
    }
}
