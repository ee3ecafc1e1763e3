//! The admin key never reaches the store, the sync state or an error message.

use spendlens_mock_anthropic::{Endpoint, Fault, FaultKind, Trigger};

use crate::sync_support::{Fixture, KEY, sync};

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            pending.extend(std::fs::read_dir(&path).unwrap().map(|entry| entry.unwrap().path()));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn the_key_is_in_no_file_and_no_error() {
    let fixture = Fixture::new();
    let data = fixture.data_dir("data");
    sync(&data, &fixture.settings()).unwrap();
    let mut errors = Vec::new();
    for kind in [FaultKind::ServerError { status: 500 }, FaultKind::Truncated, FaultKind::LoopingPageToken] {
        fixture.mock.set_faults(vec![Fault::on(Endpoint::Usage, Trigger::Always, kind)]);
        let error = sync(&data, &fixture.settings()).unwrap_err();
        errors.push(format!("{error} {error:?} {:?}", crate::sync_support::failures(&error)));
    }
    fixture.mock.clear_faults();
    let mut settings = fixture.settings();
    settings.client.base_url = "http://127.0.0.1:9".into();
    settings.client.max_attempts = 1;
    let error = sync(&data, &settings).unwrap_err();
    errors.push(format!("{error} {error:?} {settings:?}"));
    for error in &errors {
        assert!(!error.contains(KEY) && !error.contains("SYNC-TEST-SECRET"), "the key leaked into: {error}");
    }
    let files = files_under(&data);
    assert!(files.len() > 10);
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        assert!(!bytes.windows(KEY.len()).any(|window| window == KEY.as_bytes()), "the key is in {}", file.display());
    }
}
