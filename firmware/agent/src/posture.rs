//! Posture reporting (H5, the endpoint's side): while the agent runs, a PT-TLS session
//! with the gateway's Host Checker reports this endpoint's posture at start and again
//! whenever os-release or the package database changes (and when the gateway asks). The
//! gateway's verdict gates the device: a failed one cuts its tunnels and its control
//! session. The last verdict is kept for `postern-agent status`.

use postern_posture::{SessionEvent, SessionSettings, Sources, run_session};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// `[posture]`: where the Host Checker is and where this endpoint's posture is read.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PostureSettings {
    /// The gateway's Host Checker, `HOST:PORT` (PT-TLS); HOST is also the name its
    /// certificate must carry.
    pub(crate) server: String,
    /// The os-release file.
    #[serde(default = "os_release")]
    pub(crate) os_release: PathBuf,
    /// The dpkg status database.
    #[serde(default = "dpkg_status")]
    pub(crate) dpkg_status: PathBuf,
    /// An `rpm -qa` export read instead of the dpkg database.
    #[serde(default)]
    pub(crate) rpm_list: Option<PathBuf>,
    /// The kernel release.
    #[serde(default = "kernel_release")]
    pub(crate) kernel_release: PathBuf,
    /// The IPv4 forwarding switch.
    #[serde(default = "ip_forward")]
    pub(crate) ip_forward: PathBuf,
}

fn os_release() -> PathBuf {
    "/etc/os-release".into()
}
fn dpkg_status() -> PathBuf {
    "/var/lib/dpkg/status".into()
}
fn kernel_release() -> PathBuf {
    "/proc/sys/kernel/osrelease".into()
}
fn ip_forward() -> PathBuf {
    "/proc/sys/net/ipv4/ip_forward".into()
}

/// The longest wait between two attempts after a session failed or ended.
const BACKOFF_CAP: Duration = Duration::from_secs(30);

impl PostureSettings {
    fn host(&self) -> &str {
        self.server
            .rsplit_once(':')
            .map_or(self.server.as_str(), |(h, _)| h)
            .trim_start_matches('[')
            .trim_end_matches(']')
    }
}

/// Reports posture on a thread of its own for as long as the process runs: one session
/// kept open, started again after it ends or fails (0.5 s, then twice as long each time,
/// up to 30 s; back to 0.5 s after a verdict). Each verdict is written to `verdict_file`.
pub(crate) fn start(settings: PostureSettings, tls: Arc<rustls::ClientConfig>, verdict_file: PathBuf) {
    let session = SessionSettings {
        server: settings.server.clone(),
        server_name: settings.host().to_owned(),
        tls,
        sasl: None,
        sources: Sources {
            os_release: settings.os_release.clone(),
            dpkg_status: settings.dpkg_status.clone(),
            rpm_list: settings.rpm_list.clone(),
            kernel_release: settings.kernel_release.clone(),
            ip_forward: settings.ip_forward.clone(),
        },
        watch: true,
        keep_open: true,
    };
    std::thread::spawn(move || {
        let mut wait = Duration::from_millis(500);
        loop {
            let mut verdicts = 0;
            let ended = run_session(&session, |event| match event {
                SessionEvent::Changed { packages } => {
                    tracing::info!(packages, "endpoint changed: asking the gateway for a new assessment");
                }
                SessionEvent::RecheckAsked { packages } => {
                    tracing::info!(packages, "the gateway asks for a new assessment");
                }
                SessionEvent::Verdict(result) => {
                    verdicts += 1;
                    let text = verdict_text(result);
                    tracing::info!(
                        server = %session.server,
                        verdict = text.lines().next().unwrap_or_default(),
                        "posture verdict"
                    );
                    write_verdict(&verdict_file, &text);
                }
                _ => {}
            });
            match ended {
                Ok(allowed) => tracing::info!(allowed, "posture session ended by the gateway"),
                Err(error) => tracing::warn!(server = %session.server, %error, "posture session failed"),
            }
            if verdicts > 0 {
                wait = Duration::from_millis(500);
            }
            std::thread::sleep(wait);
            wait = (wait * 2).min(BACKOFF_CAP);
        }
    });
}

/// `allowed`, `isolated` or `denied`, then `reason …` and `remediation …` lines.
fn verdict_text(result: &postern_host_checker::CollectorResult) -> String {
    use postern_tnc_wire::pb::AccessRecommendation;
    let access = match result.access {
        Some(AccessRecommendation::Allowed) => "allowed",
        Some(AccessRecommendation::Isolate) => "isolated",
        Some(AccessRecommendation::NoAccess) | None => "denied",
    };
    let mut text = format!("{access}\n");
    if let Some(reason) = &result.reason {
        text.push_str(&format!("reason {reason}\n"));
    }
    for line in &result.remediation {
        text.push_str(&format!("remediation {line}\n"));
    }
    text
}

fn write_verdict(path: &Path, text: &str) {
    if let Err(error) = postern_durable_fs::write_atomically(path, text.as_bytes(), 0o644) {
        tracing::error!(file = %path.display(), %error, "posture verdict not written");
    }
}

/// The `Posture:` lines of `postern-agent status`, from the verdict file, if any.
pub(crate) fn status_lines(verdict_file: &Path) -> String {
    let Ok(text) = std::fs::read_to_string(verdict_file) else { return String::new() };
    let mut lines = text.lines();
    let mut out = format!("Posture: {}\n", lines.next().unwrap_or("unknown"));
    for line in lines {
        if let Some(reason) = line.strip_prefix("reason ") {
            out.push_str(&format!("  Reason: {reason}\n"));
        } else if let Some(fix) = line.strip_prefix("remediation ") {
            out.push_str(&format!("  Remediation: {fix}\n"));
        }
    }
    out
}
