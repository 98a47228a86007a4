//! Loading and saving configuration files.

use postern_config::{Config, ConfigError, MAX_FILE_BYTES};
use std::fs;

fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("readable")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn save_then_load_gives_the_same_configuration() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("postern.toml");
    let demo = Config::demo();
    demo.save(&path).expect("saves");
    assert_eq!(Config::load(&path).expect("loads"), demo);
    assert_eq!(fs::read_to_string(&path).expect("readable"), demo.to_toml_string().expect("serialises"));
}

#[test]
fn save_replaces_the_file_and_leaves_no_temporary_behind() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("postern.toml");
    Config::demo().save(&path).expect("first save");
    let mut changed = Config::default();
    changed.device_cache.size = 12;
    changed.save(&path).expect("second save");
    assert_eq!(Config::load(&path).expect("loads"), changed);
    assert_eq!(names_in(dir.path()), ["postern.toml"]);
}

#[test]
fn a_failed_save_keeps_the_old_file_and_names_the_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("postern.toml");
    Config::demo().save(&path).expect("first save");
    // A directory where the rename must land cannot be replaced by a file.
    let blocked = dir.path().join("occupied");
    fs::create_dir(&blocked).expect("mkdir");
    fs::write(blocked.join("inside"), b"x").expect("write");
    match Config::default().save(&blocked) {
        Err(error @ ConfigError::Io { .. }) => {
            assert!(error.to_string().contains("occupied"), "{error}")
        }
        other => panic!("expected an I/O error, got {other:?}"),
    }
    assert_eq!(names_in(dir.path()), ["occupied", "postern.toml"]);
    assert_eq!(Config::load(&path).expect("old file intact"), Config::demo());
}

#[test]
fn save_into_a_missing_directory_fails_cleanly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("missing").join("postern.toml");
    assert!(matches!(Config::default().save(&path), Err(ConfigError::Io { .. })));
}

#[test]
fn load_reports_a_missing_file_with_its_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("absent.toml");
    match Config::load(&path) {
        Err(error @ ConfigError::Io { op: "open", .. }) => {
            assert!(error.to_string().contains("absent.toml"))
        }
        other => panic!("expected an I/O error, got {other:?}"),
    }
}

#[test]
fn load_refuses_an_oversized_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("huge.toml");
    let size = usize::try_from(MAX_FILE_BYTES).expect("fits") + 1;
    fs::write(&path, "#".repeat(size)).expect("write");
    assert!(matches!(Config::load(&path), Err(ConfigError::TooLarge { limit: MAX_FILE_BYTES, .. })));
}

#[test]
fn load_checks_what_it_reads() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bad.toml");
    fs::write(&path, "[device_cache]\nsize = 0\n").expect("write");
    assert!(matches!(Config::load(&path), Err(ConfigError::Invalid(_))));
    fs::write(&path, [0xff, 0xfe, b'\n']).expect("write");
    assert!(matches!(Config::load(&path), Err(ConfigError::Io { op: "read", .. })));
}
