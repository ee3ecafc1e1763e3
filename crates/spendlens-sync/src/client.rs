//! The HTTP client: authentication, retries with backoff and jitter, `Retry-After`.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use reqwest::blocking::Response;
use reqwest::header::{HeaderMap, HeaderValue};

use crate::SyncError;

/// An Admin API key. Debug and Display never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminKey(String);

impl AdminKey {
    pub fn new(key: impl Into<String>) -> Result<AdminKey, SyncError> {
        let key = key.into().trim().to_string();
        if key.is_empty() {
            return Err(SyncError::Settings("the admin key is empty".into()));
        }
        if HeaderValue::from_str(&key).is_err() {
            return Err(SyncError::Settings("the admin key holds characters a header cannot carry".into()));
        }
        Ok(AdminKey(key))
    }

    fn header(&self) -> Result<HeaderValue, SyncError> {
        let mut value = HeaderValue::from_str(&self.0).map_err(|_| SyncError::Settings("the admin key is not a valid header".into()))?;
        value.set_sensitive(true);
        Ok(value)
    }
}

impl fmt::Debug for AdminKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminKey(<redacted>)")
    }
}

impl fmt::Display for AdminKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted admin key>")
    }
}

/// How the client talks to the API.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// `https://api.anthropic.com`, or a proxy or test server.
    pub base_url: String,
    pub key: AdminKey,
    /// Attempts per request before giving up (at least 1).
    pub max_attempts: u32,
    /// First backoff; doubles per attempt, with up to 50% jitter added.
    pub backoff: Duration,
    /// Longest `Retry-After` honoured; longer ones wait this long.
    pub max_retry_after: Duration,
    pub timeout: Duration,
}

impl ClientSettings {
    pub fn new(base_url: impl Into<String>, key: AdminKey) -> Self {
        ClientSettings {
            base_url: base_url.into(),
            key,
            max_attempts: 6,
            backoff: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(120),
            timeout: Duration::from_secs(60),
        }
    }
}

/// A blocking Admin API client.
pub struct Client {
    http: reqwest::blocking::Client,
    settings: ClientSettings,
    /// Requests sent, retries included.
    pub requests: u64,
}

/// A successful response body, parsed by the caller's reader; a parse failure is retried.
pub type Parse<'a, T> = &'a mut dyn FnMut(&[u8]) -> Result<T, spendlens_ingest::IngestError>;

/// Checks that the admin key may be sent to `base_url`: https, or plain http to a loopback
/// address only (a local proxy or test server).
pub fn check_base_url(base_url: &str) -> Result<(), SyncError> {
    let url =
        reqwest::Url::parse(base_url).map_err(|error| SyncError::Settings(format!("the base URL {base_url:?} is not a URL: {error}")))?;
    let host = url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|address| address.is_loopback());
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(SyncError::Settings(format!(
            "the base URL {base_url} is plain http: the admin key is sent only over https (or to a loopback address)"
        ))),
        other => Err(SyncError::Settings(format!("the base URL {base_url} has scheme {other}: give an https URL"))),
    }
}

