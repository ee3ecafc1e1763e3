//! OTLP/HTTP's wire format: the encoding a request's content type names, decoding requests and
//! encoding responses with the official generated messages (`opentelemetry-proto`, prost and its
//! serde JSON mapping). Headers are the server's business: it hands over their values.
//!
//! Everything past this module speaks the generated request types, never bytes.

use opentelemetry_proto::tonic::collector::logs::v1::{ExportLogsServiceRequest, ExportLogsServiceResponse};
use opentelemetry_proto::tonic::collector::metrics::v1::{ExportMetricsServiceRequest, ExportMetricsServiceResponse};
use prost::Message;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::IngestError;

/// The two encodings of OTLP/HTTP (`http/protobuf` and `http/json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    /// From a request's `Content-Type` and `Content-Encoding` values: `application/x-protobuf`
    /// (or `application/protobuf`) and `application/json`, parameters ignored. Compressed bodies
    /// are refused: Claude Code's exporters send uncompressed unless
    /// `OTEL_EXPORTER_OTLP_COMPRESSION` says otherwise. The error says what to send instead.
    pub fn of(content_type: Option<&str>, content_encoding: Option<&str>) -> Result<Encoding, String> {
        if let Some(encoding) = content_encoding {
            let encoding = encoding.trim().to_ascii_lowercase();
            if !encoding.is_empty() && encoding != "identity" {
                return Err(format!("content-encoding {encoding:?} (send uncompressed: OTEL_EXPORTER_OTLP_COMPRESSION=none)"));
            }
        }
        let content_type = content_type.unwrap_or("");
        let media = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        match media.as_str() {
            "application/x-protobuf" | "application/protobuf" => Ok(Encoding::Protobuf),
            "application/json" => Ok(Encoding::Json),
            _ => Err(format!("content-type {content_type:?}: send application/x-protobuf or application/json")),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => "application/x-protobuf",
            Encoding::Json => "application/json",
        }
    }
}

/// A logs request; an undecodable body is [`IngestError::Malformed`] naming the message.
pub fn decode_logs(encoding: Encoding, body: &[u8]) -> Result<ExportLogsServiceRequest, IngestError> {
    decode(encoding, body, "ExportLogsServiceRequest", "resourceLogs")
}

/// A metrics request; an undecodable body is [`IngestError::Malformed`] naming the message.
pub fn decode_metrics(encoding: Encoding, body: &[u8]) -> Result<ExportMetricsServiceRequest, IngestError> {
    decode(encoding, body, "ExportMetricsServiceRequest", "resourceMetrics")
}

/// The empty success response, in the request's encoding.
pub fn logs_response(encoding: Encoding) -> Vec<u8> {
    encode(encoding, &ExportLogsServiceResponse::default())
}

pub fn metrics_response(encoding: Encoding) -> Vec<u8> {
    encode(encoding, &ExportMetricsServiceResponse::default())
}

fn decode<T: Message + Default + DeserializeOwned>(
    encoding: Encoding,
    body: &[u8],
    what: &'static str,
    list: &str,
) -> Result<T, IngestError> {
    let undecodable = |detail: String| IngestError::at_path(what, "body", detail);
    match encoding {
        Encoding::Protobuf => T::decode(body).map_err(|error| undecodable(error.to_string())),
        Encoding::Json => {
            let mut value: Value = serde_json::from_slice(body).map_err(|error| undecodable(error.to_string()))?;
            normalise_json(&mut value);
            // `{}` is a valid, empty request (proto3 JSON omits empty lists).
            if let Value::Object(map) = &mut value {
                map.entry(list).or_insert_with(|| Value::Array(Vec::new()));
            }
            serde_json::from_value(value).map_err(|error| undecodable(error.to_string()))
        }
    }
}

/// Only full successes are answered, so the JSON form is always the empty object (proto3 JSON
/// omits an unset `partialSuccess`).
fn encode<T: Message>(encoding: Encoding, message: &T) -> Vec<u8> {
    match encoding {
        Encoding::Protobuf => message.encode_to_vec(),
        Encoding::Json => b"{}".to_vec(),
    }
}

/// Accepts both spellings the proto3 JSON mapping allows where the generated serde code takes
/// only one: 64-bit `*UnixNano` times as numbers (it wants strings), `asInt` as a string (it wants
/// a number), and enum values by name (`"AGGREGATION_TEMPORALITY_DELTA"`, it wants numbers).
/// JavaScript exporters, Claude Code's among them, have sent each form.
fn normalise_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                if key.ends_with("UnixNano") {
                    if let Value::Number(number) = field {
                        *field = Value::String(number.to_string());
                    }
                } else if key == "asInt" {
                    if let Some(parsed) = field.as_str().and_then(|text| text.parse::<i64>().ok()) {
                        *field = Value::from(parsed);
                    }
                } else if key == "aggregationTemporality" {
                    if let Some(name) = field.as_str() {
                        let number = match name {
                            "AGGREGATION_TEMPORALITY_DELTA" => 1,
                            "AGGREGATION_TEMPORALITY_CUMULATIVE" => 2,
                            _ => 0,
                        };
                        *field = Value::from(number);
                    }
                } else if key == "severityNumber" && field.is_string() {
                    // Not used here; a name would fail the whole batch.
                    *field = Value::from(0);
                } else {
                    normalise_json(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalise_json),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_times_as_numbers_and_ints_as_strings_decode() {
        let body = br#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"claude_code.commit.count",
            "sum":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_DELTA","isMonotonic":true,
            "dataPoints":[{"startTimeUnixNano":1700000000000000000,"timeUnixNano":"1700000060000000000","asInt":"3"}]}}]}]}]}"#;
        let request = decode_metrics(Encoding::Json, body);
        assert!(request.is_ok(), "{request:?}");
    }

    #[test]
    fn content_types_are_negotiated() {
        assert_eq!(Encoding::of(Some("application/json; charset=utf-8"), None).ok(), Some(Encoding::Json));
        assert!(Encoding::of(Some("text/plain"), None).is_err());
        assert!(Encoding::of(Some("application/json"), Some("gzip")).is_err());
    }
}
