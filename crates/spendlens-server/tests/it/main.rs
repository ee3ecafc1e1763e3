//! spendlens-server integration tests: a real server on 127.0.0.1, fed by the OpenTelemetry SDK's
//! own OTLP/HTTP exporters and by the push client.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod otlp;
mod push;
mod strangers;
mod support;
