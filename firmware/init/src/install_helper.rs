//! Starting the install helper: the root process that alone writes system slots into the
//! read-only boot partition, at the daemon's request (see `postern-install-helper`).

use crate::paths::{DAEMON_USER, ESP, ESP_LOCK, FLOOR_DIR, INSTALL_HELPER, LOG_DIR, STATE_DIR};
use std::fs::OpenOptions;
use std::process::{Command, Stdio};

/// Starts the helper in the background, its output in its own log. Without it the
/// appliance still serves; installs and rollbacks say the helper cannot be reached.
pub(crate) fn start() {
    let log = format!("{LOG_DIR}/install-helper.log");
    let output = OpenOptions::new().create(true).append(true).open(&log);
    let (out, err) = match output.and_then(|f| Ok((f.try_clone()?, f))) {
        Ok((out, err)) => (Stdio::from(out), Stdio::from(err)),
        Err(e) => {
            tracing::warn!(log, error = %e, "the install helper's log cannot be opened: its output is lost");
            (Stdio::null(), Stdio::null())
        }
    };
    let state_dir = format!("{STATE_DIR}/update");
    let started = Command::new(INSTALL_HELPER)
        .args([
            "--esp",
            ESP,
            "--state-dir",
            &state_dir,
            "--floor-dir",
            FLOOR_DIR,
            "--user",
            DAEMON_USER,
            "--lock",
            ESP_LOCK,
        ])
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .env_clear()
        .spawn();
    match started {
        Ok(child) => tracing::info!(pid = child.id(), "install helper started"),
        Err(e) => {
            tracing::error!(helper = INSTALL_HELPER, error = %e, "cannot start the install helper: installs are unavailable")
        }
    }
}
