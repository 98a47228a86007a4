//! Key files (64 hex digits, `#` comments), key ids, trusted key sets and the repository's test key.
#![allow(clippy::unwrap_used, reason = "tests")]

use postern_update_bundle::{KeyError, PublicKey, SigningKey, TrustedKeys};
use std::path::Path;

#[test]
fn key_files_round_trip_with_comments() {
    let signer = SigningKey::from_seed(&[7; 32]);
    let text = signer.to_text("a test key");
    assert!(text.starts_with("# a test key\n"));
    let back = SigningKey::from_text(&text).unwrap();
    assert_eq!(back.key_id(), signer.key_id());
    let public = PublicKey::from_text(&signer.public_key().to_text("its public half")).unwrap();
    assert_eq!(&public, signer.public_key());
    let spaced = format!("\n  # leading comment\n\n  {}  \n# trailing\n", "07".repeat(32));
    assert_eq!(SigningKey::from_text(&spaced).unwrap().key_id(), signer.key_id());
}

#[test]
fn malformed_key_files_are_refused_with_the_line() {
    assert!(matches!(SigningKey::from_text("# only a comment\n"), Err(KeyError::Missing)));
    assert!(matches!(SigningKey::from_text(&"ab".repeat(31)), Err(KeyError::NotHex { line: 1, length: 62 })));
    assert!(matches!(
        SigningKey::from_text(&format!("#\n{}zz", "ab".repeat(31))),
        Err(KeyError::NotHex { line: 2, .. })
    ));
    let two = format!("{0}\n{0}\n", "ab".repeat(32));
    assert!(matches!(SigningKey::from_text(&two), Err(KeyError::SecondKey { line: 2 })));
}

#[test]
fn invalid_and_weak_public_keys_are_refused() {
    // The identity point (a small-order, weak key).
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert!(matches!(PublicKey::from_bytes(&identity), Err(KeyError::InvalidPublicKey { .. })));
    // y = 2 is not on the curve.
    let mut off_curve = [0u8; 32];
    off_curve[0] = 2;
    assert!(matches!(PublicKey::from_bytes(&off_curve), Err(KeyError::InvalidPublicKey { .. })));
}

#[test]
fn a_directory_of_pub_files_is_trusted_and_other_files_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (SigningKey::from_seed(&[1; 32]), SigningKey::from_seed(&[2; 32]));
    std::fs::write(dir.path().join("a.pub"), a.public_key().to_text("a")).unwrap();
    std::fs::write(dir.path().join("b.pub"), b.public_key().to_text("b")).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a key").unwrap();
    let trusted = TrustedKeys::from_dir(dir.path()).unwrap();
    assert_eq!(trusted.len(), 2);
    assert_eq!(trusted.get(a.key_id()), Some(a.public_key()));
    assert_eq!(trusted.get(b.key_id()), Some(b.public_key()));
    std::fs::write(dir.path().join("broken.pub"), "xyz").unwrap();
    let error = TrustedKeys::from_dir(dir.path()).unwrap_err();
    assert!(error.to_string().contains("broken.pub"), "{error}");
}

#[test]
fn a_directory_without_keys_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(TrustedKeys::from_dir(dir.path()), Err(KeyError::NoTrustedKeys { .. })));
    assert!(matches!(TrustedKeys::from_dir(&dir.path().join("missing")), Err(KeyError::Io { .. })));
}

#[test]
fn the_same_key_twice_is_one_trusted_key() {
    let a = SigningKey::from_seed(&[1; 32]);
    let text = a.public_key().to_text("a");
    let trusted = TrustedKeys::from_texts(&[&text, &text]).unwrap();
    assert_eq!(trusted.key_ids().collect::<Vec<_>>(), vec![a.key_id()]);
}

#[test]
fn the_repository_test_key_pair_matches_and_is_marked() {
    let keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../keys");
    let secret_text = std::fs::read_to_string(keys.join("TEST-ONLY-update-signing.key")).unwrap();
    assert!(secret_text.lines().next().unwrap().contains("TEST ONLY"), "first line marks the key");
    let secret = SigningKey::from_file(&keys.join("TEST-ONLY-update-signing.key")).unwrap();
    let public = PublicKey::from_file(&keys.join("TEST-ONLY-update-signing.pub")).unwrap();
    assert_eq!(secret.public_key(), &public);
    assert_eq!(TrustedKeys::from_dir(&keys).unwrap().get(public.key_id()), Some(&public));
}
