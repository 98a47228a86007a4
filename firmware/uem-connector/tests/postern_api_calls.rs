//! The Postern UEM API v1 connector against the reference UEM, run as a real process over
//! HTTPS: every resource of the API.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use common::{Certs, TOKEN, Uem, admin_at};
use postern_decision::{EasDeviceId, EasRequest, Platform, UemDeviceId, UserId};
use postern_uem_api::{
    AppId, InventoryEntry, InventoryKind, OutagePolicy, ServiceName, TunnelTarget, TunnelVerb, WireAction,
    WireDeviceState, WireStatus,
};
use postern_uem_connector::{UemConnector, UemError};
use std::time::{Duration, Instant};

fn request(eas: &str, user: Option<&str>) -> EasRequest {
    EasRequest {
        eas_device_id: EasDeviceId::new(eas).unwrap(),
        user: user.map(|u| UserId::new(u).unwrap()),
        platform: Platform::Ios,
    }
}

fn dev(id: &str) -> UemDeviceId {
    UemDeviceId::new(id).unwrap()
}

#[tokio::test]
async fn register_returns_the_uem_settings() {
    let dir = tempfile::tempdir().unwrap();
    let uem = Uem::start(dir.path(), Certs::SelfSigned);
    let api = uem.connector();
    let settings = api.register().await.unwrap();
    assert_eq!(settings.new_device_when_unreachable, Some(OutagePolicy::FailOpen));
    assert!(settings.supports_quarantine);

    uem.admin(&["settings", "--new-device", "block", "--quarantine", "false", "--kind", "neurons"]);
    let settings = api.register().await.unwrap();
    assert_eq!(settings.new_device_when_unreachable, Some(OutagePolicy::FailClosed));
    assert!(!settings.supports_quarantine);
    assert_eq!(api.kind(), "postern-api");
    let f = api.features();
    assert!(f.tunnel_actions && f.inventory_push && f.long_poll);
}

#[tokio::test]
async fn lookup_finds_by_activesync_id_and_by_user_and_reports_tunnels_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let uem = Uem::start(dir.path(), Certs::SelfSigned);
    uem.enrol("dev-1", "ABC1", "alice@example.com");
    uem.enrol("dev-2", "ZZZ9", "bob@example.com");
    let api = uem.connector();

    let by_id = api.lookup(&request("ABC1", None)).await.unwrap();
    let ids: Vec<_> = by_id.registered.iter().map(|d| d.uem_device_id.as_str()).collect();
    assert_eq!(ids, ["dev-1"]);
    assert_eq!(by_id.registered[0].status, WireStatus::Compliant);

    let by_user = api.lookup(&request("NEWPHONE1", Some("Bob@Example.com"))).await.unwrap();
    let ids: Vec<_> = by_user.registered.iter().map(|d| d.uem_device_id.as_str()).collect();
    assert_eq!(ids, ["dev-2"]);
    assert!(by_user.unregistered_tunnels.is_empty());

    // Another gateway holds an ActiveSync device the UEM has not registered.
    uem.admin(&["token", "gw2", "gw2-secret-token"]);
    let gw2 = uem.connector_for("gw2", "gw2-secret-token", &uem.ca_file());
    let entry = InventoryEntry {
        kind: InventoryKind::Activesync,
        activesync_id: Some(EasDeviceId::new("UNREG7").unwrap()),
        user: Some(UserId::new("carol@example.com").unwrap()),
        uem_device_id: None,
        app_id: None,
        service: None,
        state: WireDeviceState::Allowed,
    };
    gw2.push_inventory(&[entry]).await.unwrap();
    let found = api.lookup(&request("UNREG7", None)).await.unwrap();
    assert_eq!(found.unregistered_tunnels.len(), 1);
    assert_eq!(found.unregistered_tunnels[0].gateway_id.as_str(), "gw2");
    let own = gw2.lookup(&request("UNREG7", None)).await.unwrap();
    assert!(own.unregistered_tunnels.is_empty(), "a gateway's own tunnels are not listed");
}