impl Client {
    pub fn new(settings: ClientSettings) -> Result<Client, SyncError> {
        if settings.max_attempts == 0 {
            return Err(SyncError::Settings("max_attempts must be at least 1".into()));
        }
        check_base_url(&settings.base_url)?;
        let mut headers = HeaderMap::new();
        headers.insert("x-api-key", settings.key.header()?);
        headers.insert("anthropic-version", HeaderValue::from_static("2023-06-01"));
        let http = reqwest::blocking::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("spendlens/", env!("CARGO_PKG_VERSION")))
            .timeout(settings.timeout)
            // The key is a default header: a redirect would carry it to wherever it points.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| SyncError::Settings(format!("cannot build the HTTP client: {error}")))?;
        Ok(Client { http, settings, requests: 0 })
    }

    /// GETs `path` with `query`, retrying what is worth retrying, and parses the body with
    /// `parse`. A body cut short (JSON that ends early) is retried like a transport failure; a
    /// whole JSON body the reader refuses is bad data, returned at once; a body that never parses
    /// is bad data too ([`SyncError::Ingest`]).
    pub fn get<T>(&mut self, path: &str, query: &[(String, String)], parse: Parse<'_, T>) -> Result<T, SyncError> {
        self.get_beta(path, query, None, parse)
    }

    /// [`Client::get`] for an endpoint in beta: `beta` is sent as the `anthropic-beta` header.
    pub fn get_beta<T>(&mut self, path: &str, query: &[(String, String)], beta: Option<&str>, parse: Parse<'_, T>) -> Result<T, SyncError> {
        let url = format!("{}{path}", self.settings.base_url.trim_end_matches('/'));
        let endpoint = format!("GET {path}");
        let mut last = String::new();
        // Whether every attempt failed to connect, and the last parse failure, if the last attempt was one.
        let mut never_connected = true;
        let mut unparsed: Option<spendlens_ingest::IngestError> = None;
        for attempt in 1..=self.settings.max_attempts {
            unparsed = None;
            self.requests += 1;
            let mut request = self.http.get(&url).query(query);
            if let Some(beta) = beta {
                request = request.header("anthropic-beta", beta);
            }
            let wait = match request.send() {
                Err(error) => {
                    never_connected &= error.is_connect();
                    last = if error.is_timeout() { "timed out".into() } else { format!("request failed: {}", without_url(&error)) };
                    self.backoff(attempt)
                }
                Ok(response) => {
                    never_connected = false;
                    let status = response.status();
                    if status.is_success() {
                        match response.bytes() {
                            Ok(body) => match parse(&body) {
                                Ok(value) => return Ok(value),
                                // Whole JSON the reader refuses: asking again gives the same answer.
                                Err(error) if serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_ok() => {
                                    return Err(SyncError::Ingest(error));
                                }
                                Err(error) => {
                                    last = format!("unreadable response: {error}");
                                    unparsed = Some(error);
                                    self.backoff(attempt)
                                }
                            },
                            Err(error) => {
                                last = format!("response cut short: {}", without_url(&error));
                                self.backoff(attempt)
                            }
                        }
                    } else if status == StatusCode::UNAUTHORIZED {
                        return Err(SyncError::Unauthorized { endpoint, status: status.as_u16() });
                    } else if status == StatusCode::FORBIDDEN {
                        return Err(SyncError::Forbidden { endpoint, message: error_message(response) });
                    } else if status.is_redirection() {
                        let location = response.headers().get("location").and_then(|to| to.to_str().ok()).map(str::to_string);
                        return Err(SyncError::Redirected { endpoint, status: status.as_u16(), location });
                    } else if status == StatusCode::TOO_MANY_REQUESTS {
                        let retry_after = retry_after(&response).map(|wait| wait.min(self.settings.max_retry_after));
                        last = format!(
                            "rate limited (429){}",
                            retry_after.map_or(String::new(), |w| format!(", retry after {}s", w.as_secs()))
                        );
                        retry_after.unwrap_or_else(|| self.backoff(attempt))
                    } else if status.is_server_error() {
                        last = format!("server error {}", status.as_u16());
                        self.backoff(attempt)
                    } else {
                        return Err(SyncError::Api { endpoint, status: status.as_u16(), message: error_message(response) });
                    }
                }
            };
            if attempt < self.settings.max_attempts {
                std::thread::sleep(wait);
            }
        }
        if let Some(error) = unparsed {
            return Err(SyncError::Ingest(error));
        }
        if never_connected {
            return Err(SyncError::Unreachable { endpoint, attempts: self.settings.max_attempts, last });
        }
        Err(SyncError::GaveUp { endpoint, attempts: self.settings.max_attempts, last })
    }

    /// `backoff * 2^(attempt-1)`, plus up to 50% jitter.
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.settings.backoff.saturating_mul(1u32 << (attempt - 1).min(10));
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let jitter = base.mul_f64(f64::from(nanos % 1000) / 2000.0);
        base + jitter
    }
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.headers().get("retry-after")?.to_str().ok()?.trim().to_string();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(&value).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// Anthropic's error message from `{"type":"error","error":{"type":..,"message":..}}`, else the status text.
fn error_message(response: Response) -> String {
    let status = response.status();
    let body = response.bytes().unwrap_or_default();
    serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|value| value["error"]["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_string())
}

/// A transport error without its URL (which carries the query, never the key, but is long).
fn without_url(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text.replace(&format!(" for url ({url})"), "");
    }
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_never_prints() {
        let key = AdminKey::new("sk-ant-admin01-very-secret").unwrap();
        assert_eq!(format!("{key}"), "<redacted admin key>");
        assert_eq!(format!("{key:?}"), "AdminKey(<redacted>)");
        let settings = ClientSettings::new("http://127.0.0.1:1", key);
        assert!(!format!("{settings:?}").contains("very-secret"));
        assert!(AdminKey::new("  ").is_err());
        assert!(AdminKey::new("bad\nkey").is_err());
    }

    #[test]
    fn the_key_goes_over_https_or_to_loopback_only() {
        for good in [
            "https://api.anthropic.com",
            "https://proxy.example:8443/anthropic",
            "http://127.0.0.1:9999",
            "http://localhost:1",
            "http://[::1]:80",
        ] {
            assert!(check_base_url(good).is_ok(), "{good}");
        }
        for bad in
            ["http://api.anthropic.com", "http://10.0.0.5:8080", "ftp://127.0.0.1", "api.anthropic.com", "http://127.0.0.1.evil.example"]
        {
            assert!(matches!(check_base_url(bad), Err(SyncError::Settings(_))), "{bad}");
        }
        let key = AdminKey::new("sk-ant-admin01-very-secret").unwrap();
        let error = Client::new(ClientSettings::new("http://gateway.example", key)).err().unwrap();
        assert!(error.to_string().contains("only over https"), "{error}");
        assert!(!error.to_string().contains("very-secret"));
    }
}
