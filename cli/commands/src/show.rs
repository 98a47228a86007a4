//! `show …` commands.

use crate::appliance::VERSION;
use crate::backend::{CliBackend, Outcome, failed};
use crate::cache_commands::{WALK_LIMIT, matching};
use crate::render::render;
use core::fmt::Write;
use postern_cli_engine::{Invocation, Value};
use postern_decision::{AccessKey, Channel};
use postern_device_cache::DeviceRecord;
use postern_logging::human_time;

/// Written into the appliance image by its build: product version and commit.
const IMAGE_VERSION_FILE: &str = "/etc/postern/version";

/// Most entries one `show device-cache` prints.
const SHOW_LIMIT: usize = 1000;

pub(crate) fn version(session: &mut CliBackend, out: &mut dyn Write) -> Outcome {
    let appliance = session.appliance();
    let uptime = appliance.now().saturating_sub(appliance.started_at());
    let store = appliance.store();
    writeln!(out, "Postern gateway software, version {VERSION}")?;
    if let Ok(build) = std::fs::read_to_string(IMAGE_VERSION_FILE) {
        writeln!(out, "Build {}", build.trim())?;
    }
    if let Some(trust) = appliance.image_trust() {
        writeln!(out, "Image: {}", trust.summary())?;
    }
    writeln!(out, "Hostname {}, gateway id {}", store.running().gateway.hostname, store.running().gateway.id)?;
    writeln!(
        out,
        "Uptime {}d {:02}h {:02}m {:02}s",
        uptime / 86_400,
        uptime / 3600 % 24,
        uptime / 60 % 60,
        uptime % 60
    )?;
    writeln!(out, "Started {}", human_time(appliance.started_at(), appliance.now()))?;
    writeln!(out, "Configuration revision {}", store.revision())?;
    if let Some((used, total)) = std::fs::read_to_string("/proc/meminfo").ok().as_deref().and_then(memory_in_use) {
        writeln!(out, "Memory {} MiB in use of {} MiB", used >> 10, total >> 10)?;
    }
    Ok(())
}

/// (in use, total) in KiB from `/proc/meminfo`: in use is total less available.
fn memory_in_use(meminfo: &str) -> Option<(u64, u64)> {
    let field = |name: &str| {
        meminfo.lines().find_map(|l| l.strip_prefix(name)?.trim().strip_suffix("kB")?.trim().parse::<u64>().ok())
    };
    let total = field("MemTotal:")?;
    Some((total.saturating_sub(field("MemAvailable:")?), total))
}

pub(crate) fn running(session: &mut CliBackend, inv: &Invocation<'_>, out: &mut dyn Write) -> Outcome {
    let store = session.appliance().store();
    writeln!(out, "! revision {}", store.revision())?;
    let rendered = render(store.running());
    drop(store);
    if let Some(wanted) = inv.arg("SECTION").and_then(Value::as_str) {
        out.write_str(&crate::render::section(&rendered, wanted))?;
        return Ok(());
    }
    if let Some(comment) = crate::tls::running_comment(session) {
        writeln!(out, "{comment}")?;
    }
    for comment in crate::imports::running_comments(session.appliance().store().running()) {
        writeln!(out, "{comment}")?;
    }
    out.write_str(&rendered)?;
    Ok(())
}

pub(crate) fn candidate(session: &mut CliBackend, out: &mut dyn Write) -> Outcome {
    match session.existing_candidate() {
        Some(c) => {
            writeln!(out, "! candidate based on revision {}", c.base_revision())?;
            out.write_str(&render(c.config()))?;
        }
        None => writeln!(out, "No candidate in this session: it equals the running configuration.")?,
    }
    Ok(())
}

/// `show configuration diff [rollback N]`: the candidate (or, without one, the running
/// configuration) against the running configuration or a past revision.
pub(crate) fn diff(session: &mut CliBackend, inv: &Invocation<'_>, out: &mut dyn Write) -> Outcome {
    let store = session.appliance().store();
    let new = session.existing_candidate().map_or_else(|| store.running().clone(), |c| c.config().clone());
    let diff = match inv.arg("N").and_then(Value::as_integer) {
        Some(n) => store.compare_rollback(usize::try_from(n).unwrap_or(usize::MAX), &new),
        None => store.compare_rollback(0, &new),
    }
    .map_err(|e| failed(e.to_string()))?;
    if diff.is_empty() {
        writeln!(out, "No differences.")?;
    } else {
        write!(out, "{diff}")?;
    }
    Ok(())
}

pub(crate) fn history(session: &mut CliBackend, out: &mut dyn Write) -> Outcome {
    let now = session.appliance().now();
    let store = session.appliance().store();
    writeln!(out, "{:<4} {:>8} {:<40} {:<20} {:<16} comment", "n", "revision", "committed", "by", "kind")?;
    for (n, info) in store.history().iter().enumerate() {
        let when = if info.committed_at == 0 { "unknown".to_owned() } else { human_time(info.committed_at, now) };
        let kind = format!("{:?}", info.kind);
        let kind = kind.split([' ', '{']).next().unwrap_or("");
        writeln!(
            out,
            "{n:<4} {:>8} {when:<40} {:<20} {kind:<16} {}",
            info.number,
            info.who,
            info.comment.as_deref().unwrap_or("")
        )?;
    }
    if let Some(pending) = store.pending_confirmation() {
        let at = human_time(pending.deadline, now);
        writeln!(out, "Revision {} rolls back at {at} unless confirmed with `commit`.", pending.revision)?;
    }
    Ok(())
}

