//! Every schema example in openapi.yaml decodes into its Rust type and encodes back to the
//! same JSON.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use postern_uem_api::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// `components.schemas.NAME.example` of every schema, as one-line JSON.
fn examples() -> BTreeMap<String, String> {
    let text = include_str!("../openapi.yaml");
    let mut in_schemas = false;
    let mut current = None;
    let mut out = BTreeMap::new();
    for line in text.lines() {
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
    let value: T = decode(json.as_bytes(), MAX_RESPONSE_BYTES)
        .unwrap_or_else(|e| panic!("example of {name} does not decode: {e}"));
    let again: serde_json::Value = serde_json::from_slice(&encode(&value).unwrap()).unwrap();
    let original: serde_json::Value = serde_json::from_str(json).unwrap();
    // `more` and `platform` have defaults the encoder writes out.
    let mut original = original;
    if let (Some(o), Some(a)) = (original.as_object_mut(), again.as_object()) {
        for key in ["more", "platform"] {
            if a.contains_key(key) && !o.contains_key(key) {
                o.insert(key.into(), a[key].clone());
            }
        }
    }
    assert_eq!(again, original, "example of {name} does not survive a round trip");
}

#[test]
fn every_schema_example_decodes_and_round_trips() {
    let examples = examples();
    let expected = [
        "Error",
        "Status",
        "Settings",
        "Registration",
        "Device",
        "Tunnel",
        "DeviceLookup",
        "AuthoriseRequest",
        "AuthoriseResponse",
        "ComplianceChange",
        "ComplianceChanges",
        "TunnelAction",
        "TunnelActions",
        "InventoryEntry",
        "InventoryReport",
    ];
    assert_eq!(
        examples.keys().map(String::as_str).collect::<Vec<_>>().len(),
        expected.len(),
        "schemas with examples: {:?}",
        examples.keys()
    );
    for name in expected {
        let json = examples.get(name).unwrap_or_else(|| panic!("no example for {name}"));
        match name {
            "Error" => check::<ApiError>(name, json),
            "Status" => check::<WireStatus>(name, json),
            "Settings" => check::<Settings>(name, json),
            "Registration" => check::<Registration>(name, json),
            "Device" => check::<WireDevice>(name, json),
            "Tunnel" => check::<WireTunnel>(name, json),
            "DeviceLookup" => check::<DeviceLookup>(name, json),
            "AuthoriseRequest" => check::<AuthoriseRequest>(name, json),
            "AuthoriseResponse" => check::<AuthoriseResponse>(name, json),
            "ComplianceChange" => check::<ComplianceChange>(name, json),
            "ComplianceChanges" => check::<ComplianceChanges>(name, json),
            "TunnelAction" => check::<TunnelAction>(name, json),
            "TunnelActions" => check::<TunnelActions>(name, json),
            "InventoryEntry" => check::<InventoryEntry>(name, json),
            "InventoryReport" => check::<InventoryReport>(name, json),
            other => panic!("no Rust type mapped for schema {other}"),
        }
    }
}
