//! Privileged commands on the device cache and the pinned blocks: clear, block, unblock,
//! block-user, unblock-user, and `show blocks`.

use crate::actions::*;
use crate::backend::{CliBackend, Outcome, failed};
use core::fmt::Write;
use postern_cli_engine::{Invocation, Value};
use postern_decision::{AccessKey, Channel, EasDeviceId};
use postern_device_cache::{DeviceCache, DeviceRecord};
use postern_gateway::{BlockOrigin, BlockTarget};
use postern_logging::human_time;

/// The most entries a command walks; the cache bounds itself, this bounds one command.
pub(crate) const WALK_LIMIT: usize = 10_000_000;

/// Every cached entry an operator's ID names: the ActiveSync device with that id, and
/// the AppTunnels of the UEM device with that id.
pub(crate) fn matching(
    cache: &DeviceCache,
    id: &str,
) -> Result<Vec<(AccessKey, DeviceRecord)>, postern_device_cache::CacheError> {
    let mut found = Vec::new();
    if let Ok(eas) = EasDeviceId::new(id) {
        let key = AccessKey::ActiveSync(eas);
        if let Some(record) = cache.record(&key)? {
            found.push((key, record));
        }
    }
    for (key, record) in cache.entries(Channel::AppTunnel, WALK_LIMIT)? {
        if let AccessKey::AppTunnel(t) = &key {
            if t.uem_device_id.as_str() == id {
                found.push((key, record));
            }
        }
    }
    Ok(found)
}

/// `device-cache clear [ID]`, `device-cache block ID`, `device-cache unblock ID`.
pub(crate) fn run(session: &mut CliBackend, inv: &Invocation<'_>, out: &mut dyn Write) -> Outcome {
    let id = inv.arg("ID").and_then(Value::as_str);
    let appliance = session.appliance();
    let user = session.user().to_owned();
    let mut cache = appliance.cache();
    let err = |e: postern_device_cache::CacheError| failed(format!("device cache: {e}"));
    match (inv.action(), id) {
        (CACHE_CLEAR, None) => {
            let count = cache.len();
            cache.clear().map_err(err)?;
            tracing::warn!(user = %user, count, "device cache cleared");
            writeln!(
                out,
                "Cleared {count} entries; devices will be decided as first accesses. Pinned blocks stay (show blocks)."
            )?;
        }
        (CACHE_CLEAR, Some(id)) => {
            let found = matching(&cache, id).map_err(err)?;
            for (key, _) in &found {
                cache.remove(key).map_err(err)?;
            }
            tracing::warn!(user = %user, id, count = found.len(), "device cache entries cleared");
            writeln!(out, "Cleared {} entries for {id}.", found.len())?;
        }
        (CACHE_BLOCK | CACHE_UNBLOCK, _) => {
            drop(cache);
            let target = match (id, inv.arg("USER").and_then(Value::as_str)) {
                (Some(id), _) => BlockTarget::device(id),
                (None, Some(user)) => BlockTarget::user(user),
                (None, None) => return Err(failed("an ID or a user is required")),
            }
            .map_err(|e| failed(e.to_string()))?;
            let gateway = appliance.gateway();
            if inv.action() == CACHE_BLOCK {
                let report = gateway.block(&target, &user).map_err(|e| failed(e.to_string()))?;
                let new = if report.listed { "Blocked" } else { "Still blocked" };
                writeln!(
                    out,
                    "{new} {target} until `device-cache unblock`; {} cache entries marked and their connections cut.",
                    report.cache_entries
                )?;
            } else {
                if let Some(block) = gateway.blocks().get(&target).filter(|b| b.origin == BlockOrigin::Wiped) {
                    return Err(failed(format!(
                        "{} was wiped ({}): only a fresh enrolment lets it back",
                        block.target,
                        human_time(block.since_ms / 1000, session.appliance().now())
                    )));
                }
                let report = gateway.unblock(&target).map_err(|e| failed(e.to_string()))?;
                if !report.listed && report.cache_entries == 0 {
                    return Err(failed(format!("{target} is not blocked by an operator")));
                }
                writeln!(out, "Unblocked {target}; it will be decided as a first access.")?;
            }
        }
        _ => return Err(failed("an ID is required")),
    }
    Ok(())
}

/// `show blocks`: every pinned block, operator's and wiped.
pub(crate) fn show_blocks(session: &mut CliBackend, out: &mut dyn Write) -> Outcome {
    let blocks = session.appliance().gateway().blocks();
    if blocks.is_empty() {
        writeln!(out, "No pinned blocks.")?;
        return Ok(());
    }
    let now = session.appliance().now();
    writeln!(out, "{:<40} {:<9} {:<16} Since", "Blocked", "Origin", "By")?;
    for b in blocks.entries() {
        let origin = match b.origin {
            BlockOrigin::Operator => "operator",
            BlockOrigin::Wiped => "wiped",
        };
        writeln!(
            out,
            "{:<40} {:<9} {:<16} {}",
            b.target.to_string(),
            origin,
            b.by,
            human_time(b.since_ms / 1000, now)
        )?;
    }
    writeln!(out, "{} pinned block(s); never evicted, never lifted by the UEM.", blocks.len())?;
    Ok(())
}
