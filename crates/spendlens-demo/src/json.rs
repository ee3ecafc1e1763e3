//! A tiny ordered JSON writer for the vendor formats the demo renders.
//!
//! Why not `serde_json::Value`: its objects sort their keys, and its numbers cannot carry an exact
//! decimal (Claude Code Analytics writes `estimated_cost.amount` as a JSON number in cents). Here
//! fields keep the order the real API writes them in, and a decimal is written digit for digit.

use rust_decimal::Decimal;

/// A JSON value whose objects keep their field order.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// A number literal, written as is (an integer or an exact decimal).
    Number(String),
    Text(String),
    Array(Vec<Json>),
    Object(Vec<(&'static str, Json)>),
}

impl Json {
    pub fn text(value: impl Into<String>) -> Json {
        Json::Text(value.into())
    }

    pub fn decimal(value: Decimal) -> Json {
        Json::Number(value.normalize().to_string())
    }

    pub fn object(fields: Vec<(&'static str, Json)>) -> Json {
        Json::Object(fields)
    }

    pub fn optional_text(value: Option<&str>) -> Json {
        value.map_or(Json::Null, Json::text)
    }

    /// Compact JSON text.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(256);
        self.write(&mut out);
        out
    }

    pub fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
            Json::Number(literal) => out.push_str(literal),
            Json::Text(text) => write_string(text, out),
            Json::Array(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(fields) => {
                out.push('{');
                for (index, (key, value)) in fields.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    write_string(key, out);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

impl From<u64> for Json {
    fn from(value: u64) -> Json {
        Json::Number(value.to_string())
    }
}

impl From<bool> for Json {
    fn from(value: bool) -> Json {
        Json::Bool(value)
    }
}

impl From<&str> for Json {
    fn from(value: &str) -> Json {
        Json::Text(value.to_string())
    }
}

impl From<String> for Json {
    fn from(value: String) -> Json {
        Json::Text(value)
    }
}

fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            control if u32::from(control) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(control))),
            other => out.push(other),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_field_order_and_exact_decimals() {
        let value = Json::object(vec![
            ("z", Json::from(1u64)),
            ("a", Json::decimal(Decimal::new(9466125, 4))),
            ("text", Json::text("say \"hi\"\n\u{1}")),
            ("list", Json::Array(vec![Json::Null, Json::from(true)])),
        ]);
        let text = value.render();
        assert_eq!(text, r#"{"z":1,"a":946.6125,"text":"say \"hi\"\n\u0001","list":[null,true]}"#);
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["text"], "say \"hi\"\n\u{1}");
    }
}
