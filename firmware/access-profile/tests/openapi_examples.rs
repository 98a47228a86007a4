//! Every schema example in openapi.yaml decodes into its Rust type and encodes back to the
//! same JSON; every path the spec names is one the crate exports.

use postern_access_profile::api::{ApiError, PROFILE_PATH, SIGN_INS_PATH, SignIn, SignInBatch, SignInReceipt};
use postern_access_profile::{CertifiedKeyPem, Pairing, Profile, Rule};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

const SPEC: &str = include_str!("../openapi.yaml");

/// `components.schemas.NAME.example` of every schema, as one-line JSON.
fn examples() -> BTreeMap<String, String> {
    let mut in_schemas = false;
    let mut current = None;
    let mut out = BTreeMap::new();
    for line in SPEC.lines() {
        if line == "  schemas:" {
            in_schemas = true;
            continue;
        }
        if !in_schemas {
            continue;
        }
        if let Some(name) = line.strip_prefix("    ").and_then(|l| l.strip_suffix(':')) {
            if !name.starts_with(' ') {
                current = Some(name.to_owned());
            }
        }
        if let (Some(name), Some(json)) = (&current, line.strip_prefix("      example: ")) {
            out.insert(name.clone(), json.to_owned());
        }
    }
    out
}

fn check<T: DeserializeOwned + Serialize>(name: &str, json: &str) {
    let value: T = serde_json::from_str(json).unwrap_or_else(|e| panic!("example of {name} does not decode: {e}"));
    let again = serde_json::to_value(&value).unwrap_or_else(|e| panic!("{name}: {e}"));
    let original: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(again, original, "example of {name} does not survive a round trip");
}

#[test]
fn every_schema_example_decodes_and_round_trips() {
    let examples = examples();
    let names: Vec<&str> = examples.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["CertifiedKey", "Error", "Pairing", "Profile", "Rule", "SignIn", "SignInBatch", "SignInReceipt"]
    );
    check::<ApiError>("Error", &examples["Error"]);
    check::<CertifiedKeyPem>("CertifiedKey", &examples["CertifiedKey"]);
    check::<Pairing>("Pairing", &examples["Pairing"]);
    check::<Rule>("Rule", &examples["Rule"]);
    check::<Profile>("Profile", &examples["Profile"]);
    check::<SignIn>("SignIn", &examples["SignIn"]);
    check::<SignInBatch>("SignInBatch", &examples["SignInBatch"]);
    check::<SignInReceipt>("SignInReceipt", &examples["SignInReceipt"]);
}

#[test]
fn the_spec_names_exactly_the_exported_paths() {
    let paths: Vec<&str> =
        SPEC.lines().filter_map(|l| l.strip_prefix("  /").and_then(|p| p.strip_suffix(':'))).collect();
    assert_eq!(paths, [&PROFILE_PATH[1..], &SIGN_INS_PATH[1..]]);
}
