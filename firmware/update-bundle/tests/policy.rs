//! The install policy: board, expiry, clock skew and anti-rollback, each refused on its own.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::{key, read_all, small_bundle, trusting};
use postern_update_bundle::{
    CLOCK_SKEW_TOLERANCE_SECS, Manifest, Policy, PolicyError, check_policy,
};

/// The small bundle's manifest: version 2, board qemu-x86_64, created 1.7e9, expires 1.8e9.
fn manifest() -> Manifest {
    read_all(&trusting(&[&key(1)]), &small_bundle())
        .result
        .unwrap()
        .manifest
}

fn policy(
    now_unix: u64,
    installed_version: u64,
    highest_installed_version: u64,
) -> Policy<'static> {
    Policy {
        board: "qemu-x86_64",
        now_unix,
        installed_version,
        highest_installed_version,
    }
}

const NOW: u64 = 1_750_000_000;

#[test]
fn a_newer_bundle_for_this_board_in_its_validity_is_accepted() {
    assert_eq!(check_policy(&manifest(), &policy(NOW, 1, 1)), Ok(()));
    assert_eq!(
        check_policy(&manifest(), &policy(1_800_000_000, 1, 1)),
        Ok(()),
        "valid up to its expiry second"
    );
}

#[test]
fn another_board_is_refused_naming_both() {
    let error = check_policy(
        &manifest(),
        &Policy {
            board: "pc-engines-apu2",
            ..policy(NOW, 1, 1)
        },
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "bundle is for board qemu-x86_64, this is pc-engines-apu2"
    );
}

#[test]
fn an_expired_bundle_is_refused() {
    let error = check_policy(&manifest(), &policy(1_800_000_001, 1, 1)).unwrap_err();
    assert_eq!(
        error,
        PolicyError::Expired {
            expires_unix: 1_800_000_000,
            now_unix: 1_800_000_001
        }
    );
}

#[test]
fn a_bundle_from_the_future_is_refused_beyond_the_tolerance_only() {
    let created = 1_700_000_000;
    let just_within = created - CLOCK_SKEW_TOLERANCE_SECS;
    assert_eq!(
        check_policy(&manifest(), &policy(just_within, 1, 1)),
        Ok(())
    );
    let error = check_policy(&manifest(), &policy(just_within - 1, 1, 1)).unwrap_err();
    assert!(
        matches!(
            error,
            PolicyError::CreatedInFuture {
                created_unix: 1_700_000_000,
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn the_same_or_an_older_version_is_refused() {
    for installed in [2, 7] {
        let error = check_policy(&manifest(), &policy(NOW, installed, installed)).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("bundle version 2 is not newer than installed {installed}")
        );
    }
}

#[test]
fn a_version_below_the_highest_ever_installed_is_refused_after_a_rollback() {
    let error = check_policy(&manifest(), &policy(NOW, 1, 2)).unwrap_err();
    assert_eq!(
        error,
        PolicyError::RolledBack {
            version: 2,
            highest: 2
        }
    );
    assert!(error.to_string().contains("anti-rollback"));
    assert_eq!(
        check_policy(&manifest(), &policy(NOW, 1, 5)),
        Err(PolicyError::RolledBack {
            version: 2,
            highest: 5
        })
    );
}
