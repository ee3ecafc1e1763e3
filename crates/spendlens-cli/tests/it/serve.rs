//! `spendlens serve` and `spendlens push` through the binary: tokens only from a private file or
//! the environment, never the command line.

use std::os::unix::fs::PermissionsExt;

use crate::support::spendlens;

const TOKENS: &str = "[serve.tokens]\n\"ana@acme.example\" = \"ana-push-token-0c41d9e2\"\n";

#[test]
fn regression_serve_refuses_to_start_without_tokens_or_with_a_readable_config() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    // No token at all: every route writes, so there is nothing it could accept.
    let output = spendlens(&data, &["serve", "--listen", "127.0.0.1:0"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("needs at least one token") && stderr.contains("chmod 600"), "{stderr}");

    // Tokens in a file others may read.
    let config = data.join("config.toml");
    std::fs::write(&config, TOKENS).unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let output = spendlens(&data, &["serve", "--listen", "127.0.0.1:0"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("others may read it (mode 644)") && stderr.contains(&format!("chmod 600 {}", config.display())), "{stderr}");
    assert!(!stderr.contains("0c41d9e2"), "the token is never shown: {stderr}");
}

#[test]
fn regression_push_takes_no_token_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let output = spendlens(&data, &["push", "--server", "http://127.0.0.1:9", "--token", "ana-push-token-0c41d9e2"]);
    assert_eq!(output.status.code(), Some(2), "--token is not an argument");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_spendlens"))
        .arg("--data-dir")
        .arg(&data)
        .args(["push", "--server", "http://127.0.0.1:9"])
        .env_remove("SPENDLENS_PUSH_TOKEN")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no push token: set SPENDLENS_PUSH_TOKEN, or token under [push]"), "{stderr}");
}