#[tokio::test]
async fn authorise_reports_the_three_checks() {
    let dir = tempfile::tempdir().unwrap();
    let uem = Uem::start(dir.path(), Certs::SelfSigned);
    uem.enrol("dev-1", "ABC1", "alice@example.com");
    let api = uem.connector();
    let (app, svc) = (AppId::new("com.example.mail").unwrap(), ServiceName::new("intranet").unwrap());

    let ok = api.authorise_app(&dev("dev-1"), &app, &svc).await.unwrap();
    assert!(ok.device_policy_ok && ok.traffic_rules_ok && ok.app_authorised);

    // `--authorised` is a flag: without it the app is refused.
    uem.admin(&["app", "com.example.mail"]);
    uem.admin(&["block-tunnel", "dev-1", "--app", "com.example.mail", "--service", "intranet"]);
    let refused = api.authorise_app(&dev("dev-1"), &app, &svc).await.unwrap();
    assert!(refused.device_policy_ok && !refused.traffic_rules_ok && !refused.app_authorised);

    uem.admin(&["status", "dev-1", "noncompliant", "--action", "block"]);
    let blocked = api.authorise_app(&dev("dev-1"), &app, &svc).await.unwrap();
    assert!(!blocked.device_policy_ok);
    let unknown = api.authorise_app(&dev("nobody"), &app, &svc).await.unwrap();
    assert!(!unknown.device_policy_ok);
}

#[tokio::test]
async fn compliance_feed_is_a_snapshot_then_incremental_and_a_refused_cursor_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let uem = Uem::start(dir.path(), Certs::SelfSigned);
    uem.enrol("dev-1", "ABC1", "alice@example.com");
    uem.enrol("dev-2", "ZZZ9", "bob@example.com");
    let api = uem.connector();

    let full = api.compliance_changes(None, Duration::ZERO).await.unwrap();
    assert!(full.full);
    assert_eq!(full.changes.len(), 2);
    let quiet = api.compliance_changes(Some(&full.cursor), Duration::ZERO).await.unwrap();
    assert!(!quiet.full && quiet.changes.is_empty());

    uem.admin(&["wipe", "dev-2"]);
    let page = api.compliance_changes(Some(&quiet.cursor), Duration::ZERO).await.unwrap();
    assert_eq!(page.changes.len(), 1);
    assert_eq!(page.changes[0].uem_device_id.as_str(), "dev-2");
    assert_eq!(page.changes[0].status, WireStatus::Wiped);

    uem.admin(&["fault", "refuse-cursors"]);
    let err = api.compliance_changes(Some(&page.cursor), Duration::ZERO).await.unwrap_err();
    assert!(matches!(err, UemError::CursorRefused { .. }), "{err}");
    assert!(!err.is_outage());
}

#[tokio::test]
async fn a_long_poll_returns_promptly_when_a_change_is_made_during_the_wait() {
    let dir = tempfile::tempdir().unwrap();
    let uem = Uem::start(dir.path(), Certs::SelfSigned);
    uem.enrol("dev-1", "ABC1", "alice@example.com");
    let api = uem.connector();
    let full = api.compliance_changes(None, Duration::ZERO).await.unwrap();

    let url = uem.admin_url();
    let state = uem.state_file();
    // Timed from before the changer exists: the change, and so the answer carrying it,
    // comes at least 700 ms later however the threads are scheduled.
    let started = Instant::now();
    let changer = std::thread::spawn(move || {
        // Gives the pull time to be held; if it arrived after the change it would still
        // carry it, so nothing below depends on this being long enough.
        std::thread::sleep(Duration::from_millis(700));
        let ordered = Instant::now();
        admin_at(&url, &state, &["status", "dev-1", "noncompliant", "--action", "quarantine"]);
        (ordered, Instant::now())
    });
    let page = api.compliance_changes(Some(&full.cursor), Duration::from_secs(30)).await.unwrap();
    let answered = Instant::now();
    let (ordered, acknowledged) = changer.join().unwrap();

    assert_eq!(page.changes.len(), 1);
    assert_eq!(page.changes[0].status, WireStatus::Noncompliant { action: WireAction::Quarantine });
    assert!(answered.duration_since(started) >= Duration::from_millis(600), "the pull was held");
    let latency = answered.saturating_duration_since(ordered);
    println!(
        "long-poll: change ordered -> held pull answered in {latency:?} \
         (admin command acknowledged after {:?}, includes starting it)",
        acknowledged.saturating_duration_since(ordered)
    );
    assert!(latency < Duration::from_secs(2), "took {latency:?}");
}

