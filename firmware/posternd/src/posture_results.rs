//! The last Host Checker decision per device, for `show host-checker results`.

use postern_host_checker::Decision;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::net::SocketAddr;
use std::sync::{Mutex, PoisonError};

/// Devices remembered; the oldest decision is forgotten first beyond this.
const MAX_DEVICES: usize = 10_000;

/// One device's last check.
#[derive(Debug, Clone)]
pub(crate) struct CheckRecord {
    /// When (Unix seconds).
    pub(crate) at: u64,
    /// From where.
    pub(crate) peer: SocketAddr,
    /// The decision, or why the exchange failed.
    pub(crate) outcome: Result<Decision, String>,
}

/// The results of every device checked since the daemon started.
#[derive(Default)]
pub(crate) struct PostureResults {
    by_device: Mutex<BTreeMap<String, CheckRecord>>,
}

impl PostureResults {
    /// Records a device's check.
    pub(crate) fn record(&self, device: &str, record: CheckRecord) {
        let mut map = self.by_device.lock().unwrap_or_else(PoisonError::into_inner);
        map.insert(device.to_owned(), record);
        if map.len() > MAX_DEVICES {
            let oldest = map.iter().min_by_key(|(_, r)| r.at).map(|(d, _)| d.clone());
            if let Some(oldest) = oldest {
                map.remove(&oldest);
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

impl postern_proxy_apptunnel::PostureGate for PostureResults {
    fn passed(&self, device: &str, policy: &str) -> bool {
        let map = self.by_device.lock().unwrap_or_else(PoisonError::into_inner);
        match map.get(device).map(|r| &r.outcome) {
            // The policy must have applied (an outcome of it) and none of its rules failed.
            Some(Ok(decision)) => {
                decision.outcomes.iter().any(|o| o.policy == policy)
                    && !decision.failed_policies.iter().any(|p| p == policy)
            }
            _ => false,
        }
    }
}
