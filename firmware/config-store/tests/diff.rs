//! `show configuration diff`: line diffs of the stored forms, in hunks with context.

mod common;

use common::{T0, commit_hostname, open, store_dir};
use postern_config::{Config, Privilege, User};
use postern_config_store::{Diff, DiffLine, diff, diff_text};
use proptest::prelude::*;

/// Applies `diff` to `old`, checking every context and removed line against it.
fn apply(old: &str, diff: &Diff) -> Result<String, String> {
    let old: Vec<&str> = old.lines().collect();
    let mut out: Vec<String> = Vec::new();
    let mut at = 0usize;
    for line in diff.lines() {
        match line {
            DiffLine::Hunk { old_start, old_len, .. } => {
                let start = if *old_len == 0 { *old_start } else { old_start - 1 };
                if start < at || start > old.len() {
                    return Err(format!("hunk at {old_start} out of order"));
                }
                out.extend(old[at..start].iter().map(|l| (*l).to_owned()));
                at = start;
            }
            DiffLine::Context(text) | DiffLine::Removed(text) => {
                if old.get(at) != Some(&text.as_str()) {
                    return Err(format!("line {} is not {text:?}", at + 1));
                }
                if matches!(line, DiffLine::Context(_)) {
                    out.push(text.clone());
                }
                at += 1;
            }
            DiffLine::Added(text) => out.push(text.clone()),
        }
    }
    out.extend(old[at..].iter().map(|l| (*l).to_owned()));
    Ok(out.join("\n"))
}

#[test]
fn identical_configurations_have_an_empty_diff() {
    let demo = Config::demo();
    let d = diff(&demo, &demo.clone()).expect("diffs");
    assert!(d.is_empty());
    assert_eq!(d.to_string(), "");
}

#[test]
fn a_changed_setting_shows_as_minus_and_plus_under_its_table() {
    let old = Config::default();
    let mut new = old.clone();
    new.gateway.hostname = "edge-1".into();
    let d = diff(&old, &new).expect("diffs");
    assert_eq!(d.changes(), ["-hostname = \"postern\"", "+hostname = \"edge-1\""]);
    let text = d.to_string();
    let first = text.lines().next().expect("a hunk header");
    assert!(first.starts_with("@@ -") && first.ends_with("@@ [gateway]"), "{text}");
    assert!(text.contains("\n id = \"postern-1\"\n"), "context lines: {text}");
    assert_eq!(
        apply(&old.to_toml_string().expect("toml"), &d),
        Ok(new.to_toml_string().expect("toml").trim_end().to_owned())
    );
}

#[test]
fn an_added_user_shows_as_added_lines() {
    let old = Config::default();
    let mut new = old.clone();
    new.users.push(User { name: "noc".into(), privilege: Privilege::Operator, ssh_keys: Vec::new() });
    let d = diff(&old, &new).expect("diffs");
    let changes = d.changes();
    assert!(changes.iter().all(|l| l.starts_with('+')), "{changes:?}");
    assert!(changes.contains(&"+[[users]]".to_owned()), "{changes:?}");
    assert!(changes.contains(&"+name = \"noc\"".to_owned()), "{changes:?}");
    assert!(changes.contains(&"+privilege = \"operator\"".to_owned()), "{changes:?}");
}

#[test]
fn the_exact_form_of_a_small_diff() {
    let old = "a = 1\n[t]\nb = 2\nc = 3\n";
    let new = "a = 1\n[t]\nb = 20\nc = 3\nd = 4\n";
    assert_eq!(diff_text(old, new).to_string(), "@@ -1,4 +1,5 @@ [t]\n a = 1\n [t]\n-b = 2\n+b = 20\n c = 3\n+d = 4\n");
    let far = (0..20).map(|i| format!("k{i} = {i}\n")).collect::<String>();
    let changed = far.replace("k2 = 2", "k2 = 0").replace("k17 = 17", "k17 = 0");
    let hunks: Vec<String> = diff_text(&far, &changed)
        .lines()
        .iter()
        .filter(|l| matches!(l, DiffLine::Hunk { .. }))
        .map(ToString::to_string)
        .collect();
    assert_eq!(hunks, ["@@ -1,6 +1,6 @@", "@@ -15,6 +15,6 @@"]);
}

#[test]
fn the_store_compares_a_candidate_and_past_revisions() {
    let (_root, dir) = store_dir();
    let mut store = open(&dir);
    commit_hostname(&mut store, "one", T0);
    commit_hostname(&mut store, "two", T0 + 1);
    let mut candidate = store.candidate();
    assert!(store.compare_candidate(&candidate).expect("diff").is_empty());
    candidate.config_mut().gateway.hostname = "three".into();
    assert_eq!(
        store.compare_candidate(&candidate).expect("diff").changes(),
        ["-hostname = \"two\"", "+hostname = \"three\""]
    );
    assert_eq!(
        store.compare_rollback(2, store.running()).expect("diff").changes(),
        ["-hostname = \"postern\"", "+hostname = \"two\""]
    );
    assert_eq!(
        store.compare_rollback(1, candidate.config()).expect("diff").changes(),
        ["-hostname = \"one\"", "+hostname = \"three\""]
    );
    assert!(store.compare_rollback(0, store.running()).expect("diff").is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn applying_a_diff_to_the_old_text_gives_the_new(
        old in prop::collection::vec("[abc\\[\\] =]{0,4}", 0..30),
        new in prop::collection::vec("[abc\\[\\] =]{0,4}", 0..30),
    ) {
        let (old, new) = (old.join("\n"), new.join("\n"));
        let d = diff_text(&old, &new);
        prop_assert_eq!(d.is_empty(), old.lines().eq(new.lines()));
        let expected: Vec<&str> = new.lines().collect();
        prop_assert_eq!(apply(&old, &d), Ok(expected.join("\n")));
    }
}
