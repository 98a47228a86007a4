//! The argument resolution of `cargo xtask image`: production by default, test keys only when
//! asked for, and the committed test key and CA refused in a production image.

use super::*;
use crate::shell::root;
use postern_update_bundle::SigningKey;

fn repo_keys() -> PathBuf {
    root().join("keys")
}

/// A directory with a throwaway operator key (`release.pub`) and a CA file (`ca.pem`).
fn operator() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("dir");
    let keys = dir.path().join("keys");
    std::fs::create_dir_all(&keys).expect("keys dir");
    let key = SigningKey::from_seed(&[0x5e; 32]);
    std::fs::write(keys.join("release.pub"), key.public_key().to_text("release")).expect("pub");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, "-----BEGIN CERTIFICATE-----\nb3BlcmF0b3IgQ0E=\n-----END CERTIFICATE-----\n").expect("ca");
    (dir, keys, ca)
}

#[test]
fn without_keys_the_error_says_what_to_pass() {
    let e = resolve(false, None, None, &repo_keys()).expect_err("refused");
    let text = e.to_string();
    for option in ["--update-keys DIR", "--update-ca FILE", "--test-keys", "production image"] {
        assert!(text.contains(option), "{option} missing from: {text}");
    }
    let (_dir, keys, ca) = operator();
    let only_keys = resolve(false, Some(&keys), None, &repo_keys()).expect_err("no CA");
    assert!(matches!(only_keys, TrustError::Missing { missing: "--update-ca was not given" }), "{only_keys}");
    let only_ca = resolve(false, None, Some(&ca), &repo_keys()).expect_err("no keys");
    assert!(matches!(only_ca, TrustError::Missing { missing: "--update-keys was not given" }), "{only_ca}");
}

#[test]
fn test_keys_make_a_test_image_with_the_committed_keys() {
    let trust = resolve(true, None, None, &repo_keys()).expect("test image");
    assert_eq!(trust.kind, ImageTrust::Test);
    assert_eq!(trust.keys, repo_keys());
    assert_eq!(trust.ca, repo_keys().join("TEST-ONLY-update-server-ca.pem"));
    assert_eq!(trust.key_ids, [TEST_KEY_ID.to_string()]);
    let (_dir, keys, ca) = operator();
    assert!(matches!(resolve(true, Some(&keys), None, &repo_keys()), Err(TrustError::Mixed)));
    assert!(matches!(resolve(true, None, Some(&ca), &repo_keys()), Err(TrustError::Mixed)));
}

#[test]
fn the_operators_keys_make_a_production_image() {
    let (_dir, keys, ca) = operator();
    let trust = resolve(false, Some(&keys), Some(&ca), &repo_keys()).expect("production image");
    assert_eq!(trust.kind, ImageTrust::Production);
    assert_eq!((trust.keys, trust.ca), (keys, ca));
    assert_eq!(trust.key_ids, [SigningKey::from_seed(&[0x5e; 32]).public_key().key_id().to_string()]);
}

#[test]
fn a_production_image_refuses_the_test_key_by_id_whatever_its_name() {
    let (_dir, keys, ca) = operator();
    std::fs::copy(repo_keys().join("TEST-ONLY-update-signing.pub"), keys.join("looks-fine.pub")).expect("copy");
    let e = resolve(false, Some(&keys), Some(&ca), &repo_keys()).expect_err("refused");
    assert!(matches!(&e, TrustError::TestKey { path } if path.ends_with("looks-fine.pub")), "{e}");
    assert!(e.to_string().contains("6a16a8e7f7557c6b"), "{e}");
}

#[test]
fn a_production_image_refuses_test_names_and_the_test_ca() {
    let (dir, keys, ca) = operator();
    std::fs::rename(keys.join("release.pub"), keys.join("TEST-ONLY-mine.pub")).expect("rename");
    let e = resolve(false, Some(&keys), Some(&ca), &repo_keys()).expect_err("refused");
    assert!(matches!(e, TrustError::TestName { .. }), "{e}");

    let (_dir, keys, _) = operator();
    let e = resolve(false, Some(&keys), Some(&repo_keys().join("TEST-ONLY-update-server-ca.pem")), &repo_keys())
        .expect_err("refused");
    assert!(matches!(e, TrustError::TestName { .. }), "{e}");
    // The test CA under another name, re-wrapped, after another certificate: still the test CA.
    let test_ca = std::fs::read_to_string(repo_keys().join("TEST-ONLY-update-server-ca.pem")).expect("test ca");
    let copied = dir.path().join("our-ca.pem");
    let mut bundle = std::fs::read_to_string(&ca).expect("ca");
    bundle.push_str(&test_ca.replace('\n', "\r\n"));
    std::fs::write(&copied, bundle).expect("write");
    let e = resolve(false, Some(&keys), Some(&copied), &repo_keys()).expect_err("refused");
    assert!(matches!(e, TrustError::TestCa { .. }), "{e}");
}

#[test]
fn a_key_directory_without_keys_is_refused() {
    let (dir, _, ca) = operator();
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).expect("dir");
    let e = resolve(false, Some(&empty), Some(&ca), &repo_keys()).expect_err("refused");
    assert!(matches!(e, TrustError::NoKeys { .. }), "{e}");
}
