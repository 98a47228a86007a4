//! Two image manifests side by side: the artefacts and every file, by path.

use serde_json::Value;
use std::collections::BTreeMap;

/// How two manifests differ.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Comparison {
    /// Files (and directories, links) in the first manifest.
    pub(crate) entries: usize,
    /// Paths whose entry differs, or that only one image has: (path, first, second).
    pub(crate) files: Vec<(String, String, String)>,
    /// Artefacts and header fields that differ: (name, first, second).
    pub(crate) other: Vec<(String, String, String)>,
}

impl Comparison {
    /// Whether the two images are the same.
    pub(crate) fn same(&self) -> bool {
        self.files.is_empty() && self.other.is_empty()
    }
}

/// Header fields compared besides the files.
const FIELDS: &[&str] = &["version", "release", "commit", "source_date_epoch", "rustc", "kernel", "debian_packages"];

/// Compares manifest `a` with manifest `b`.
pub(crate) fn compare(a: &Value, b: &Value) -> Comparison {
    let (fa, fb) = (by_path(a, "files"), by_path(b, "files"));
    let mut files = Vec::new();
    for path in fa.keys().chain(fb.keys().filter(|p| !fa.contains_key(*p))) {
        let (x, y) = (fa.get(path).copied(), fb.get(path).copied());
        if x != y {
            files.push((path.clone(), describe(x), describe(y)));
        }
    }
    files.sort();
    let mut other = Vec::new();
    let (aa, ab) = (by_path(a, "artefacts"), by_path(b, "artefacts"));
    for (name, x) in &aa {
        if ab.get(name) != Some(x) {
            other.push((name.clone(), describe(Some(x)), describe(ab.get(name).copied())));
        }
    }
    for field in FIELDS {
        if a.get(field) != b.get(field) {
            other.push(((*field).to_owned(), short(a.get(field)), short(b.get(field))));
        }
    }
    Comparison { entries: fa.len(), files, other }
}

/// The entries of a manifest's list `key`, by their `path`.
fn by_path<'a>(manifest: &'a Value, key: &str) -> BTreeMap<String, &'a Value> {
    manifest
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("path").and_then(Value::as_str).map(|p| (p.to_owned(), e)))
        .collect()
}

/// An entry in a few words: its sha256 (or link target, or "directory"), or "absent".
fn describe(entry: Option<&Value>) -> String {
    let Some(e) = entry else { return "absent".into() };
    let field = |k: &str| e.get(k).and_then(Value::as_str).map(str::to_owned);
    field("sha256").or_else(|| field("link").map(|l| format!("-> {l}"))).unwrap_or_else(|| short(Some(e)))
}

fn short(value: Option<&Value>) -> String {
    value.map_or_else(|| "absent".into(), Value::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn manifest(init: &str, extra: bool) -> Value {
        let mut files = vec![
            json!({ "path": "/init", "mode": "0755", "bytes": 3, "sha256": init }),
            json!({ "path": "/sbin/init", "link": "/init" }),
        ];
        if extra {
            files.push(json!({ "path": "/etc/extra", "mode": "0644", "bytes": 1, "sha256": "ee" }));
        }
        json!({ "rustc": "rustc 1.95.0", "artefacts": [{ "path": "disk.img", "sha256": init }], "files": files })
    }

    #[test]
    fn same_manifests_are_the_same() {
        let c = compare(&manifest("aa", false), &manifest("aa", false));
        assert!(c.same());
        assert_eq!(c.entries, 2);
    }

    #[test]
    fn differing_and_missing_files_are_listed_by_path() {
        let c = compare(&manifest("aa", false), &manifest("bb", true));
        assert!(!c.same());
        assert_eq!(
            c.files,
            [
                ("/etc/extra".to_owned(), "absent".to_owned(), "ee".to_owned()),
                ("/init".to_owned(), "aa".to_owned(), "bb".to_owned())
            ]
        );
        assert_eq!(c.other, [("disk.img".to_owned(), "aa".to_owned(), "bb".to_owned())]);
    }
}
