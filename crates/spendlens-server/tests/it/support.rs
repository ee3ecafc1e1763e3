//! A server on 127.0.0.1:0 in a background runtime, stopped (and flushed) at the end.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use spendlens_app::{App, Lake, Settings};
use spendlens_server::{FlushSummary, Flusher, ServeSettings, ServeTokens, Server, ServerError, Token};
use tempfile::TempDir;
use tokio::sync::oneshot;

pub const ALICE: &str = "alice@example.com";
pub const BOB: &str = "bob@example.com";
pub const ALICE_TOKEN: &str = "alice-push-token-5f1c2a9e";
pub const BOB_TOKEN: &str = "bob-push-token-77d0c3b4e1";
/// A team-wide collector token: telemetry sent with it names whose it is.
pub const COLLECTOR_TOKEN: &str = "team-collector-token-3a9e51";

/// The clock of the window tests: telemetry of 2026-11-20 is recent.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    "2026-11-20T12:00:00Z".parse().unwrap()
}

pub struct TestServer {
    pub address: SocketAddr,
    pub store: Arc<dyn Lake>,
    pub notices: Arc<Mutex<Vec<String>>>,
    pub data: TempDir,
    flusher: Flusher,
    stop: Option<oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<Result<(), ServerError>>>,
    runtime: tokio::runtime::Runtime,
}

impl TestServer {
    pub fn start() -> TestServer {
        TestServer::start_with(|_| {})
    }

    /// A server whose settings `adjust` changes first.
    pub fn start_with(adjust: impl FnOnce(&mut ServeSettings)) -> TestServer {
        let data = tempfile::tempdir().unwrap();
        let app = Arc::new(App::new(Settings { data_dir: data.path().to_path_buf(), prices: None }));
        let store = app.shared_lake().unwrap();
        let tokens = ServeTokens::new([(ALICE.to_string(), Token::new(ALICE_TOKEN)), (BOB.to_string(), Token::new(BOB_TOKEN))])
            .unwrap()
            .with_collectors([("team-collector".to_string(), Token::new(COLLECTOR_TOKEN))])
            .unwrap();
        let notices = Arc::new(Mutex::new(Vec::new()));
        let mut settings = ServeSettings::new(data.path().to_path_buf(), tokens);
        // Long: tests flush explicitly, so what is stored when is deterministic.
        settings.flush_interval = Duration::from_secs(3600);
        settings.notify = {
            let notices = notices.clone();
            Arc::new(move |news: &str| notices.lock().unwrap().push(news.to_string()))
        };
        // The SDK stamps metrics with the real time and the fixtures' events are of 2026-11-20:
        // the window is wide open here, and narrowed by the tests of the window itself.
        settings.accept_back = chrono::Duration::days(36_500);
        settings.accept_ahead = chrono::Duration::days(36_500);
        adjust(&mut settings);
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let server = runtime.block_on(Server::bind("127.0.0.1:0".parse().unwrap(), app, settings)).unwrap();
        let address = server.local_address().unwrap();
        let flusher = server.flusher();
        let (stop, stopped) = oneshot::channel::<()>();
        let done = runtime.spawn(server.run(async move {
            let _ = stopped.await;
        }));
        TestServer { address, store, notices, data, flusher, stop: Some(stop), done: Some(done), runtime }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub fn flush(&self) -> FlushSummary {
        self.runtime.block_on(self.flusher.flush()).unwrap()
    }

    /// Stops the server (which flushes) and waits at most ten seconds for it.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(done) = self.done.take() {
            let finished = self.runtime.block_on(async { tokio::time::timeout(Duration::from_secs(10), done).await });
            finished.expect("the server stops within ten seconds").unwrap().unwrap();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Every byte of every file under `dir`.
pub fn files_under(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    found
}
