//! Opening what the daemon keeps on disk: the configuration store and the device cache.

use crate::args::Args;
use crate::error::DaemonError;
use postern_config::{Config, Connector};
use postern_config_store::ConfigStore;
use postern_decision::GatewayId;
use postern_device_cache::DeviceCache;
use postern_uem_connector::{PosternApiConnector, StaticUem, UemConnector, Unusable};
use postern_uem_graph::{GraphConnector, GraphSettings};
use std::sync::Arc;

/// The configuration to start from on a first boot.
fn initial_config(args: &Args) -> Result<Config, DaemonError> {
    if args.demo {
        return Ok(Config::demo());
    }
    match &args.initial_config {
        Some(path) => Config::load(path).map_err(|source| DaemonError::InitialConfig { path: path.clone(), source }),
        None => Ok(Config::default()),
    }
}

/// Opens the configuration store (recovering a damaged history from its mirror file). A
/// `commit confirmed` whose deadline passed while the daemon was down is reverted at `now`,
/// before any service starts from the running configuration.
pub(crate) fn open_store(args: &Args, now: u64) -> Result<ConfigStore, DaemonError> {
    let dir = args.state_dir.join("config");
    let opened = ConfigStore::open(&dir, initial_config(args)?)?;
    if let Some(recovery) = &opened.recovery {
        tracing::error!(
            moved_to = %recovery.moved_to.display(),
            damage = %recovery.damage,
            "configuration history was damaged: moved aside, running configuration restored from its mirror"
        );
    }
    let mut store = opened.store;
    if let Some(reverted) = store.tick(now)? {
        tracing::warn!(
            revision = reverted.number,
            "commit confirmed was not confirmed before the restart: rolled back"
        );
    }
    tracing::info!(dir = %dir.display(), revision = store.revision(), "configuration store open");
    Ok(store)
}

/// Opens the device cache sized by the running configuration (S9), where `--device-cache`
/// says or else where the configuration does.
pub(crate) fn open_cache(args: &Args, config: &Config) -> Result<DeviceCache, DaemonError> {
    let path = args.device_cache.clone().unwrap_or_else(|| config.device_cache.path.clone());
    Ok(crate::setup::open_device_cache(&path, config)?.cache)
}

/// The UEM connector the configuration names. A change of connector applies at the next
/// start (`reload`). A connector that cannot be built (a missing file, say) is replaced by
/// one that is always unreachable, with the reason: the outage rules then apply, and
/// `show checkins` says what to fix; the CLI stays available to fix it.
pub(crate) fn connector(config: &Config, gateway: &GatewayId) -> Arc<dyn UemConnector> {
    let built: Result<Arc<dyn UemConnector>, String> = match &config.uem.connector {
        Connector::Static(settings) => {
            StaticUem::from_config(settings, gateway).map(|c| Arc::new(c) as _).map_err(|e| e.to_string())
        }
        Connector::PosternApi(settings) => PosternApiConnector::from_config(settings, gateway)
            .map(|c| Arc::new(c.with_inventory_hold(inventory_hold_secs(config))) as _)
            .map_err(|e| e.to_string()),
        Connector::Graph(settings) => {
            let mut graph = GraphSettings::from_config(settings);
            if let Some(ca) = &settings.ca_file {
                graph = graph.with_ca_file(ca.clone());
            }
            GraphConnector::new(&graph).map(|c| Arc::new(c) as _).map_err(|e| e.to_string())
        }
    };
    built.unwrap_or_else(|reason| {
        let kind = match &config.uem.connector {
            Connector::Static(_) => "static",
            Connector::PosternApi(_) => "postern-api",
            Connector::Graph(_) => "graph",
        };
        tracing::error!(connector = kind, %reason, "the UEM connector cannot be used: the UEM is treated as unreachable");
        Arc::new(Unusable::new(kind, reason))
    })
}

/// How long the UEM holds this gateway's devices after an inventory push: three inventory
/// intervals, so one late or failed push (jitter, back-off) does not hand devices over,
/// and a gateway that is gone releases them within three intervals.
pub(crate) fn inventory_hold_secs(config: &Config) -> u32 {
    config.uem.checkins.inventory_interval_secs.saturating_mul(3)
}

/// What identifies the configured UEM: its kind and where it is.
pub(crate) fn connector_identity(config: &Config) -> String {
    match &config.uem.connector {
        Connector::Static(_) => "static".to_owned(),
        Connector::PosternApi(api) => format!("postern-api {}", api.url),
        Connector::Graph(graph) => format!("graph {} {}", graph.tenant, graph.graph_url.as_deref().unwrap_or_default()),
    }
}
