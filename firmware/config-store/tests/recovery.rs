//! A damaged history is moved aside and a new one started from the mirror of the running
//! configuration; the mirror and the seal are kept in line with the history.

mod common;

use common::{T0, commit_hostname, mirror, open, store_dir};
use postern_config::Config;
use postern_config_store::{ConfigStore, Damage, Opened, Recovery, RevisionKind};
use std::path::Path;

/// A store in `dir` whose running host name is `edge-3`, at revision 4; closed again.
fn populated(dir: &Path) -> Config {
    let mut store = open(dir);
    for i in 1..=3u64 {
        commit_hostname(&mut store, &format!("edge-{i}"), T0 + i);
    }
    store.running().clone()
}

/// Opens the damaged store and checks the recovery contract; returns the recovery.
fn recover(dir: &Path, expected_running: &Config) -> Recovery {
    let Opened { mut store, recovery } =
        ConfigStore::open(dir, Config::default()).expect("a damaged store still opens");
    let recovery = recovery.expect("the damage is reported");
    assert_eq!(recovery.moved_to, dir.join("history.corrupt-1"));
    assert!(recovery.moved_to.is_dir(), "the damaged history is kept");
    assert_eq!(store.running(), expected_running, "the running configuration survives");
    let history = store.history();
    assert_eq!(history.len(), 1, "a new history");
    assert_eq!(history[0].kind, RevisionKind::Recovered);
    commit_hostname(&mut store, "after", T0 + 100);
    drop(store);
    let store = open(dir);
    assert_eq!(store.running().gateway.hostname, "after", "the new history works");
    assert!(!dir.join("history.corrupt-2").exists());
    recovery
}

fn garbage(len: usize, seed: u64) -> Vec<u8> {
    (0..len as u64).map(|i| (i.wrapping_add(seed).wrapping_mul(2_654_435_761) >> 7) as u8).collect()
}

#[test]
fn garbage_over_every_history_file_is_recovered_from_the_mirror() {
    let (_root, dir) = store_dir();
    let running = populated(&dir);
    let history = dir.join("history");
    for entry in std::fs::read_dir(&history).expect("history dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            let len = std::fs::metadata(&path).expect("file").len().max(64) as usize;
            std::fs::write(&path, garbage(len, len as u64)).expect("overwrite");
        }
    }
    let recovery = recover(&dir, &running);
    assert!(recovery.from_mirror);
    let store = open(&dir);
    assert_eq!(store.history()[1].number, 5, "numbering continues after the last commit");
}

#[test]
fn garbage_over_the_data_file_is_recovered() {
    let (_root, dir) = store_dir();
    let running = populated(&dir);
    let db = dir.join("history").join("db");
    let len = std::fs::metadata(&db).expect("db").len() as usize;
    std::fs::write(&db, garbage(len, 7)).expect("overwrite");
    recover(&dir, &running);
}

#[test]
fn a_history_that_lost_commits_is_recovered_from_the_mirror() {
    let (_root, dir) = store_dir();
    let running = populated(&dir);
    std::fs::write(dir.join("committed-revision"), "9\n").expect("seal ahead");
    let recovery = recover(&dir, &running);
    assert_eq!(recovery.damage, Damage::LostCommits { newest: 4, acknowledged: 9 });
}

#[test]
fn an_emptied_history_is_recovered_from_the_mirror() {
    let (_root, dir) = store_dir();
    let running = populated(&dir);
    std::fs::remove_dir_all(dir.join("history")).expect("remove");
    let recovery = recover(&dir, &running);
    assert_eq!(recovery.damage, Damage::LostCommits { newest: 0, acknowledged: 4 });
}

#[test]
fn with_history_and_mirror_both_damaged_the_initial_configuration_runs() {
    let (_root, dir) = store_dir();
    populated(&dir);
    std::fs::write(dir.join("history").join("conf"), b"\xffnot sled").expect("overwrite");
    std::fs::write(dir.join("running.toml"), "not = [toml").expect("overwrite");
    let demo = Config::demo();
    let Opened { store, recovery } = ConfigStore::open(&dir, demo.clone()).expect("opens");
    let recovery = recovery.expect("the damage is reported");
    assert!(!recovery.from_mirror);
    assert_eq!(store.running(), &demo);
    assert_eq!(mirror(&dir), demo, "the mirror is rewritten");
}

#[test]
fn the_mirror_is_rewritten_when_missing_or_behind() {
    let (_root, dir) = store_dir();
    let running = populated(&dir);
    std::fs::remove_file(dir.join("running.toml")).expect("remove");
    assert_eq!(open(&dir).running(), &running);
    assert_eq!(mirror(&dir), running, "a missing mirror is written again");

    // A commit interrupted after writing the mirror but before the history: the history
    // is the truth, since that commit was never acknowledged.
    let mut unacknowledged = running.clone();
    unacknowledged.gateway.hostname = "never-committed".into();
    unacknowledged.save(&dir.join("running.toml")).expect("save");
    let store = open(&dir);
    assert_eq!(store.running(), &running);
    assert_eq!(store.revision(), 4);
    assert_eq!(mirror(&dir), running);
}

#[test]
fn a_first_open_takes_an_existing_mirror_over_the_initial_configuration() {
    let (_root, dir) = store_dir();
    std::fs::create_dir_all(&dir).expect("dir");
    let mut provisioned = Config::default();
    provisioned.gateway.hostname = "provisioned".into();
    provisioned.save(&dir.join("running.toml")).expect("save");
    let Opened { store, recovery } = ConfigStore::open(&dir, Config::demo()).expect("opens");
    assert_eq!(recovery, None);
    assert_eq!(store.running(), &provisioned);
    assert_eq!(store.history()[0].kind, RevisionKind::Initial);
}
