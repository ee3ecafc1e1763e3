use spendlens_demo::{DemoConfig, generate, render};

use crate::support::{book, small_config, tree};

#[test]
fn the_same_config_renders_byte_identical_files() {
    let config = small_config();
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    render(&generate(&config, book()).unwrap(), first.path()).unwrap();
    render(&generate(&config, book()).unwrap(), second.path()).unwrap();
    let (first, second) = (tree(first.path()), tree(second.path()));
    assert!(first.len() > 20, "{} files", first.len());
    assert_eq!(first.keys().collect::<Vec<_>>(), second.keys().collect::<Vec<_>>());
    for (path, bytes) in &first {
        assert!(second[path] == *bytes, "{} differs between renders", path.display());
    }
}

#[test]
fn a_different_seed_gives_a_different_organisation() {
    let config = small_config();
    let other = DemoConfig { seed: config.seed + 1, ..config.clone() };
    let first = generate(&config, book()).unwrap();
    let second = generate(&other, book()).unwrap();
    assert_ne!(first.organization_id, second.organization_id);
    assert_ne!(first.usage, second.usage);
    assert_ne!(first.ground_truth.months, second.ground_truth.months);
}
