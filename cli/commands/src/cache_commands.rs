//! Privileged commands on the device cache: clear, block, unblock.

use crate::actions::*;
use crate::backend::{CliBackend, Outcome, failed};
use core::fmt::Write;
use postern_cli_engine::{Invocation, Value};
use postern_decision::{DeviceIdentity, DeviceState, EasDeviceId, Provenance};
use postern_device_cache::{CacheKey, DeviceCache, DeviceRecord, KeyKind};

/// The most entries a command walks; the cache bounds itself, this bounds one command.
pub(crate) const WALK_LIMIT: usize = 10_000_000;

/// Every cached entry an operator's ID names: the ActiveSync device with that id, and
/// the AppTunnels of the UEM device with that id.
pub(crate) fn matching(cache: &DeviceCache, id: &str) -> Result<Vec<(CacheKey, DeviceRecord)>, postern_device_cache::CacheError> {
    let mut found = Vec::new();
    if let Ok(eas) = EasDeviceId::new(id) {
        let key = CacheKey::ActiveSync(eas);
        if let Some(record) = cache.record(&key)? {
            found.push((key, record));
        }
    }
    for (key, record) in cache.entries(KeyKind::AppTunnel, WALK_LIMIT)? {
        if let CacheKey::AppTunnel(t) = &key {
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
    let now_ms = appliance.now().saturating_mul(1000);
    let user = session.user().to_owned();
    let mut cache = appliance.cache();
    let err = |e: postern_device_cache::CacheError| failed(format!("device cache: {e}"));
    match (inv.action(), id) {
        (CACHE_CLEAR, None) => {
            let count = cache.len();
            cache.clear().map_err(err)?;
            tracing::warn!(user = %user, count, "device cache cleared");
            writeln!(out, "Cleared {count} entries; devices will be decided as first accesses.")?;
        }
        (CACHE_CLEAR, Some(id)) => {
            let found = matching(&cache, id).map_err(err)?;
            for (key, _) in &found {
                cache.remove(key).map_err(err)?;
            }
            tracing::warn!(user = %user, id, count = found.len(), "device cache entries cleared");
            writeln!(out, "Cleared {} entries for {id}.", found.len())?;
        }
        (CACHE_BLOCK, Some(id)) => {
            let mut found = matching(&cache, id).map_err(err)?;
            if found.is_empty() {
                let eas = EasDeviceId::new(id).map_err(|_| failed(format!("{id} is neither a cached UEM device nor an ActiveSync device id")))?;
                let identity = DeviceIdentity { eas_device_id: Some(eas.clone()), ..DeviceIdentity::default() };
                found.push((CacheKey::ActiveSync(eas), DeviceRecord { identity, first_seen_ms: now_ms, ..DeviceRecord::default() }));
            }
            let writes: Vec<_> = found
                .into_iter()
                .map(|(key, mut record)| {
                    record.state = DeviceState::Blocked;
                    record.provenance = Provenance::Operator;
                    record.updated_ms = now_ms;
                    (key, record)
                })
                .collect();
            cache.upsert_batch(&writes).map_err(err)?;
            tracing::warn!(user = %user, id, count = writes.len(), "device blocked by an operator");
            writeln!(out, "Blocked {} entries for {id} until `device-cache unblock {id}`.", writes.len())?;
        }
        (CACHE_UNBLOCK, Some(id)) => {
            let found = matching(&cache, id).map_err(err)?;
            let blocked: Vec<_> = found.into_iter().filter(|(_, r)| r.provenance == Provenance::Operator).collect();
            if blocked.is_empty() {
                return Err(failed(format!("{id} is not blocked by an operator")));
            }
            for (key, _) in &blocked {
                cache.remove(key).map_err(err)?;
            }
            tracing::warn!(user = %user, id, count = blocked.len(), "operator block lifted");
            writeln!(out, "Unblocked {id}; it will be decided as a first access.")?;
        }
        _ => return Err(failed("an ID is required")),
    }
    Ok(())
}
