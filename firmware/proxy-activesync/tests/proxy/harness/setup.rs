//! A gateway over a static UEM (one allowed, one blocked, one wiped device) and the
//! proxy serving plain TCP on loopback.

use super::backend::{self, Backend};
use base64::Engine as _;
use postern_config::{OutagePolicy, Platform, ReportedState, StaticConnector, StaticDevice, StaticUemSettings};
use postern_decision::{GatewayId, UemDeviceId};
use postern_device_cache::{CacheConfig, DeviceCache};
use postern_gateway::Gateway;
use postern_proxy_activesync::{ActiveSyncProxy, ClientInfo, ProxyConfig};
use postern_uem_api::{ComplianceChange, ComplianceChanges, Cursor, WireStatus};
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;

pub const ALLOWED: &str = "EAS1";
pub const BLOCKED: &str = "EAS2";
pub const WIPED: &str = "EAS4";

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

fn uem_config() -> StaticConnector {
    StaticConnector {
        devices: vec![
            device(ALLOWED, "alice@example.com", "uem-1", ReportedState::Allowed),
            device(BLOCKED, "bob@example.com", "uem-2", ReportedState::Blocked),
            device(WIPED, "dave@example.com", "uem-4", ReportedState::Wiped),
        ],
        settings: StaticUemSettings {
            new_device_when_unreachable: Some(OutagePolicy::FailClosed),
            supports_quarantine: true,
        },
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// Everything a test talks to.
pub struct Harness {
    pub addr: SocketAddr,
    pub proxy: Arc<ActiveSyncProxy>,
    pub gateway: Arc<Gateway>,
    pub backend: Option<Backend>,
    _dir: tempfile::TempDir,
}

impl Harness {
    /// The proxy in front of a live back end; `tune` adjusts the configuration.
    pub async fn start(tune: impl FnOnce(&mut ProxyConfig)) -> Self {
        let backend = backend::start().await;
        let url = format!("http://{}", backend.addr);
        Self::with_backend(&url, Some(backend), tune).await
    }

    /// The proxy in front of a back end that is down.
    pub async fn without_backend() -> Self {
        let url = format!("http://{}", backend::absent().await);
        Self::with_backend(&url, None, |_| {}).await
    }

    /// The proxy in front of the back end at `url`.
    pub async fn with_backend(url: &str, backend: Option<Backend>, tune: impl FnOnce(&mut ProxyConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let id = GatewayId::new("gw-1").unwrap();
        let uem = postern_uem_connector::StaticUem::from_config(&uem_config(), &id).unwrap();
        let settings = uem.settings();
        let opened =
            DeviceCache::open(&CacheConfig::new(dir.path().join("cache"), NonZeroU32::new(1000).unwrap())).unwrap();
        let gateway = Arc::new(Gateway::new(id, Arc::new(uem), opened.cache, now_ms, Duration::from_secs(2)));
        gateway.set_uem_settings(&settings);
        let mut config = ProxyConfig::new(url).unwrap();
        tune(&mut config);
        let proxy = ActiveSyncProxy::new(gateway.clone(), config).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let serving = proxy.clone();
        tokio::spawn(async move {
            while let Ok((stream, peer)) = listener.accept().await {
                let proxy = serving.clone();
                tokio::spawn(async move { proxy.serve(stream, ClientInfo::http(peer)).await });
            }
        });
        Self { addr, proxy, gateway, backend, _dir: dir }
    }

    /// Back-end hits so far.
    pub fn hits(&self) -> usize {
        self.backend.as_ref().map_or(0, |b| b.record.hits())
    }

    /// The UEM reports a device with a new status (a check-in's compliance pull).
    pub fn uem_reports(&self, uem_id: &str, status: WireStatus) -> usize {
        let change = ComplianceChange {
            uem_device_id: UemDeviceId::new(uem_id).unwrap(),
            activesync_id: None,
            user: None,
            status,
        };
        let changes = ComplianceChanges {
            cursor: Cursor::new("c1").unwrap(),
            full: false,
            more: false,
            changes: postern_uem_api::BoundedList::new(vec![change]).unwrap(),
        };
        self.gateway.apply_compliance(&changes).unwrap().cut
    }
}

/// A plain-form target.
pub fn plain(command: &str, device: &str, user: &str) -> String {
    format!("/Microsoft-Server-ActiveSync?Cmd={command}&User={user}&DeviceId={device}&DeviceType=iPhone")
}

/// A base64-form target (MS-ASHTTP 2.2.1.1.1.1): version 14.1, the command code, locale,
/// device id, no policy key, device type, and the user as parameter tag 8.
pub fn base64(command_code: u8, device: &str, user: &str) -> String {
    let mut bytes = vec![141, command_code, 0x09, 0x04, device.len() as u8];
    bytes.extend_from_slice(device.as_bytes());
    bytes.push(0);
    bytes.push(6);
    bytes.extend_from_slice(b"iPhone");
    bytes.extend_from_slice(&[8, user.len() as u8]);
    bytes.extend_from_slice(user.as_bytes());
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let escaped = encoded.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
    format!("/Microsoft-Server-ActiveSync?{escaped}")
}

/// Resident memory of this process, in bytes.
pub fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}
