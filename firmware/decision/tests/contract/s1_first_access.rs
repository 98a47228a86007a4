//! S1: first ActiveSync access, decided from the UEM's answer.

use crate::common::{ELSEWHERE, EPMM, HERE, NEURONS, gateway, registered, request, tunnel, uem};
use postern_decision::{
    CacheUpdate, ComplianceAction, DeviceState, FirstAccess, MatchedBy, Platform, Provenance, Reason, RegisteredDevice,
    UemCapabilities, UemLookup, UemSettings, UemStatus, UnregisteredTunnel, Verdict, decide_first_access,
};

const ALICE: Option<&str> = Some("alice@corp.example");
const BOB: Option<&str> = Some("bob@corp.example");
const OK: UemStatus = UemStatus::Compliant;
const BLOCK: UemStatus = UemStatus::NonCompliant(ComplianceAction::Block);

struct Row {
    name: &'static str,
    caps: UemCapabilities,
    registered: Vec<RegisteredDevice>,
    tunnels: Vec<UnregisteredTunnel>,
    verdict: Verdict,
    reason: Reason,
    matched_by: Option<MatchedBy>,
    /// `None`: the cache must forget the device; `Some((uem id, state))`: what it stores.
    stored: Option<(Option<&'static str>, DeviceState)>,
}

fn rows() -> Vec<Row> {
    use Platform::{Android, Ios, Other};
    use Verdict::{Allow, Block};
    let q = UemStatus::NonCompliant(ComplianceAction::Quarantine);
    vec![
        Row {
            name: "exact ActiveSync id, compliant",
            caps: EPMM,
            registered: vec![registered("u1", Some("DEV1"), ALICE, Ios, OK)],
            tunnels: vec![],
            verdict: Allow,
            reason: Reason::UemCompliant,
            matched_by: Some(MatchedBy::EasDeviceId),
            stored: Some((Some("u1"), DeviceState::Allowed)),
        },
        Row {
            name: "exact ActiveSync id, blocking violation",
            caps: EPMM,
            registered: vec![registered("u1", Some("DEV1"), ALICE, Ios, BLOCK)],
            tunnels: vec![],
            verdict: Block,
            reason: Reason::UemNonCompliant,
            matched_by: Some(MatchedBy::EasDeviceId),
            stored: Some((Some("u1"), DeviceState::Blocked)),
        },
        Row {
            name: "ActiveSync id beats user",
            caps: EPMM,
            registered: vec![registered("u2", None, ALICE, Ios, BLOCK), registered("u1", Some("DEV1"), ALICE, Ios, OK)],
            tunnels: vec![],
            verdict: Allow,
            reason: Reason::UemCompliant,
            matched_by: Some(MatchedBy::EasDeviceId),
            stored: Some((Some("u1"), DeviceState::Allowed)),
        },
        Row {
            name: "user match when the UEM lacks the ActiveSync id",
            caps: EPMM,
            registered: vec![registered("u2", None, ALICE, Ios, OK)],
            tunnels: vec![],
            verdict: Allow,
            reason: Reason::UemCompliant,
            matched_by: Some(MatchedBy::User),
            stored: Some((Some("u2"), DeviceState::Allowed)),
        },
        Row {
            name: "same user, other ActiveSync id: another device",
            caps: EPMM,
            registered: vec![registered("u3", Some("DEV9"), ALICE, Ios, OK)],
            tunnels: vec![],
            verdict: Block,
            reason: Reason::NotRegistered,
            matched_by: None,
            stored: Some((None, DeviceState::Blocked)),
        },
        Row {
            name: "nothing registered",
            caps: EPMM,
            registered: vec![],
            tunnels: vec![],
            verdict: Block,
            reason: Reason::NotRegistered,
            matched_by: None,
            stored: Some((None, DeviceState::Blocked)),
        },
        Row {
            name: "allowed on another gateway by ActiveSync id",
            caps: EPMM,
            registered: vec![registered("u1", Some("DEV1"), ALICE, Ios, OK)],
            tunnels: vec![tunnel(Some("DEV1"), ALICE, ELSEWHERE)],
            verdict: Block,
            reason: Reason::AllowedOnOtherGateway,
            matched_by: None,
            stored: None,
        },
        Row {
            name: "allowed on another gateway by user",
            caps: EPMM,
            registered: vec![registered("u1", Some("DEV1"), ALICE, Ios, OK)],
            tunnels: vec![tunnel(None, ALICE, ELSEWHERE)],
            verdict: Block,
            reason: Reason::AllowedOnOtherGateway,
            matched_by: None,
            stored: None,
        },
        Row {
            name: "tunnel on this gateway is ours",
            caps: EPMM,
            registered: vec![registered("u1", Some("DEV1"), ALICE, Ios, OK)],
            tunnels: vec![tunnel(Some("DEV1"), ALICE, HERE)],
            verdict: Allow,
            reason: Reason::UemCompliant,
            matched_by: Some(MatchedBy::EasDeviceId),
            stored: Some((Some("u1"), DeviceState::Allowed)),
        },
        Row {
            name: "user's other device on another gateway",
            caps: EPMM,
            registered: vec![registered("u1", Some("DEV1"), ALICE, Ios, OK)],
            tunnels: vec![tunnel(Some("DEV7"), ALICE, ELSEWHERE)],
            verdict: Allow,
            reason: Reason::UemCompliant,
            matched_by: Some(MatchedBy::EasDeviceId),
            stored: Some((Some("u1"), DeviceState::Allowed)),
        },
        Row {
            name: "two user matches, both compliant",
            caps: EPMM,
            registered: vec![registered("u4", None, ALICE, Other, OK), registered("u5", None, ALICE, Other, OK)],
            tunnels: vec![],
            verdict: Allow,
            reason: Reason::AmbiguousMatchAllCompliant,
            matched_by: Some(MatchedBy::User),
            stored: Some((None, DeviceState::Allowed)),
        },
        Row {
            name: "two user matches, one blocked",
            caps: EPMM,
            registered: vec![registered("u4", None, ALICE, Other, OK), registered("u5", None, ALICE, Other, BLOCK)],
            tunnels: vec![],
            verdict: Block,
            reason: Reason::AmbiguousMatch,
            matched_by: Some(MatchedBy::User),
            stored: Some((None, DeviceState::Blocked)),
        },
        Row {
            name: "two user matches told apart by platform",
            caps: EPMM,
            registered: vec![registered("u6", None, ALICE, Android, BLOCK), registered("u7", None, ALICE, Ios, OK)],
            tunnels: vec![],
            verdict: Allow,
            reason: Reason::UemCompliant,
            matched_by: Some(MatchedBy::User),
            stored: Some((Some("u7"), DeviceState::Allowed)),
        },
        Row {
            name: "two ActiveSync matches told apart by user",
            caps: EPMM,
            registered: vec![
                registered("u8", Some("DEV1"), BOB, Ios, BLOCK),
                registered("u9", Some("DEV1"), ALICE, Ios, OK),
            ],
            tunnels: vec![],
            verdict: Allow,
            reason: Reason::UemCompliant,
            matched_by: Some(MatchedBy::EasDeviceId),
            stored: Some((Some("u9"), DeviceState::Allowed)),
        },
        Row {
            name: "wiped",
            caps: EPMM,
            registered: vec![registered("u1", Some("DEV1"), ALICE, Ios, UemStatus::Wiped)],
            tunnels: vec![],
            verdict: Block,
            reason: Reason::UemWiped,
            matched_by: Some(MatchedBy::EasDeviceId),
            stored: Some((Some("u1"), DeviceState::Wiped)),
        },
        Row {
            name: "blocked by an administrator",
            caps: EPMM,
            registered: vec![registered("u1", Some("DEV1"), ALICE, Ios, UemStatus::Blocked)],
            tunnels: vec![],
            verdict: Block,
            reason: Reason::UemBlocked,
            matched_by: Some(MatchedBy::EasDeviceId),
            stored: Some((Some("u1"), DeviceState::Blocked)),
        },
        Row {
            name: "quarantine on an EPMM-style UEM",
            caps: EPMM,
            registered: vec![registered("u1", Some("DEV1"), ALICE, Ios, q)],
            tunnels: vec![],
            verdict: Block,
            reason: Reason::UemQuarantined,
            matched_by: Some(MatchedBy::EasDeviceId),
            stored: Some((Some("u1"), DeviceState::Quarantined)),
        },
        Row {
            name: "quarantine on a Neurons-style UEM is ignored",
            caps: NEURONS,
            registered: vec![registered("u1", Some("DEV1"), ALICE, Ios, q)],
            tunnels: vec![],
            verdict: Allow,
            reason: Reason::QuarantineUnsupported,
            matched_by: Some(MatchedBy::EasDeviceId),
            stored: Some((Some("u1"), DeviceState::Allowed)),
        },
        Row {
            name: "non-blocking violation",
            caps: EPMM,
            registered: vec![registered(
                "u1",
                Some("DEV1"),
                ALICE,
                Ios,
                UemStatus::NonCompliant(ComplianceAction::Notify),
            )],
            tunnels: vec![],
            verdict: Allow,
            reason: Reason::UemNonCompliantNotBlocking,
            matched_by: Some(MatchedBy::EasDeviceId),
            stored: Some((Some("u1"), DeviceState::Allowed)),
        },
    ]
}

#[test]
fn s1_first_activesync_access() {
    let req = request("DEV1", ALICE, Platform::Ios);
    let here = gateway(HERE);
    for row in rows() {
        let input = FirstAccess {
            request: &req,
            gateway: &here,
            lookup: UemLookup::Reachable { registered: &row.registered, tunnels: &row.tunnels },
            settings: UemSettings::never_received(),
            caps: row.caps,
            previous: None,
        };
        let out = decide_first_access(&input);
        assert_eq!(out.decision.verdict, row.verdict, "{}", row.name);
        assert_eq!(out.decision.reason, row.reason, "{}", row.name);
        assert_eq!(out.decision.basis, Provenance::Uem, "{}", row.name);
        assert_eq!(out.matched_by, row.matched_by, "{}", row.name);
        match (row.stored, &out.cache) {
            (None, CacheUpdate::Forget) => {}
            (Some((uem_id, state)), CacheUpdate::Store(record)) => {
                assert_eq!(record.state, state, "{}", row.name);
                assert_eq!(record.provenance, Provenance::Uem, "{}", row.name);
                assert_eq!(record.identity.uem_device_id, uem_id.map(uem), "{}", row.name);
                assert_eq!(record.identity.eas_device_id.as_ref(), Some(&req.eas_device_id), "{}", row.name);
                assert_eq!(record.decide().verdict, row.verdict, "{}: S2 agrees", row.name);
            }
            (want, got) => panic!("{}: expected {want:?}, got {got:?}", row.name),
        }
    }
}

#[test]
fn s1_user_only_request_fills_in_the_uem_user_and_platform() {
    let req = request("DEV1", None, Platform::Other);
    let devices = [registered("u1", Some("DEV1"), ALICE, Platform::Android, OK)];
    let here = gateway(HERE);
    let out = decide_first_access(&FirstAccess {
        request: &req,
        gateway: &here,
        lookup: UemLookup::Reachable { registered: &devices, tunnels: &[] },
        settings: UemSettings::never_received(),
        caps: EPMM,
        previous: None,
    });
    let record = out.cache.record().cloned().unwrap_or_default();
    assert_eq!(record.identity.user, ALICE.map(crate::common::user));
    assert_eq!(record.identity.platform, Platform::Android);
}
