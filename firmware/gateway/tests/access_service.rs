//! The access service over a real device cache and a static UEM: decisions, check-ins,
//! cuts and re-evaluation.

use postern_config::{Config, Connector};
use postern_decision::{
    AccessKey, ComplianceAction, EasDeviceId, EasRequest, GatewayId, Platform, UemDeviceId, UemStatus, UserId, Verdict,
};
use postern_device_cache::{CacheConfig, DeviceCache};
use postern_gateway::Gateway;
use postern_uem_connector::{StaticUem, UemConnector};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

fn now_ms() -> u64 {
    1_800_000_000_000
}

struct Rig {
    _dir: tempfile::TempDir,
    uem: Arc<StaticUem>,
    gateway: Gateway,
}

fn rig() -> Rig {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = Config::demo();
    let Connector::Static(list) = &config.uem.connector else { panic!("the demo has a static UEM") };
    let id = GatewayId::new("postern-1").expect("id");
    let uem = Arc::new(StaticUem::from_config(list, &id).expect("static UEM"));
    let cache = DeviceCache::open(&CacheConfig::new(dir.path().join("cache"), NonZeroU32::new(100).expect("size")))
        .expect("cache")
        .cache;
    let gateway = Gateway::new(id, uem.clone(), cache, now_ms, Duration::from_secs(1));
    gateway.set_uem_settings(&uem.settings());
    Rig { _dir: dir, uem, gateway }
}

fn request(device: &str, user: &str) -> EasRequest {
    EasRequest {
        eas_device_id: EasDeviceId::new(device).expect("id"),
        user: Some(UserId::new(user).expect("user")),
        platform: Platform::Ios,
    }
}

#[tokio::test]
async fn first_access_then_cache_then_a_check_in_cuts() {
    let rig = rig();
    let alice = request("ApplA1B2C3D4E5F6", "alice@example.com");
    let first = rig.gateway.activesync_access(&alice).await.expect("decided");
    assert_eq!((first.verdict, first.reason.code()), (Verdict::Allow, "uem-compliant"));
    let again = rig.gateway.activesync_access(&alice).await.expect("decided");
    assert_eq!(again.reason.code(), "cached-allowed");

    let mut cuts = rig.gateway.subscribe_cuts();
    let uem_id = UemDeviceId::new("uem-0001").expect("id");
    assert!(rig.uem.set_status(&uem_id, UemStatus::NonCompliant(ComplianceAction::Block)));
    let changes = rig.uem.compliance_changes(None, Duration::ZERO).await.expect("snapshot");
    let applied = rig.gateway.apply_compliance(&changes).expect("applied");
    assert_eq!((applied.changed, applied.cut), (1, 1), "{applied:?}");
    let cut = cuts.try_recv().expect("a cut was announced");
    assert_eq!(cut.key, AccessKey::ActiveSync(alice.eas_device_id.clone()));
    let after = rig.gateway.activesync_access(&alice).await.expect("decided");
    assert_eq!((after.verdict, after.reason.code()), (Verdict::Block, "cached-blocked"));
}

#[tokio::test]
async fn a_non_blocking_action_changes_nothing_and_cuts_nothing() {
    let rig = rig();
    let alice = request("ApplA1B2C3D4E5F6", "alice@example.com");
    rig.gateway.activesync_access(&alice).await.expect("decided");
    let uem_id = UemDeviceId::new("uem-0001").expect("id");
    rig.uem.set_status(&uem_id, UemStatus::NonCompliant(ComplianceAction::Notify));
    let changes = rig.uem.compliance_changes(None, Duration::ZERO).await.expect("snapshot");
    let applied = rig.gateway.apply_compliance(&changes).expect("applied");
    assert_eq!((applied.changed, applied.cut), (0, 0), "{applied:?}");
    assert_eq!(rig.gateway.activesync_access(&alice).await.expect("decided").verdict, Verdict::Allow);
}

#[tokio::test]
async fn a_full_snapshot_forgets_devices_the_uem_no_longer_lists() {
    let rig = rig();
    let alice = request("ApplA1B2C3D4E5F6", "alice@example.com");
    rig.gateway.activesync_access(&alice).await.expect("decided");
    let mut changes = rig.uem.compliance_changes(None, Duration::ZERO).await.expect("snapshot");
    changes.changes = postern_uem_api::BoundedList::new(
        changes.changes.into_vec().into_iter().filter(|c| c.uem_device_id.as_str() != "uem-0001").collect(),
    )
    .expect("bounded");
    let applied = rig.gateway.apply_compliance(&changes).expect("applied");
    assert_eq!((applied.forgotten, applied.cut), (1, 1), "{applied:?}");
    assert!(rig.gateway.cache().lookup(&AccessKey::ActiveSync(alice.eas_device_id)).is_none());
}

#[tokio::test]
async fn the_inventory_lists_devices_and_tunnels_with_their_states() {
    let rig = rig();
    rig.gateway.activesync_access(&request("SEC1B0B0B0B0B0B0", "bob@example.com")).await.expect("decided");
    let tunnel = rig
        .gateway
        .apptunnel_access(&UemDeviceId::new("uem-0001").expect("id"), "com.example.crm", "crm")
        .await
        .expect("decided");
    assert_eq!(tunnel.reason.code(), "apptunnel-authorised");
    let inventory = rig.gateway.inventory().expect("inventory");
    assert_eq!(inventory.len(), 2, "{inventory:?}");
    assert!(inventory.iter().any(|e| e.activesync_id.as_ref().is_some_and(|id| id.as_str() == "SEC1B0B0B0B0B0B0")
        && e.state == postern_uem_api::WireDeviceState::Blocked));
}

#[tokio::test]
async fn a_block_of_a_device_id_cuts_it_even_when_its_cache_entry_was_evicted() {
    let rig = rig();
    let mut cuts = rig.gateway.subscribe_cuts();
    let target = postern_gateway::BlockTarget::Device("Evicted0001".into());
    let report = rig.gateway.block(&target, "test").expect("blocked");
    assert_eq!(report.cache_entries, 0, "nothing cached for it");
    let cut = cuts.try_recv().expect("a cut was announced all the same");
    assert_eq!(cut.key, AccessKey::ActiveSync(EasDeviceId::new("Evicted0001").expect("id")));
    assert!(cuts.try_recv().is_err(), "one cut");
}
