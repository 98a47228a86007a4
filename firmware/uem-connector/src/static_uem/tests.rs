#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use super::StaticUem;
use crate::{SetupError, UemConnector, UemError};
use postern_config::{OutagePolicy, Platform, ReportedState, StaticConnector, StaticDevice, StaticUemSettings};
use postern_decision::{
    ComplianceAction, EasDeviceId, EasRequest, GatewayId, Platform as DecisionPlatform, UemDeviceId, UemStatus, UserId,
};
use postern_uem_api::{AppId, ServiceName, WireAction, WireStatus};
use std::time::Duration;

fn device(eas: &str, user: &str, uem: &str, state: ReportedState) -> StaticDevice {
    StaticDevice {
        activesync_id: eas.into(),
        user: user.into(),
        uem_id: uem.into(),
        platform: Platform::Ios,
        state,
        allowed_on_gateway: None,
    }
}

fn config() -> StaticConnector {
    let mut elsewhere = device("EAS5", "erin@example.com", "uem-5", ReportedState::Allowed);
    elsewhere.allowed_on_gateway = Some("gw-2".into());
    let mut here = device("EAS6", "frank@example.com", "uem-6", ReportedState::Allowed);
    here.allowed_on_gateway = Some("gw-1".into());
    StaticConnector {
        devices: vec![
            device("EAS1", "alice@example.com", "uem-1", ReportedState::Allowed),
            device("EAS2", "bob@example.com", "uem-2", ReportedState::Blocked),
            device("EAS3", "alice@example.com", "uem-3", ReportedState::Quarantined),
            device("EAS4", "dave@example.com", "uem-4", ReportedState::Wiped),
            elsewhere,
            here,
        ],
        settings: StaticUemSettings {
            new_device_when_unreachable: Some(OutagePolicy::FailOpen),
            supports_quarantine: true,
        },
    }
}

fn gw(id: &str) -> GatewayId {
    GatewayId::new(id).unwrap()
}

fn uem() -> StaticUem {
    StaticUem::from_config(&config(), &gw("gw-1")).unwrap()
}

fn id(s: &str) -> UemDeviceId {
    UemDeviceId::new(s).unwrap()
}

fn request(eas: &str, user: Option<&str>) -> EasRequest {
    EasRequest {
        eas_device_id: EasDeviceId::new(eas).unwrap(),
        user: user.map(|u| UserId::new(u).unwrap()),
        platform: DecisionPlatform::Ios,
    }
}

#[test]
fn a_bad_device_setting_is_named_in_the_error() {
    let mut c = config();
    c.devices[2].user = "bad\u{7}user".into();
    let err = StaticUem::from_config(&c, &gw("gw-1")).unwrap_err();
    assert!(matches!(&err, SetupError::Identifier { setting, .. } if setting == "uem.connector.devices[2].user"));
    assert!(err.to_string().starts_with("uem.connector.devices[2].user: "), "{err}");

    let mut c = config();
    c.devices[4].allowed_on_gateway = Some(String::new());
    let err = StaticUem::from_config(&c, &gw("gw-1")).unwrap_err();
    assert!(err.to_string().starts_with("uem.connector.devices[4].allowed_on_gateway"), "{err}");
}

#[tokio::test]
async fn register_returns_the_configured_settings() {
    let uem = uem();
    let settings = uem.register().await.unwrap();
    assert_eq!(settings.new_device_when_unreachable, Some(OutagePolicy::FailOpen));
    assert!(settings.supports_quarantine);

    let mut c = config();
    c.settings.new_device_when_unreachable = None;
    c.settings.supports_quarantine = false;
    c.devices.retain(|d| d.state != ReportedState::Quarantined);
    let plain = StaticUem::from_config(&c, &gw("gw-1")).unwrap();
    let settings = plain.register().await.unwrap();
    assert_eq!(settings.new_device_when_unreachable, None);
    assert!(!settings.supports_quarantine);
    assert_eq!(plain.uem_settings().outage_policy(), None);
}

#[tokio::test]
async fn lookup_finds_by_activesync_id_then_by_user() {
    let uem = uem();
    let found = uem.lookup(&request("EAS3", Some("alice@example.com"))).await.unwrap();
    let ids: Vec<_> = found.registered.iter().map(|d| d.uem_device_id.as_str()).collect();
    assert_eq!(ids, ["uem-3", "uem-1"], "the ActiveSync id match comes first");
    assert_eq!(found.registered[0].status, WireStatus::Noncompliant { action: WireAction::Quarantine });
    assert!(found.unregistered_tunnels.is_empty());

    let nobody = uem.lookup(&request("NEW1", None)).await.unwrap();
    assert!(nobody.registered.is_empty() && nobody.unregistered_tunnels.is_empty());
}

#[tokio::test]
async fn devices_allowed_on_another_gateway_are_reported_as_tunnels() {
    let uem = uem();
    let found = uem.lookup(&request("EAS5", None)).await.unwrap();
    assert_eq!(found.unregistered_tunnels.len(), 1);
    assert_eq!(found.unregistered_tunnels[0].gateway_id.as_str(), "gw-2");
    let own = uem.lookup(&request("EAS6", None)).await.unwrap();
    assert!(own.unregistered_tunnels.is_empty(), "pinned to this gateway");
    assert_eq!(uem.tunnels_elsewhere().len(), 1);
}

