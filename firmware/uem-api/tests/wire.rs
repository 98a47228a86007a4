//! Round trips, conversions to the decision core, bounds and typed errors.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use postern_decision::{
    AppTunnelAnswer, ComplianceAction, EasDeviceId, GatewayId, OutagePolicy, Platform, RegisteredDevice, UemDeviceId,
    UemSettings, UemStatus, UserId,
};
use postern_uem_api::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Debug;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T) {
    let bytes = encode(value).unwrap();
    let back: T = decode(&bytes, MAX_RESPONSE_BYTES).unwrap();
    assert_eq!(&back, value, "{}", String::from_utf8_lossy(&bytes));
}

fn device(n: u32, status: WireStatus) -> WireDevice {
    WireDevice {
        uem_device_id: UemDeviceId::new(&format!("d-{n}")).unwrap(),
        activesync_id: Some(EasDeviceId::new(&format!("EAS{n}")).unwrap()),
        user: Some(UserId::new("Alice@Example.com").unwrap()),
        platform: WirePlatform::Android,
        status,
    }
}

fn all_statuses() -> Vec<WireStatus> {
    let mut out = vec![WireStatus::Compliant, WireStatus::Blocked, WireStatus::Wiped];
    for action in
        [WireAction::Block, WireAction::Quarantine, WireAction::Email, WireAction::Monitor, WireAction::Notify]
    {
        out.push(WireStatus::Noncompliant { action });
    }
    out
}

#[test]
fn every_type_round_trips() {
    for s in all_statuses() {
        round_trip(&s);
        round_trip(&device(1, s));
    }
    let tunnel = WireTunnel {
        activesync_id: None,
        user: Some(UserId::new("bob@example.com").unwrap()),
        gateway_id: GatewayId::new("gw-2").unwrap(),
    };
    round_trip(&tunnel);
    round_trip(&DeviceLookup {
        registered: BoundedList::new(vec![device(1, WireStatus::Compliant)]).unwrap(),
        unregistered_tunnels: BoundedList::new(vec![tunnel]).unwrap(),
    });
    for rule in [None, Some(OutagePolicy::FailOpen), Some(OutagePolicy::FailClosed)] {
        let settings =
            Settings { new_device_when_unreachable: rule, supports_quarantine: false, kind: WireUemKind::Neurons };
        round_trip(&settings);
        round_trip(&Registration { gateway_id: GatewayId::new("gw-1").unwrap(), settings });
    }
    let app = AppId::new("com.example.crm").unwrap();
    let service = ServiceName::new("crm backend").unwrap();
    round_trip(&AuthoriseRequest {
        uem_device_id: UemDeviceId::new("d-1").unwrap(),
        app_id: app.clone(),
        service: service.clone(),
    });
    round_trip(&AuthoriseResponse { device_policy_ok: true, traffic_rules_ok: false, app_authorised: true });
    let change = ComplianceChange {
        uem_device_id: UemDeviceId::new("d-1").unwrap(),
        activesync_id: None,
        user: None,
        status: WireStatus::Wiped,
    };
    round_trip(&ComplianceChanges {
        cursor: Cursor::new("c-1-2").unwrap(),
        full: false,
        more: true,
        changes: BoundedList::new(vec![change]).unwrap(),
    });
    let actions = vec![
        TunnelAction {
            action: TunnelVerb::Block,
            uem_device_id: UemDeviceId::new("d-1").unwrap(),
            target: TunnelTarget::AllTunnels,
        },
        TunnelAction {
            action: TunnelVerb::Unblock,
            uem_device_id: UemDeviceId::new("d-1").unwrap(),
            target: TunnelTarget::App { app_id: app.clone(), service: service.clone() },
        },
    ];
    round_trip(&TunnelActions {
        cursor: Cursor::new("a-1-2").unwrap(),
        full: true,
        more: false,
        actions: BoundedList::new(actions).unwrap(),
    });
    let entry = InventoryEntry {
        kind: InventoryKind::Apptunnel,
        activesync_id: None,
        user: None,
        uem_device_id: Some(UemDeviceId::new("d-1").unwrap()),
        app_id: Some(app),
        service: Some(service),
        state: WireDeviceState::Quarantined,
    };
    round_trip(&InventoryReport { entries: BoundedList::new(vec![entry.clone()]).unwrap(), hold_secs: None });
    round_trip(&InventoryReport { entries: BoundedList::new(vec![entry]).unwrap(), hold_secs: Some(900) });
    round_trip(&ApiError::new(ErrorCode::CursorGone, "expired"));
}

