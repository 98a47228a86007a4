//! The patch list's JSON document: what is accepted and each refusal with its reason.

use postern_host_checker::{PatchList, PatchListError, PlatformMatch, Severity};

const GOOD: &str = r#"{"format": "postern-patch-list/1", "version": 7, "products": [
  {"platform": "linux:debian", "name": "openssl", "patches": [
    {"id": "DSA-5678-1", "fixed_version": "3.0.15-1~deb12u1", "severity": "high", "url": "https://fix.example/dsa-5678"},
    {"id": "DSA-5000-1", "fixed_version": "3.0.11-1~deb12u1", "severity": "low"}]},
  {"platform": "windows", "name": "KB5034441", "patches": []}]}"#;

#[test]
fn a_document_becomes_a_versioned_list_of_advisories() {
    let list = PatchList::from_json(GOOD).expect("valid");
    assert_eq!(list.version, 7);
    assert_eq!(list.entries.len(), 2);
    let entry = list.by_id("DSA-5678-1").expect("listed");
    assert_eq!(entry.product, "openssl");
    assert_eq!(entry.platform, PlatformMatch::LinuxDistribution("debian".into()));
    assert_eq!(entry.severity, Severity::Important);
    assert_eq!(entry.url.as_deref(), Some("https://fix.example/dsa-5678"));
    assert_eq!(list.by_id("DSA-5000-1").map(|e| e.severity), Some(Severity::Low));
}

#[test]
fn bad_documents_are_refused_with_their_reason() {
    let doc =
        |products: &str| format!(r#"{{"format": "postern-patch-list/1", "version": 2, "products": [{products}]}}"#);
    let patch = |fields: &str| doc(&format!(r#"{{"platform": "linux", "name": "p", "patches": [{fields}]}}"#));
    let cases: Vec<(String, &str)> = vec![
        ("not json".into(), "is not a postern-patch-list/1 document"),
        (r#"{"format": "other/1", "version": 1, "products": []}"#.into(), "format is \"other/1\""),
        (r#"{"format": "postern-patch-list/1", "version": 0, "products": []}"#.into(), "version must be 1 or more"),
        (r#"{"format": "postern-patch-list/1", "version": 1, "products": [], "x": 1}"#.into(), "unknown field"),
        (doc(r#"{"platform": "beos", "name": "p", "patches": []}"#), "platform \"beos\""),
        (doc(r#"{"platform": "linux", "name": "a b", "patches": []}"#), "without spaces"),
        (patch(r#"{"id": "A-1", "fixed_version": "1", "severity": "urgent"}"#), "severity \"urgent\""),
        (patch(r#"{"id": "A-1", "fixed_version": "1", "severity": "low", "url": "http://x"}"#), "not an https URL"),
        (patch(r#"{"id": "", "fixed_version": "1", "severity": "low"}"#), "printable characters"),
        (
            patch(
                r#"{"id": "A-1", "fixed_version": "1", "severity": "low"}, {"id": "A-1", "fixed_version": "2", "severity": "low"}"#,
            ),
            "A-1 is listed twice",
        ),
    ];
    for (text, reason) in cases {
        let error = PatchList::from_json(&text).expect_err(&text);
        assert!(error.to_string().contains(reason), "{text}: {error} lacks {reason:?}");
    }
    assert!(matches!(PatchList::from_json("[]"), Err(PatchListError::Malformed(_))));
}