#[tokio::test]
async fn tunnel_actions_are_a_snapshot_then_incremental() {
    let dir = tempfile::tempdir().unwrap();
    let uem = Uem::start(dir.path(), Certs::SelfSigned);
    uem.enrol("dev-1", "ABC1", "alice@example.com");
    uem.admin(&["block-tunnel", "dev-1", "--app", "com.example.mail", "--service", "intranet"]);
    let api = uem.connector();

    let full = api.tunnel_actions(None, Duration::ZERO).await.unwrap();
    assert!(full.full);
    assert_eq!(full.actions.len(), 1);
    assert_eq!(full.actions[0].action, TunnelVerb::Block);
    assert!(
        matches!(&full.actions[0].target, TunnelTarget::App { app_id, .. } if app_id.as_str() == "com.example.mail")
    );

    uem.admin(&["block-tunnel", "dev-1"]);
    let page = api.tunnel_actions(Some(&full.cursor), Duration::from_secs(5)).await.unwrap();
    assert!(!page.full);
    assert_eq!(page.actions.len(), 1);
    assert_eq!(page.actions[0].target, TunnelTarget::AllTunnels);
}

#[tokio::test]
async fn the_inventory_push_reaches_the_uem() {
    let dir = tempfile::tempdir().unwrap();
    let uem = Uem::start(dir.path(), Certs::SelfSigned);
    uem.enrol("dev-1", "ABC1", "alice@example.com");
    let api = uem.connector();
    let entries = [
        InventoryEntry {
            kind: InventoryKind::Activesync,
            activesync_id: Some(EasDeviceId::new("ABC1").unwrap()),
            user: Some(UserId::new("alice@example.com").unwrap()),
            uem_device_id: Some(dev("dev-1")),
            app_id: None,
            service: None,
            state: WireDeviceState::Allowed,
        },
        InventoryEntry {
            kind: InventoryKind::Apptunnel,
            activesync_id: None,
            user: None,
            uem_device_id: Some(dev("dev-1")),
            app_id: Some(AppId::new("com.example.crm").unwrap()),
            service: Some(ServiceName::new("crm-backend").unwrap()),
            state: WireDeviceState::Blocked,
        },
    ];
    api.push_inventory(&entries).await.unwrap();
    let listed = uem.admin(&["inventory"]);
    assert!(listed.contains("gw1"), "{listed}");
    assert!(listed.contains("ABC1") && listed.contains("crm-backend"), "{listed}");
    assert!(!listed.contains("hold_secs"), "no hold asked for: {listed}");
    uem.connector().with_inventory_hold(900).push_inventory(&entries).await.unwrap();
    let listed = uem.admin(&["inventory"]);
    assert!(listed.contains("\"hold_secs\":900"), "{listed}");
}

#[tokio::test]
async fn a_wrong_token_is_unauthorised() {
    let dir = tempfile::tempdir().unwrap();
    let uem = Uem::start(dir.path(), Certs::SelfSigned);
    let api = uem.connector_for("gw1", "not-the-token", &uem.ca_file());
    let err = api.register().await.unwrap_err();
    assert!(matches!(err, UemError::Unauthorised { .. }), "{err}");
    // gw1's token cannot act as gw2.
    let other = uem.connector_for("gw2", TOKEN, &uem.ca_file());
    let err = other.register().await.unwrap_err();
    assert!(matches!(err, UemError::Unauthorised { .. }), "{err}");
}
