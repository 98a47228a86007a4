//! The last Host Checker decision per device, for `show host-checker results` and the
//! services that require policies; each device's record is kept in a file of its own in
//! the state directory, so a restart does not forget it.

use postern_host_checker::Decision;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// Devices remembered; the oldest decision is forgotten first beyond this.
const MAX_DEVICES: usize = 10_000;

/// One device's last check.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct CheckRecord {
    /// When (Unix seconds).
    pub(crate) at: u64,
    /// From where.
    pub(crate) peer: SocketAddr,
    /// The decision, or why the exchange failed.
    pub(crate) outcome: Result<Decision, String>,
}

/// The last result of every device checked, kept on disk.
pub(crate) struct PostureResults {
    by_device: Mutex<BTreeMap<String, CheckRecord>>,
    dir: PathBuf,
}

/// A device's file: its name in hex, so that no name can leave the directory.
fn file_of(dir: &Path, device: &str) -> PathBuf {
    let hex: String = device.bytes().map(|b| format!("{b:02x}")).collect();
    dir.join(format!("{hex}.json"))
}

fn device_of(path: &Path) -> Option<String> {
    let hex = path.file_name()?.to_str()?.strip_suffix(".json")?;
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok()
}

impl PostureResults {
    /// Opens the results kept in `dir` (a record that cannot be read is logged and
    /// skipped: that device counts as never assessed).
    pub(crate) fn open(dir: &Path) -> Self {
        let mut map = BTreeMap::new();
        if let Ok(entries) = std::fs::read_dir(dir) {
            for path in entries.filter_map(Result::ok).map(|e| e.path()) {
                let Some(device) = device_of(&path) else { continue };
                match std::fs::read(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|bytes| serde_json::from_slice::<CheckRecord>(&bytes).map_err(|e| e.to_string()))
                {
                    Ok(record) => {
                        map.insert(device, record);
                    }
                    Err(error) => tracing::warn!(path = %path.display(), %error, "posture result unreadable: skipped"),
                }
            }
        }
        tracing::info!(devices = map.len(), "posture results restored");
        Self { by_device: Mutex::new(map), dir: dir.to_path_buf() }
    }

    /// Records a device's check and keeps it.
    pub(crate) fn record(&self, device: &str, record: CheckRecord) {
        let kept = serde_json::to_vec(&record).map_err(|e| e.to_string()).and_then(|bytes| {
            std::fs::create_dir_all(&self.dir).map_err(|e| e.to_string())?;
            postern_durable_fs::write_atomically(&file_of(&self.dir, device), &bytes, 0o600).map_err(|e| e.to_string())
        });
        if let Err(error) = kept {
            tracing::error!(device, %error, "posture result not kept on disk (in use until the next restart)");
        }
        let mut map = self.by_device.lock().unwrap_or_else(PoisonError::into_inner);
        map.insert(device.to_owned(), record);
        if map.len() > MAX_DEVICES {
            let oldest = map.iter().min_by_key(|(_, r)| r.at).map(|(d, _)| d.clone());
            if let Some(oldest) = oldest {
                map.remove(&oldest);
                let _ = std::fs::remove_file(file_of(&self.dir, &oldest));
            }
        }
    }

    /// The table of `show host-checker results [DEVICE]`.
    pub(crate) fn render(&self, device: Option<&str>, now: u64) -> String {
        let map = self.by_device.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = String::new();
        if let Some(device) = device {
            let Some(record) = map.get(device) else {
                return format!("No Host Checker result for device {device}.\n");
            };
            let _ = writeln!(
                out,
                "device {device}: {} ({} s ago, from {})",
                summary(record),
                now.saturating_sub(record.at),
                record.peer
            );
            if let Ok(decision) = &record.outcome {
                for o in &decision.outcomes {
                    let _ = writeln!(
                        out,
                        "  {} {} {}: {}",
                        if o.passed { "pass" } else { "FAIL" },
                        o.policy,
                        o.check,
                        o.reason
                    );
                }
            }
            return out;
        }
        let _ = writeln!(out, "{:<24} {:<14} {:>8}  failed policies / reason", "device", "result", "age (s)");
        for (device, record) in map.iter() {
            let detail = match &record.outcome {
                Ok(d) if d.compliant => "-".to_owned(),
                Ok(d) => d.failed_policies.join(", "),
                Err(reason) => reason.clone(),
            };
            let _ =
                writeln!(out, "{device:<24} {:<14} {:>8}  {detail}", summary(record), now.saturating_sub(record.at));
        }
        out
    }
}

fn summary(record: &CheckRecord) -> &'static str {
    match &record.outcome {
        Ok(d) if d.compliant => "compliant",
        Ok(_) => "non-compliant",
        Err(_) => "failed",
    }
}

impl PostureResults {
    /// Whether `device`'s last assessment passed `policy`: the policy applied (an
    /// outcome of it) and none of its rules failed; a device never assessed has not.
    pub(crate) fn passed(&self, device: &str, policy: &str) -> bool {
        let map = self.by_device.lock().unwrap_or_else(PoisonError::into_inner);
        match map.get(device).map(|r| &r.outcome) {
            Some(Ok(decision)) => {
                decision.outcomes.iter().any(|o| o.policy == policy)
                    && !decision.failed_policies.iter().any(|p| p == policy)
            }
            _ => false,
        }
    }
}
