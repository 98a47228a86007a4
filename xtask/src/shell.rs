//! Running commands and saying what is being done.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A failed step, with the command that failed.
#[derive(Debug)]
pub(crate) struct StepError(pub(crate) String);

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub(crate) type Result<T = ()> = std::result::Result<T, StepError>;

/// The workspace root (the parent of this crate's directory).
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

/// When the first step was announced; steps are stamped with the time since.
static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Announces a step on stderr, stamped with minutes:seconds since the first, so the
/// operator sees what is happening and where the time goes.
pub(crate) fn say(what: &str) {
    let secs = STARTED.get_or_init(std::time::Instant::now).elapsed().as_secs();
    eprintln!("==> [{:02}:{:02}] {what}", secs / 60, secs % 60);
}

/// Runs a command in the workspace root and fails if it does not exit with success.
pub(crate) fn exec(cmd: &mut Command) -> Result {
    let shown = format!("{cmd:?}");
    eprintln!("    $ {shown}");
    let status = cmd.current_dir_if_unset().status().map_err(|e| StepError(format!("could not start {shown}: {e}")))?;
    if status.success() { Ok(()) } else { Err(StepError(format!("{shown} failed: {status}"))) }
}

/// Runs a command and returns what it printed on stdout; fails with its stderr.
pub(crate) fn capture(cmd: &mut Command) -> Result<String> {
    let shown = format!("{cmd:?}");
    let output = cmd.output().map_err(|e| StepError(format!("could not start {shown}: {e}")))?;
    if !output.status.success() {
        return Err(StepError(format!("{shown} failed: {}", String::from_utf8_lossy(&output.stderr))));
    }
    String::from_utf8(output.stdout).map_err(|e| StepError(format!("{shown} printed non-UTF-8: {e}")))
}

/// The `cargo` that invoked us.
pub(crate) fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// Whether a program is on the PATH (or in cargo's bin directory).
pub(crate) fn have(program: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|home| home.join("bin"));
    std::env::split_paths(&path).chain(cargo_bin).any(|dir| dir.join(program).is_file())
}

/// Installs a cargo tool unless it is already present.
pub(crate) fn ensure_cargo_tool(binary: &str, krate: &str) -> Result {
    if have(binary) {
        return Ok(());
    }
    say(&format!("installing {krate} (needed and not found)"));
    exec(cargo().args(["install", "--locked", krate]))
}

trait CurrentDir {
    fn current_dir_if_unset(&mut self) -> &mut Self;
}

impl CurrentDir for Command {
    fn current_dir_if_unset(&mut self) -> &mut Self {
        if self.get_current_dir().is_none() {
            self.current_dir(root());
        }
        self
    }
}
