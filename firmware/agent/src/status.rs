//! The status file the running agent writes and `postern-agent status` reads: the
//! agent's process id, its state, the session and the resources, one per line.

use crate::control::Control;
use postern_agent_wire::Resource;
use std::fmt::Write as _;
use std::path::Path;

/// `postern-agent status` exit codes, one per state.
pub(crate) mod exit {
    /// A session is open.
    pub(crate) const CONNECTED: u8 = 0;
    /// The configuration or status cannot be read.
    pub(crate) const ERROR: u8 = 1;
    /// Starting or reconnecting (with the cookie, silently).
    pub(crate) const RECONNECTING: u8 = 2;
    /// The gateway refuses the device.
    pub(crate) const REFUSED: u8 = 3;
    /// The gateway revoked the session.
    pub(crate) const REVOKED: u8 = 4;
    /// No agent is running.
    pub(crate) const NOT_RUNNING: u8 = 5;
}

fn resource_line(r: &Resource) -> String {
    let prefixes: Vec<String> = r.prefixes.iter().map(ToString::to_string).collect();
    let ports: Vec<String> = r.ports.iter().map(ToString::to_string).collect();
    let ports = if ports.is_empty() { "all ports".to_owned() } else { format!("ports {}", ports.join(",")) };
    format!("{} -> service {}: {} {}", r.name, r.service, prefixes.join(" "), ports)
}

/// The status text of `control` for the agent with process id `pid`.
pub(crate) fn render(control: &Control, pid: u32) -> String {
    let mut text = format!("pid {pid}\nstate {}\n", control.state.line());
    if let Some(session) = control.session {
        let _ = writeln!(text, "session {session}");
    }
    for r in &control.resources {
        let _ = writeln!(text, "resource {}", resource_line(r));
    }
    text
}

/// Writes the status atomically (readable by every local user: it holds no secret).
pub(crate) fn write(path: &Path, text: &str) {
    if let Err(error) = postern_durable_fs::write_atomically(path, text.as_bytes(), 0o644) {
        tracing::error!(file = %path.display(), %error, "status not written");
    }
}

/// The data channel's state as the running agent last wrote it next to `status`.
fn data_line(status: &Path) -> String {
    let file = crate::data::status_file(status.parent().unwrap_or(Path::new(".")));
    match std::fs::read_to_string(file) {
        Ok(text) => match text.trim().strip_prefix("open ") {
            Some("1") => "open, 1 flow".into(),
            Some(flows) => format!("open, {flows} flows"),
            None => "closed".into(),
        },
        Err(_) => "not configured".into(),
    }
}

/// What `postern-agent status` prints and its exit code.
pub(crate) fn report(path: &Path) -> (String, u8) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return ("State: not running (no status)\n".into(), exit::NOT_RUNNING);
    };
    let field = |name: &str| text.lines().find_map(|l| l.strip_prefix(name)).map(str::trim);
    let running = field("pid ")
        .and_then(|p| p.parse::<u32>().ok())
        .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
    let state = field("state ").unwrap_or("unknown");
    if !running {
        return (format!("State: not running (last: {state})\n"), exit::NOT_RUNNING);
    }
    let code = match state.split(':').next().unwrap_or_default() {
        "connected" => exit::CONNECTED,
        "refused" => exit::REFUSED,
        "revoked" => exit::REVOKED,
        _ => exit::RECONNECTING,
    };
    let mut out = format!("State: {state}\n");
    if let Some(session) = field("session ") {
        let _ = writeln!(out, "Session: {session}");
    }
    let _ = writeln!(out, "Data channel: {}", data_line(path));
    let resources: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("resource ")).collect();
    let _ = writeln!(out, "Resources: {}", resources.len());
    for r in resources {
        let _ = writeln!(out, "  {r}");
    }
    (out, code)
}
