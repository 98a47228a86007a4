//! The `revoked` report kind (A5): accepted with a device and a reason, refused without,
//! and a batch of an older gateway (no `revoked`) parses as before.

use postern_access_profile::api::{SignIn, SignInBatch, SignInResult};

fn revoked(device: Option<&str>, reason: Option<&str>) -> SignIn {
    SignIn {
        id: "gw1-000044".into(),
        time_unix: 1_796_515_300,
        user: Some("alice@example.com".into()),
        device: device.map(Into::into),
        app: None,
        pairing: "crm".into(),
        rule: None,
        result: SignInResult::Revoked,
        reason: reason.map(Into::into),
        code: Some("device-cut".into()),
    }
}

#[test]
fn a_revoked_report_needs_its_device_and_what_was_done() {
    let good = SignInBatch { sign_ins: vec![revoked(Some("uem-0001"), Some("federation session ended"))] };
    assert!(good.validate().is_ok());
    let json = serde_json::to_string(&good).expect("serialises");
    assert!(json.contains(r#""result":"revoked""#), "{json}");
    let bad = SignInBatch { sign_ins: vec![revoked(None, None)] };
    let problems = bad.validate().expect_err("refused").to_string();
    assert!(problems.contains("sign_ins[0].device") && problems.contains("sign_ins[0].reason"), "{problems}");
}

#[test]
fn an_older_gateway_s_batch_parses_unchanged() {
    let old = r#"{"sign_ins":[{"id":"a","time_unix":1,"pairing":"crm","result":"allowed"}]}"#;
    let batch: SignInBatch = serde_json::from_str(old).expect("parses");
    assert_eq!(batch.sign_ins[0].result, SignInResult::Allowed);
    assert!(batch.validate().is_ok());
}
