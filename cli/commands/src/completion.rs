//! Values Tab completes: device ids in the cache and in pinned blocks, blocked users,
//! service, interface and user names of the configuration.

use crate::backend::CliBackend;
use postern_decision::AccessKey;
use postern_device_cache::StoredKey;
use postern_gateway::BlockTarget;

/// Most values offered for one Tab press.
const OFFERED_MAX: usize = 256;
/// Most cache entries looked at for one Tab press (the cache may hold a million).
const SCANNED_MAX: usize = 100_000;

/// The values known for `arg` after `keywords`, starting with `typed`.
pub(crate) fn known_values(
    session: &CliBackend,
    keywords: &[&'static str],
    arg: &'static str,
    typed: &str,
) -> Vec<String> {
    let appliance = session.appliance();
    let mut values: Vec<String> = match (keywords, arg) {
        ([.., "device-cache"] | ["device-cache", "clear" | "block"], "ID") => cached_ids(session, typed),
        (["device-cache", "unblock"], "ID") => blocked(session, |t| matches!(t, BlockTarget::Device(_))),
        (["device-cache", "unblock-user"], "USER") => blocked(session, |t| matches!(t, BlockTarget::User(_))),
        ([.., "apptunnel", "service"], "NAME") => {
            appliance.store().running().apptunnel.services.iter().map(|s| s.name.clone()).collect()
        }
        (["interface"] | ["management", "interface"], "NAME") => {
            appliance.store().running().interfaces.iter().map(|i| i.name.clone()).collect()
        }
        (["username"], "NAME") => appliance.store().running().users.iter().map(|u| u.name.clone()).collect(),
        _ => Vec::new(),
    };
    values.retain(|v| v.starts_with(typed));
    values.truncate(OFFERED_MAX);
    values
}

/// ActiveSync ids and UEM device ids in the cache, most recently used first.
fn cached_ids(session: &CliBackend, typed: &str) -> Vec<String> {
    let cache = session.appliance().cache();
    let mut ids = Vec::new();
    for key in cache.index().mru_keys_where(SCANNED_MAX, |_, _| true) {
        let id = match AccessKey::decode(&key) {
            Ok(AccessKey::ActiveSync(id)) => id.as_str().to_owned(),
            Ok(AccessKey::AppTunnel(tunnel)) => tunnel.uem_device_id.as_str().to_owned(),
            Err(_) => continue,
        };
        if id.starts_with(typed) && !ids.contains(&id) {
            ids.push(id);
            if ids.len() == OFFERED_MAX {
                break;
            }
        }
    }
    ids
}

fn blocked(session: &CliBackend, kind: impl Fn(&BlockTarget) -> bool) -> Vec<String> {
    session
        .appliance()
        .gateway()
        .blocks()
        .entries()
        .filter(|b| kind(&b.target))
        .map(|b| b.target.id().to_owned())
        .collect()
}