/// `show configuration pending-reload`.
pub(crate) fn pending_reload(session: &mut CliBackend, out: &mut dyn Write) -> Outcome {
    let pending = session.appliance().pending_reload();
    if pending.is_empty() {
        writeln!(out, "Every committed setting is in effect.")?;
        return Ok(());
    }
    writeln!(out, "Committed, in effect from the next `reload`:")?;
    for setting in pending {
        writeln!(out, "  {setting}")?;
    }
    Ok(())
}

fn describe(key: &AccessKey, record: &DeviceRecord) -> String {
    let user = record.identity.user.as_ref().map_or("-", |u| u.as_str());
    let uem = record.identity.uem_device_id.as_ref().map_or("-", |u| u.as_str());
    let what = match key {
        AccessKey::ActiveSync(id) => format!("activesync {id}"),
        AccessKey::AppTunnel(t) => format!("tunnel {}/{}/{}", t.uem_device_id, t.app_id.as_str(), t.service.as_str()),
    };
    format!("{what:<48} {user:<28} {uem:<16} {:<12} {}", record.state.code(), record.provenance.code())
}

fn header(out: &mut dyn Write) -> Outcome {
    writeln!(out, "{:<48} {:<28} {:<16} {:<12} basis", "entry", "user", "uem device", "state")?;
    Ok(())
}

pub(crate) fn device_cache(session: &mut CliBackend, inv: &Invocation<'_>, out: &mut dyn Write) -> Outcome {
    let cache = session.appliance().cache();
    let err = |e: postern_device_cache::CacheError| failed(format!("device cache: {e}"));
    let entries = match inv.arg("ID").and_then(Value::as_str) {
        Some(id) => {
            let found = matching(&cache, id).map_err(err)?;
            if found.is_empty() {
                return Err(failed(format!("no device {id} in the device cache")));
            }
            found
        }
        None => {
            writeln!(out, "Device cache: {} of {} entries used", cache.len(), cache.capacity())?;
            let pinned = session.appliance().gateway().blocks().len();
            writeln!(out, "Pinned blocks: {pinned} (kept apart from the cache: show blocks)")?;
            let mut all = cache.entries(Channel::ActiveSync, SHOW_LIMIT).map_err(err)?;
            all.extend(cache.app_tunnels(SHOW_LIMIT.saturating_sub(all.len())).map_err(err)?);
            all
        }
    };
    header(out)?;
    for (key, record) in &entries {
        writeln!(out, "{}", describe(key, record))?;
    }
    if entries.len() < cache.len() && inv.arg("ID").is_none() {
        writeln!(out, "(showing the {} most recently used)", entries.len())?;
    }
    Ok(())
}

pub(crate) fn tunnels(session: &mut CliBackend, out: &mut dyn Write) -> Outcome {
    let cache = session.appliance().cache();
    let tunnels = cache.app_tunnels(WALK_LIMIT.min(SHOW_LIMIT)).map_err(|e| failed(format!("device cache: {e}")))?;
    if tunnels.is_empty() {
        writeln!(out, "No AppTunnels.")?;
        return Ok(());
    }
    header(out)?;
    for (key, record) in &tunnels {
        writeln!(out, "{}", describe(key, record))?;
    }
    Ok(())
}

pub(crate) fn checkins(session: &mut CliBackend, out: &mut dyn Write) -> Outcome {
    if let Some(table) = session.appliance().checkin_status() {
        out.write_str(&table)?;
        return Ok(());
    }
    let store = session.appliance().store();
    let c = &store.running().uem.checkins;
    writeln!(out, "{:<16} {:>9}  last run", "check-in", "interval")?;
    for (name, secs) in [
        ("compliance", c.compliance_interval_secs),
        ("tunnel-actions", c.tunnel_actions_interval_secs),
        ("inventory", c.inventory_interval_secs),
    ] {
        writeln!(out, "{name:<16} {secs:>8}s  never: check-ins are not running")?;
    }
    Ok(())
}

/// `show management`: where SSH and metrics listen now, and where the running
/// configuration puts them (the same once a commit has moved them, or at the next `reload`
/// when commits cannot: `show configuration pending-reload` says which).
pub(crate) fn management(session: &mut CliBackend, out: &mut dyn Write) -> Outcome {
    match session.appliance().management_status() {
        Some(now) => writeln!(out, "Now: {now}")?,
        None => writeln!(out, "Now: not reported by this daemon")?,
    }
    let store = session.appliance().store();
    let configured = match store.running().management_plane() {
        Ok(plane) => format!(
            "SSH on {}, metrics on {} (from {}), metrics allowed from {}",
            plane.ssh,
            plane.metrics,
            plane.chosen_by,
            if plane.metrics_allowed.is_empty() { "no source".to_owned() } else { plane.metrics_allowed.join(", ") }
        ),
        Err(why) => format!("SSH and metrics not started: {why}"),
    };
    writeln!(out, "Configured: {configured}")?;
    Ok(())
}

pub(crate) fn logging(session: &mut CliBackend, out: &mut dyn Write) -> Outcome {
    let events = session.appliance().logs().snapshot();
    if events.is_empty() {
        writeln!(out, "No log events.")?;
    }
    for event in events {
        writeln!(out, "{event}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::memory_in_use;

    #[test]
    fn memory_in_use_is_total_less_available() {
        let meminfo = "MemTotal:         250000 kB\nMemFree:          100000 kB\nMemAvailable:     200000 kB\n";
        assert_eq!(memory_in_use(meminfo), Some((50_000, 250_000)));
        assert_eq!(memory_in_use("MemTotal: 1 kB\n"), None);
        assert_eq!(memory_in_use("garbage"), None);
    }
}
