//! Alerts against a local HTTP receiver on 127.0.0.1 (bounded: it stops at a deadline): each
//! budget and spike event posted once, failed posts retried, nothing posted again on a re-run; a
//! config holding the webhook must be mode 600, and the URL never shows in an error.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use spendlens_app::alerts::Delivery;
use spendlens_app::{App, Settings};

use crate::spikes::demo;

/// A webhook receiver answering 500 to its first `failures` requests, then 200; it keeps every
/// body it answered 200 to.
struct Receiver {
    url: String,
    bodies: Arc<Mutex<Vec<serde_json::Value>>>,
    requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Receiver {
    fn start(failures: usize) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}/hook/secret-path-7f3a", listener.local_addr().unwrap());
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let requests = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (kept, counted, stopping) = (Arc::clone(&bodies), Arc::clone(&requests), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(300);
            while !stopping.load(Ordering::SeqCst) && Instant::now() < deadline {
                let Ok((mut stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                stream.set_nonblocking(false).unwrap();
                stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let mut data = Vec::new();
                let mut buffer = [0u8; 8192];
                let body = loop {
                    let Ok(read) = stream.read(&mut buffer) else { break None };
                    if read == 0 {
                        break None;
                    }
                    data.extend_from_slice(&buffer[..read]);
                    let Some(end) = data.windows(4).position(|window| window == b"\r\n\r\n") else { continue };
                    let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|line| line.strip_prefix("content-length:").map(|value| value.trim().parse().unwrap()))
                        .unwrap_or(0);
                    if data.len() >= end + 4 + length {
                        break Some(data[end + 4..end + 4 + length].to_vec());
                    }
                };
                let Some(body) = body else { continue };
                let seen = counted.fetch_add(1, Ordering::SeqCst);
                let status = if seen < failures { "500 Internal Server Error" } else { "200 OK" };
                if seen >= failures {
                    kept.lock().unwrap().push(serde_json::from_slice(&body).unwrap());
                }
                let _ = stream.write_all(format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").as_bytes());
            }
        });
        Receiver { url, bodies, requests, stop, thread: Some(thread) }
    }

    fn ids(&self) -> Vec<String> {
        self.bodies.lock().unwrap().iter().map(|body| body["spendlens"]["id"].as_str().unwrap().to_string()).collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn write_config(dir: &std::path::Path, webhook: &str, mode: u32) {
    let text = format!(
        "[alerts]\nwebhook = \"{webhook}\"\nretries = 3\nretry_delay_ms = 10\n\n[[budget]]\npath = \"api\"\nmonthly_usd = 100\n\n\
         [[budget]]\nfeature = \"doc-search\"\nmonthly_usd = \"1000000\"\n"
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
}

#[test]
fn each_event_is_posted_once_failures_are_retried_and_re_runs_post_nothing() {
    let demo = demo(6, 60);
    let data_dir = demo.app.settings().data_dir.clone();
    let fresh = || App::new(Settings { data_dir: data_dir.clone(), prices: None });

    // The webhook is a secret: readable by others, the config is refused, without the URL.
    let receiver = Receiver::start(2);
    write_config(&data_dir, &receiver.url, 0o644);
    let error = fresh().check_alerts().unwrap_err().to_string();
    assert!(error.contains("chmod 600") && !error.contains("secret-path-7f3a"), "{error}");

    write_config(&data_dir, &receiver.url, 0o600);
    let view = fresh().check_alerts().unwrap();
    // The API's $100 budget crossed soft and hard; the $1M doc-search budget not; the planted spike.
    let ids: Vec<&str> = view.events.iter().map(|status| status.event.id.as_str()).collect();
    let month = view.month.clone().unwrap();
    assert!(ids.contains(&format!("budget:path:api:{month}:soft").as_str()), "{ids:?}");
    assert!(ids.contains(&format!("budget:path:api:{month}:hard").as_str()), "{ids:?}");
    assert!(!ids.iter().any(|id| id.contains("doc-search") && id.starts_with("budget")), "{ids:?}");
    assert!(ids.iter().any(|id| id.starts_with("spike:api:feature:doc-search:")), "{ids:?}");
    assert!(view.events.iter().all(|status| status.delivery == Delivery::Delivered), "{view:#?}");
    assert_eq!((view.delivered, view.failed), (view.events.len(), 0));
    // Two 500s were retried: one more request per failure, and each event arrived exactly once.
    assert_eq!(receiver.requests.load(Ordering::SeqCst), view.events.len() + 2);
    let mut delivered = receiver.ids();
    delivered.sort();
    let mut expected: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
    expected.sort();
    assert_eq!(delivered, expected);
    // The body is Slack-compatible (a text) and carries the typed event.
    let bodies = receiver.bodies.lock().unwrap().clone();
    assert!(bodies.iter().all(|body| body["text"].as_str().is_some_and(|text| !text.is_empty())), "{bodies:?}");

    // A re-run finds the same events and posts none of them.
    let again = fresh().check_alerts().unwrap();
    assert_eq!(again.events.len(), view.events.len());
    assert!(again.events.iter().all(|status| status.delivery == Delivery::AlreadyDelivered), "{again:#?}");
    assert_eq!(receiver.requests.load(Ordering::SeqCst), view.events.len() + 2);
}

#[test]
fn a_webhook_that_keeps_failing_is_retried_at_the_next_check() {
    let demo = demo(6, 60);
    let data_dir = demo.app.settings().data_dir.clone();
    let fresh = || App::new(Settings { data_dir: data_dir.clone(), prices: None });
    // Fails more often than one check retries (4 attempts per event).
    let down = Receiver::start(usize::MAX);
    write_config(&data_dir, &down.url, 0o600);
    let view = fresh().check_alerts().unwrap();
    assert!(view.failed > 0 && view.delivered == 0, "{view:#?}");
    let failed = view.events.iter().find(|status| status.delivery == Delivery::Failed).unwrap();
    let error = failed.error.clone().unwrap();
    assert!(error.contains("500") && error.contains("after 4 attempts") && !error.contains("secret-path"), "{error}");
    assert_eq!(down.requests.load(Ordering::SeqCst), 4 * view.events.len());
    drop(down);

    let up = Receiver::start(0);
    write_config(&data_dir, &up.url, 0o600);
    let view = fresh().check_alerts().unwrap();
    assert_eq!((view.delivered, view.failed), (view.events.len(), 0));
    assert_eq!(up.ids().len(), view.events.len());
}
