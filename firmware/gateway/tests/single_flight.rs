//! One UEM lookup per device at a time: concurrent first accesses of one device wait for
//! the first one's answer instead of each asking the UEM.

use postern_config::{Config, Connector};
use postern_decision::{EasDeviceId, EasRequest, GatewayId, Platform, UemDeviceId, UserId, Verdict};
use postern_device_cache::{CacheConfig, DeviceCache};
use postern_gateway::Gateway;
use postern_uem_api::{AppId, ServiceName};
use postern_uem_connector::{StaticUem, UemConnector, UemFuture};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The demo's static UEM, slow to answer lookups, counting them.
struct SlowCounting {
    inner: StaticUem,
    lookups: AtomicUsize,
}

impl UemConnector for SlowCounting {
    fn kind(&self) -> &'static str {
        "slow-counting"
    }
    fn features(&self) -> postern_uem_connector::Features {
        self.inner.features()
    }
    fn register(&self) -> UemFuture<'_, postern_uem_api::Settings> {
        self.inner.register()
    }
    fn lookup<'a>(&'a self, request: &'a EasRequest) -> UemFuture<'a, postern_uem_api::DeviceLookup> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            self.inner.lookup(request).await
        })
    }
    fn authorise_app<'a>(
        &'a self,
        device: &'a UemDeviceId,
        app: &'a AppId,
        service: &'a ServiceName,
    ) -> UemFuture<'a, postern_decision::AppTunnelAnswer> {
        self.inner.authorise_app(device, app, service)
    }
    fn compliance_changes<'a>(
        &'a self,
        cursor: Option<&'a postern_uem_api::Cursor>,
        wait: Duration,
    ) -> UemFuture<'a, postern_uem_api::ComplianceChanges> {
        self.inner.compliance_changes(cursor, wait)
    }
    fn tunnel_actions<'a>(
        &'a self,
        cursor: Option<&'a postern_uem_api::Cursor>,
        wait: Duration,
    ) -> UemFuture<'a, postern_uem_api::TunnelActions> {
        self.inner.tunnel_actions(cursor, wait)
    }
    fn push_inventory<'a>(&'a self, entries: &'a [postern_uem_api::InventoryEntry]) -> UemFuture<'a, ()> {
        self.inner.push_inventory(entries)
    }
}

fn now_ms() -> u64 {
    1_800_000_000_000
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_accesses_of_one_device_ask_the_uem_once() {
    let dir = tempfile::tempdir().expect("dir");
    let config = Config::demo();
    let Connector::Static(list) = &config.uem.connector else { panic!("the demo has a static UEM") };
    let id = GatewayId::new("postern-1").expect("id");
    let uem = Arc::new(SlowCounting {
        inner: StaticUem::from_config(list, &id).expect("static UEM"),
        lookups: AtomicUsize::new(0),
    });
    let cache = DeviceCache::open(&CacheConfig::new(dir.path().join("cache"), NonZeroU32::new(100).expect("size")))
        .expect("cache")
        .cache;
    let gateway = Arc::new(Gateway::new(id, uem.clone(), cache, now_ms, Duration::from_secs(5)));
    gateway.set_uem_settings(&uem.inner.settings());
    let alice = EasRequest {
        eas_device_id: EasDeviceId::new("ApplA1B2C3D4E5F6").expect("id"),
        user: Some(UserId::new("alice@example.com").expect("user")),
        platform: Platform::Ios,
    };
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (gateway, alice) = (gateway.clone(), alice.clone());
            tokio::spawn(async move { gateway.activesync_access(&alice).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.expect("task").expect("decided").verdict, Verdict::Allow);
    }
    assert_eq!(uem.lookups.load(Ordering::SeqCst), 1, "twenty concurrent requests, one lookup");
}
