//! The install policy: the test key in a production image, board, expiry, clock skew,
//! anti-rollback and the version jump, each refused on its own.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::{bundle, info, key, payloads, read_all, small_bundle, trusting};
use postern_update_bundle::{
    CLOCK_SKEW_TOLERANCE_SECS, ImageTrust, MAX_VERSION_JUMP, Manifest, Policy, PolicyError, SigningKey, TEST_KEY_ID,
    check_policy,
};
use std::path::Path;

/// The small bundle's manifest: version 2, board qemu-x86_64, created 1.7e9, expires 1.8e9.
fn manifest() -> Manifest {
    read_all(&trusting(&[&key(1)]), &small_bundle()).result.unwrap().manifest
}

fn policy(now_unix: u64, installed_version: u64, highest_installed_version: u64) -> Policy<'static> {
    Policy {
        board: "qemu-x86_64",
        now_unix,
        installed_version,
        highest_installed_version,
        trust: ImageTrust::Production,
    }
}

/// The manifest of a bundle of `version`, signed by `signer` and read by an appliance that
/// trusts it.
fn manifest_of(signer: &SigningKey, version: u64) -> Manifest {
    let bytes = bundle(signer, &info(version), &payloads(0));
    read_all(&trusting(&[signer]), &bytes).result.unwrap().manifest
}

/// The committed test key (`keys/TEST-ONLY-update-signing.key`).
fn committed_test_key() -> SigningKey {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../keys/TEST-ONLY-update-signing.key");
    SigningKey::from_file(&path).unwrap()
}

const NOW: u64 = 1_750_000_000;

#[test]
fn a_newer_bundle_for_this_board_in_its_validity_is_accepted() {
    assert_eq!(check_policy(&manifest(), &policy(NOW, 1, 1)), Ok(()));
    assert_eq!(check_policy(&manifest(), &policy(1_800_000_000, 1, 1)), Ok(()), "valid up to its expiry second");
}

#[test]
fn another_board_is_refused_naming_both() {
    let error = check_policy(&manifest(), &Policy { board: "pc-engines-apu2", ..policy(NOW, 1, 1) }).unwrap_err();
    assert_eq!(error.to_string(), "bundle is for board qemu-x86_64, this is pc-engines-apu2");
}

#[test]
fn an_expired_bundle_is_refused() {
    let error = check_policy(&manifest(), &policy(1_800_000_001, 1, 1)).unwrap_err();
    assert_eq!(error, PolicyError::Expired { expires_unix: 1_800_000_000, now_unix: 1_800_000_001 });
}

#[test]
fn a_bundle_from_the_future_is_refused_beyond_the_tolerance_only() {
    let created = 1_700_000_000;
    let just_within = created - CLOCK_SKEW_TOLERANCE_SECS;
    assert_eq!(check_policy(&manifest(), &policy(just_within, 1, 1)), Ok(()));
    let error = check_policy(&manifest(), &policy(just_within - 1, 1, 1)).unwrap_err();
    assert!(matches!(error, PolicyError::CreatedInFuture { created_unix: 1_700_000_000, .. }), "{error}");
}

#[test]
fn the_same_or_an_older_version_is_refused() {
    for installed in [2, 7] {
        let error = check_policy(&manifest(), &policy(NOW, installed, installed)).unwrap_err();
        assert_eq!(error.to_string(), format!("bundle version 2 is not newer than installed {installed}"));
    }
}

#[test]
fn a_version_below_the_highest_ever_installed_is_refused_after_a_rollback() {
    let error = check_policy(&manifest(), &policy(NOW, 1, 2)).unwrap_err();
    assert_eq!(error, PolicyError::RolledBack { version: 2, highest: 2 });
    assert!(error.to_string().contains("anti-rollback"));
    assert_eq!(check_policy(&manifest(), &policy(NOW, 1, 5)), Err(PolicyError::RolledBack { version: 2, highest: 5 }));
}

#[test]
fn a_production_image_refuses_the_committed_test_key_and_a_test_image_accepts_it() {
    let test_key = committed_test_key();
    assert_eq!(test_key.public_key().key_id(), TEST_KEY_ID);
    let signed = manifest_of(&test_key, 2);
    let error = check_policy(&signed, &policy(NOW, 1, 1)).unwrap_err();
    assert_eq!(error, PolicyError::TestKeyInProduction { key_id: TEST_KEY_ID });
    assert!(error.to_string().contains("public TEST key 6a16a8e7f7557c6b"), "{error}");
    let test_image = Policy { trust: ImageTrust::Test, ..policy(NOW, 1, 1) };
    assert_eq!(check_policy(&signed, &test_image), Ok(()));
}

#[test]
fn a_production_image_accepts_its_operators_key() {
    let operator = key(42);
    assert_ne!(operator.public_key().key_id(), TEST_KEY_ID);
    assert_eq!(check_policy(&manifest_of(&operator, 2), &policy(NOW, 1, 1)), Ok(()));
}

#[test]
fn a_version_absurdly_far_ahead_is_refused_and_a_normal_step_accepted() {
    let error = check_policy(&manifest_of(&key(1), u64::MAX), &policy(NOW, 10, 10)).unwrap_err();
    assert_eq!(error, PolicyError::TooFarAhead { version: u64::MAX, installed: 10, max_jump: MAX_VERSION_JUMP });
    let text = error.to_string();
    assert!(text.contains("more than 100000 ahead of the running version 10"), "{text}");
    assert_eq!(check_policy(&manifest_of(&key(1), 11), &policy(NOW, 10, 10)), Ok(()));
    let largest = 10 + MAX_VERSION_JUMP;
    assert_eq!(check_policy(&manifest_of(&key(1), largest), &policy(NOW, 10, 10)), Ok(()));
    assert!(matches!(
        check_policy(&manifest_of(&key(1), largest + 1), &policy(NOW, 10, 10)),
        Err(PolicyError::TooFarAhead { .. })
    ));
}
