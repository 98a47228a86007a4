//! The gateway over a static UEM (`uem-1` allowed, `uem-2` blocked), the AppTunnel proxy
//! behind the TLS front end with required client certificates, and the back ends.

use super::Error;
use super::backends::{self, Backend};
use super::pki::Pki;
use postern_config::{
    AppTunnelService, OutagePolicy, Platform, ReportedState, ServiceKind, StaticConnector, StaticDevice,
    StaticUemSettings,
};
use postern_decision::{GatewayId, UemDeviceId};
use postern_device_cache::{CacheConfig, DeviceCache};
use postern_gateway::Gateway;
use postern_metrics::Registry;
use postern_proxy_apptunnel::{AppTunnelConfig, AppTunnelMetrics, AppTunnelProxy};
use postern_proxy_front::{
    CertificateWatcher, ClientAuth, FrontMetrics, Listener, ListenerConfig, ListenerHandle, TlsSettings,
};
use postern_uem_api::{
    BoundedList, ComplianceChange, ComplianceChanges, Cursor, TunnelAction, TunnelActions, TunnelTarget, TunnelVerb,
    WireStatus,
};
use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const CRM_APP: &str = "com.example.crm";
pub const WIKI_APP: &str = "com.example.wiki";

fn device(eas: &str, uem: &str, state: ReportedState) -> StaticDevice {
    StaticDevice {
        activesync_id: eas.into(),
        user: format!("{uem}@example.com"),
        uem_id: uem.into(),
        platform: Platform::Ios,
        state,
        allowed_on_gateway: None,
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

fn service(name: &str, kind: ServiceKind, servers: Vec<String>) -> AppTunnelService {
    AppTunnelService { name: name.into(), kind, servers }
}

/// Everything a test talks to.
pub struct Harness {
    pub pki: Pki,
    pub port: u16,
    pub proxy: Arc<AppTunnelProxy>,
    pub gateway: Arc<Gateway>,
    pub front: ListenerHandle,
    pub metrics: FrontMetrics,
    pub tunnel_metrics: AppTunnelMetrics,
    /// The two live servers of the `crm` service (a third one is down).
    pub crm_a: Backend,
    pub crm_b: Backend,
    /// The HTTP back end reached through the `*.corp.example` wildcard service.
    pub intranet: Backend,
    /// A keep-alive HTTP back end answering with the request head it saw (service `web`,
    /// `web.svc.test:<port>`).
    pub web: Backend,
    /// The port nothing listens on.
    pub down_port: u16,
    _cache_dir: tempfile::TempDir,
}

impl Harness {
    /// Starts everything; `tune` adjusts the proxy's configuration.
    pub async fn start(tune: impl FnOnce(&mut AppTunnelConfig)) -> Result<Self, Error> {
        let (crm_a, crm_b, intranet, down_port) =
            (backends::echo().await, backends::echo().await, backends::http("intranet").await, backends::down().await);
        let web = backends::mirror().await;
        let cache_dir = tempfile::tempdir()?;
        let id = GatewayId::new("gw-1")?;
        let uem_config = StaticConnector {
            devices: vec![
                device("EAS1", "uem-1", ReportedState::Allowed),
                device("EAS2", "uem-2", ReportedState::Blocked),
                device("EAS3", "uem-3", ReportedState::Allowed),
            ],
            settings: StaticUemSettings {
                new_device_when_unreachable: Some(OutagePolicy::FailClosed),
                supports_quarantine: true,
            },
        };
        let uem = postern_uem_connector::StaticUem::from_config(&uem_config, &id)?;
        let settings = uem.settings();
        let cache =
            DeviceCache::open(&CacheConfig::new(cache_dir.path().join("cache"), NonZeroU32::new(1000).ok_or("size")?))?
                .cache;
        let gateway = Arc::new(Gateway::new(id, Arc::new(uem), cache, now_ms, Duration::from_secs(2)));
        gateway.set_uem_settings(&settings);

        let mut config = AppTunnelConfig::new(vec![
            service(
                "crm",
                ServiceKind::Tcp,
                vec![
                    format!("crm-a.svc.test:{}", crm_a.port),
                    format!("crm-down.svc.test:{down_port}"),
                    format!("crm-b.svc.test:{}", crm_b.port),
                ],
            ),
            // The wildcard's hosts resolve to loopback here, which a wildcard reaches only
            // because the service names that address and port explicitly.
            service(
                "intranet",
                ServiceKind::Http,
                vec![format!("*.corp.example:{}", intranet.port), format!("127.0.0.1:{}", intranet.port)],
            ),
            service("lab", ServiceKind::Http, vec![format!("*.lab.example:{}", intranet.port)]),
            service("legacy", ServiceKind::Tcp, vec![format!("legacy.svc.test:{down_port}")]),
            service("web", ServiceKind::Http, vec![format!("web.svc.test:{}", web.port)]),
        ]);
        config.idle_timeout = Duration::from_secs(30);
        let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
        for host in [
            "crm-a.svc.test",
            "crm-b.svc.test",
            "crm-down.svc.test",
            "legacy.svc.test",
            "web.svc.test",
            "wiki.corp.example",
            "deep.wiki.corp.example",
            "box.lab.example",
        ] {
            config.hosts.insert(host.to_owned(), loopback);
        }
        let registry = Registry::new();
        let tunnel_metrics = AppTunnelMetrics::register(&registry)?;
        config.metrics = Some(tunnel_metrics.clone());
        tune(&mut config);
        let proxy = AppTunnelProxy::new(gateway.clone(), config)?;

        let pki = Pki::new("device CA")?;
        let metrics = FrontMetrics::register(&registry)?;
        let mut tls = TlsSettings::new(&pki.server_cert, &pki.server_key);
        tls.client_auth = ClientAuth::Required(pki.ca_pem.clone());
        let watcher = CertificateWatcher::new(tls, metrics.clone())?;
        let listener =
            Listener::bind("127.0.0.1:0".parse()?, ListenerConfig::default(), watcher, metrics.clone()).await?;
        let port = listener.local_addr().port();
        let serving = proxy.clone();
        let front = listener.serve(move |tls, peer| serving.clone().serve(tls, peer));
        Ok(Self {
            pki,
            port,
            proxy,
            gateway,
            front,
            metrics,
            tunnel_metrics,
            crm_a,
            crm_b,
            intranet,
            web,
            down_port,
            _cache_dir: cache_dir,
        })
    }

    /// An administrator blocks one app's tunnel to one service of `device`; returns the
    /// entries cut.
    pub fn admin_blocks(&self, device: &str, app: &str, service: &str) -> Result<usize, Error> {
        let action = TunnelAction {
            action: TunnelVerb::Block,
            uem_device_id: UemDeviceId::new(device)?,
            target: TunnelTarget::App {
                app_id: postern_uem_api::AppId::new(app)?,
                service: postern_uem_api::ServiceName::new(service)?,
            },
        };
        let actions = TunnelActions {
            cursor: Cursor::new("a1")?,
            full: false,
            more: false,
            actions: BoundedList::new(vec![action])?,
        };
        Ok(self.gateway.apply_tunnel_actions(&actions)?.cut)
    }

    /// The UEM reports `device` with a new status at a check-in; returns the entries cut.
    pub fn uem_reports(&self, device: &str, status: WireStatus) -> Result<usize, Error> {
        let change =
            ComplianceChange { uem_device_id: UemDeviceId::new(device)?, activesync_id: None, user: None, status };
        let changes = ComplianceChanges {
            cursor: Cursor::new("c1")?,
            full: false,
            more: false,
            changes: BoundedList::new(vec![change])?,
        };
        Ok(self.gateway.apply_compliance(&changes)?.cut)
    }
}