#[test]
fn status_json_has_the_documented_shape() {
    let json =
        String::from_utf8(encode(&WireStatus::Noncompliant { action: WireAction::Quarantine }).unwrap()).unwrap();
    assert_eq!(json, r#"{"state":"noncompliant","action":"quarantine"}"#);
    assert_eq!(String::from_utf8(encode(&WireStatus::Blocked).unwrap()).unwrap(), r#"{"state":"blocked"}"#);
}

#[test]
fn conversions_to_the_decision_core_keep_meaning() {
    let status: UemStatus = WireStatus::Noncompliant { action: WireAction::Email }.into();
    assert_eq!(status, UemStatus::NonCompliant(ComplianceAction::Email));
    for s in all_statuses() {
        assert_eq!(WireStatus::try_from(UemStatus::from(s)), Ok(s));
    }
    let registered: RegisteredDevice = device(7, WireStatus::Blocked).into();
    assert_eq!(registered.platform, Platform::Android);
    assert_eq!(registered.status, UemStatus::Blocked);
    assert_eq!(registered.user.as_ref().map(UserId::as_str), Some("alice@example.com"));

    let keep = UemSettings::never_received().with_outage_policy(OutagePolicy::FailOpen);
    let unset = Settings { new_device_when_unreachable: None, supports_quarantine: true, kind: WireUemKind::Epmm };
    assert_eq!(unset.apply_to(keep).outage_policy(), Some(OutagePolicy::FailOpen), "null keeps the rule");
    let block = Settings { new_device_when_unreachable: Some(OutagePolicy::FailClosed), ..unset };
    assert_eq!(block.apply_to(keep).outage_policy(), Some(OutagePolicy::FailClosed));
    assert!(unset.capabilities().supports_quarantine);

    let answer: AppTunnelAnswer =
        AuthoriseResponse { device_policy_ok: true, traffic_rules_ok: true, app_authorised: false }.into();
    assert!(!answer.app_authorised && answer.device_policy_ok);
    assert!(WireUemKind::try_from(postern_decision::UemKind::Graph).is_err());
}

#[test]
fn unknown_enum_values_are_typed_errors() {
    for json in
        [r#"{"state":"melted"}"#, r#"{"state":"noncompliant","action":"explode"}"#, r#"{"state":"noncompliant"}"#]
    {
        let err = decode::<WireStatus>(json.as_bytes(), 1024).unwrap_err();
        assert!(matches!(err, WireError::Invalid { .. }), "{json}: {err}");
    }
    let err = decode::<Settings>(
        br#"{"new_device_when_unreachable":"maybe","supports_quarantine":true,"kind":"epmm"}"#,
        1024,
    )
    .unwrap_err();
    assert!(matches!(err, WireError::Invalid { .. }), "{err}");
    let err = decode::<InventoryEntry>(br#"{"kind":"vpn","state":"allowed"}"#, 1024).unwrap_err();
    assert!(matches!(err, WireError::Invalid { .. }), "{err}");
}

#[test]
fn garbage_truncated_and_oversize_bodies_are_typed_errors() {
    assert!(matches!(decode::<Settings>(b"<html>", 1024), Err(WireError::Syntax { .. })));
    assert!(matches!(decode::<Settings>(b"{\"kind\":", 1024), Err(WireError::Truncated(_))));
    assert!(matches!(decode::<Settings>(&[b' '; 2048], 1024), Err(WireError::TooLarge { len: 2048, max: 1024 })));
    assert!(matches!(decode::<Settings>(&[0xff, 0xfe, 0x00], 1024), Err(WireError::Syntax { .. })));
    assert!(matches!(decode::<DeviceLookup>(b"[]", 1024), Err(WireError::Invalid { .. })));
}

#[test]
fn ids_and_strings_out_of_bounds_are_refused() {
    let long_uem = format!(r#"{{"uem_device_id":"{}","status":{{"state":"wiped"}}}}"#, "x".repeat(65));
    assert!(matches!(decode::<ComplianceChange>(long_uem.as_bytes(), 4096), Err(WireError::Invalid { .. })));
    let bad_eas = br#"{"uem_device_id":"d","activesync_id":"has space","status":{"state":"wiped"}}"#;
    assert!(matches!(decode::<ComplianceChange>(bad_eas, 4096), Err(WireError::Invalid { .. })));
    let bad_cursor = br#"{"cursor":"a/b","full":true,"changes":[]}"#;
    assert!(matches!(decode::<ComplianceChanges>(bad_cursor, 4096), Err(WireError::Invalid { .. })));
    let half = br#"{"action":"block","uem_device_id":"d","app_id":"x"}"#;
    assert!(matches!(decode::<TunnelAction>(half, 4096), Err(WireError::Invalid { .. })));
    assert!(BearerToken::new("has space").is_err());
    // The decision core's ids check themselves when deserialised, wherever they appear.
    assert_eq!(decode::<UserId>(br#""Alice@Example.COM""#, 64).unwrap().as_str(), "alice@example.com");
    assert!(decode::<EasDeviceId>(br#""has space""#, 64).is_err());
    assert!(decode::<GatewayId>(br#""""#, 64).is_err());
    assert!(decode::<UemDeviceId>(format!(r#""{}""#, "x".repeat(65)).as_bytes(), 128).is_err());
    assert!(ApiError::new(ErrorCode::Internal, "é".repeat(2000)).message.len() <= ERROR_MESSAGE_MAX);
}

#[test]
fn lists_over_their_maximum_are_refused_while_decoding() {
    let one = r#"{"user":"u@example.com","gateway_id":"g"}"#;
    let tunnels = vec![one; MAX_UNREGISTERED_TUNNELS + 1].join(",");
    let json = format!(r#"{{"registered":[],"unregistered_tunnels":[{tunnels}]}}"#);
    let err = decode::<DeviceLookup>(json.as_bytes(), MAX_RESPONSE_BYTES).unwrap_err();
    assert!(err.to_string().contains("at most 64"), "{err}");
    let at_max = vec![one; MAX_UNREGISTERED_TUNNELS].join(",");
    let json = format!(r#"{{"registered":[],"unregistered_tunnels":[{at_max}]}}"#);
    assert_eq!(
        decode::<DeviceLookup>(json.as_bytes(), MAX_RESPONSE_BYTES).unwrap().unregistered_tunnels.len(),
        MAX_UNREGISTERED_TUNNELS
    );
}

#[test]
fn query_strings_round_trip_and_refuse_bad_input() {
    let q = LookupQuery {
        activesync_id: Some(EasDeviceId::new("ABC1").unwrap()),
        user: Some(UserId::new("DOMAIN\\Alice Smith").unwrap()),
    };
    assert_eq!(LookupQuery::parse(&q.to_query_string()), Ok(q));
    let p = PollQuery { cursor: Some(Cursor::new("c-ab-12").unwrap()), wait_secs: 30 };
    assert_eq!(PollQuery::parse(&p.to_query_string()), Ok(p));
    assert_eq!(PollQuery::parse(""), Ok(PollQuery::default()));
    assert_eq!(PollQuery::parse("wait=31"), Err(QueryError::BadWait));
    assert_eq!(PollQuery::parse("wait=1&wait=2"), Err(QueryError::Repeated("wait")));
    assert!(matches!(PollQuery::parse("cursor=a%2Fb"), Err(QueryError::BadId { name: "cursor", .. })));
    assert!(matches!(LookupQuery::parse("color=red"), Err(QueryError::Unknown(_))));
    assert_eq!(LookupQuery::parse(""), Err(QueryError::NothingToLookUp));
    assert_eq!(LookupQuery::parse("user=%FF"), Err(QueryError::NotUtf8("user")));
    assert_eq!(register_path(&GatewayId::new("gw 1").unwrap()), "/api/v1/gateways/gw%201/register");
}