#[tokio::test]
async fn authorisation_follows_the_device_status() {
    let uem = uem();
    let (app, svc) = (AppId::new("com.example.mail").unwrap(), ServiceName::new("intranet").unwrap());
    let ok = uem.authorise_app(&id("uem-1"), &app, &svc).await.unwrap();
    assert!(ok.device_policy_ok && ok.traffic_rules_ok && ok.app_authorised);
    let blocked = uem.authorise_app(&id("uem-2"), &app, &svc).await.unwrap();
    assert!(!blocked.device_policy_ok && blocked.app_authorised);
    let unknown = uem.authorise_app(&id("uem-404"), &app, &svc).await.unwrap();
    assert!(!unknown.device_policy_ok && !unknown.traffic_rules_ok);

    assert!(uem.set_status(&id("uem-2"), UemStatus::NonCompliant(ComplianceAction::Email)));
    let email = uem.authorise_app(&id("uem-2"), &app, &svc).await.unwrap();
    assert!(email.device_policy_ok, "a non-blocking violation keeps the policy satisfied");
}

#[tokio::test]
async fn the_feed_is_a_full_snapshot_then_only_what_changed() {
    let uem = uem();
    let full = uem.compliance_changes(None, Duration::ZERO).await.unwrap();
    assert!(full.full && !full.more);
    assert_eq!(full.changes.len(), 6);
    let quiet = uem.compliance_changes(Some(&full.cursor), Duration::ZERO).await.unwrap();
    assert!(!quiet.full && quiet.changes.is_empty());
    assert_eq!(quiet.cursor, full.cursor);

    assert!(uem.set_status(&id("uem-1"), UemStatus::Blocked));
    assert!(!uem.set_status(&id("uem-404"), UemStatus::Blocked));
    let page = uem.compliance_changes(Some(&full.cursor), Duration::ZERO).await.unwrap();
    assert_eq!(page.changes.len(), 1);
    assert_eq!(page.changes[0].uem_device_id.as_str(), "uem-1");
    assert_eq!(page.changes[0].status, WireStatus::Blocked);
    let after = uem.compliance_changes(Some(&page.cursor), Duration::ZERO).await.unwrap();
    assert!(after.changes.is_empty());
    assert_eq!(uem.status_of(&id("uem-1")), Some(UemStatus::Blocked));
}

#[tokio::test]
async fn a_cursor_of_another_configuration_or_life_is_refused() {
    let uem = uem();
    let full = uem.compliance_changes(None, Duration::ZERO).await.unwrap();

    // The same configuration, rebuilt: its cursor still holds.
    let same = StaticUem::from_config(&config(), &gw("gw-1")).unwrap();
    assert!(same.compliance_changes(Some(&full.cursor), Duration::ZERO).await.is_ok());

    // Other devices: the cursor is refused, and a full resync follows.
    let mut c = config();
    c.devices.pop();
    let other = StaticUem::from_config(&c, &gw("gw-1")).unwrap();
    let err = other.compliance_changes(Some(&full.cursor), Duration::ZERO).await.unwrap_err();
    assert!(matches!(err, UemError::CursorRefused { .. }), "{err}");
    assert!(!err.is_outage());

    // A cursor after a status change in another life of the same configuration.
    assert!(uem.set_status(&id("uem-1"), UemStatus::Blocked));
    let later = uem.compliance_changes(Some(&full.cursor), Duration::ZERO).await.unwrap();
    let err = same.compliance_changes(Some(&later.cursor), Duration::ZERO).await.unwrap_err();
    assert!(matches!(err, UemError::CursorRefused { .. }), "{err}");
}

#[tokio::test]
async fn tunnel_actions_and_inventory_are_unsupported() {
    let uem = uem();
    let err = uem.tunnel_actions(None, Duration::ZERO).await.unwrap_err();
    assert!(matches!(err, UemError::Unsupported { connector: "static", .. }));
    let err = uem.push_inventory(&[]).await.unwrap_err();
    assert!(matches!(err, UemError::Unsupported { .. }));
    assert!(!err.is_outage());
    let f = uem.features();
    assert!(!f.tunnel_actions && !f.inventory_push && !f.long_poll);
}

#[tokio::test]
async fn many_changes_come_in_pages_of_at_most_a_thousand() {
    let mut c = config();
    c.devices = (0..1500)
        .map(|i| device(&format!("E{i}"), "x@example.com", &format!("u-{i}"), ReportedState::Allowed))
        .collect();
    let uem = StaticUem::from_config(&c, &gw("gw-1")).unwrap();
    let full = uem.compliance_changes(None, Duration::ZERO).await.unwrap();
    for i in (0..1500).rev() {
        assert!(uem.set_status(&id(&format!("u-{i}")), UemStatus::Wiped));
    }
    let first = uem.compliance_changes(Some(&full.cursor), Duration::ZERO).await.unwrap();
    assert!(first.more);
    assert_eq!(first.changes.len(), 1000);
    assert_eq!(first.changes[0].uem_device_id.as_str(), "u-1499", "oldest change first");
    let second = uem.compliance_changes(Some(&first.cursor), Duration::ZERO).await.unwrap();
    assert!(!second.more);
    assert_eq!(second.changes.len(), 500);
    assert_eq!(second.changes[499].uem_device_id.as_str(), "u-0");
}
