//! Starting `posternd`, restarting it with back-off when it stops, reaping every orphan,
//! and turning signals into a power-off or a reboot.

use crate::error::InitError;
use crate::paths::{LOG_DIR, POSTERND};
use crate::restart_policy::RestartPolicy;
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;
use signal_hook::consts::{SIGCHLD, SIGINT, SIGTERM, SIGUSR2};

/// Sent by a UPS daemon or a hypervisor on power failure (not in signal-hook's list).
const SIGPWR: i32 = Signal::SIGPWR as i32;
use std::fs::OpenOptions;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// posternd's exit status asking for the appliance to power off.
pub(crate) const EXIT_POWER_OFF: i32 = 10;
/// posternd's exit status asking for the appliance to reboot.
pub(crate) const EXIT_REBOOT: i32 = 11;
/// How long posternd gets to drain its connections at shutdown.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// A log grown past this is moved to `<name>.1` when the daemon starts again.
const LOG_ROTATE_BYTES: u64 = 4 << 20;

/// How the appliance should end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// Power off (SIGUSR2 or SIGPWR to init, or posternd asking).
    PowerOff,
    /// Reboot (SIGTERM or Ctrl-Alt-Del to init, or posternd asking).
    Reboot,
}

/// The supervised daemon.
struct Daemon {
    args: Vec<String>,
    running: Option<(Pid, Instant)>,
    restart_at: Option<Instant>,
    policy: RestartPolicy,
}

/// Runs `posternd` with `args` until the appliance is to power off or reboot; the daemon
/// has been stopped when this returns.
pub(crate) fn supervise(args: Vec<String>) -> Result<Ending, InitError> {
    let signals = listen_for_signals()?;
    let mut daemon = Daemon { args, running: None, restart_at: Some(Instant::now()), policy: RestartPolicy::default() };
    let ending = loop {
        let wait = daemon.restart_at.map_or(Duration::from_secs(3600), |at| at.saturating_duration_since(Instant::now()));
        match signals.recv_timeout(wait) {
            Ok(SIGCHLD) => {
                if let Some(ending) = daemon.reap() {
                    break ending;
                }
            }
            Ok(SIGTERM | SIGINT) => break Ending::Reboot,
            Ok(SIGUSR2 | SIGPWR) => break Ending::PowerOff,
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout) => daemon.start(),
            Err(RecvTimeoutError::Disconnected) => {
                return Err(InitError::Failed { step: "watching signals".into(), reason: "the signal thread stopped".into() });
            }
        }
    };
    tracing::info!(?ending, "stopping the appliance");
    daemon.stop(&signals);
    Ok(ending)
}

fn listen_for_signals() -> Result<Receiver<i32>, InitError> {
    let mut signals = signal_hook::iterator::Signals::new([SIGCHLD, SIGTERM, SIGINT, SIGUSR2, SIGPWR])
        .map_err(InitError::io("installing signal handlers"))?;
    let (tx, rx) = channel();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                if tx.send(signal).is_err() {
                    break;
                }
            }
        })
        .map_err(InitError::io("starting the signal thread"))?;
    Ok(rx)
}

impl Daemon {
    fn start(&mut self) {
        self.restart_at = None;
        match self.spawn() {
            Ok(pid) => {
                tracing::info!(pid = pid.as_raw(), "posternd started");
                self.running = Some((pid, Instant::now()));
            }
            Err(e) => {
                let delay = self.policy.on_exit(Duration::ZERO);
                tracing::error!(error = %e, retry_in_secs = delay.as_secs(), "cannot start posternd");
                self.restart_at = Some(Instant::now() + delay);
            }
        }
    }

    fn spawn(&self) -> Result<Pid, InitError> {
        let log = open_log("posternd.log")?;
        let err = log.try_clone().map_err(InitError::io("opening posternd's log"))?;
        let child = Command::new(POSTERND)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .env_clear()
            .env("PATH", "/usr/bin:/sbin")
            .spawn()
            .map_err(InitError::io(format!("starting {POSTERND}")))?;
        let pid = i32::try_from(child.id()).map_err(|_| InitError::Failed { step: "starting posternd".into(), reason: "pid out of range".into() })?;
        Ok(Pid::from_raw(pid))
    }

    /// Reaps every exited child; returns an ending if posternd asked for one.
    fn reap(&mut self) -> Option<Ending> {
        let mut ending = None;
        loop {
            let (pid, code) = match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::Exited(pid, code)) => (pid, Some(code)),
                Ok(WaitStatus::Signaled(pid, signal, _)) => {
                    tracing::warn!(pid = pid.as_raw(), signal = signal.as_str(), "process killed by a signal");
                    (pid, None)
                }
                Ok(WaitStatus::StillAlive) | Err(_) => break,
                Ok(_) => continue,
            };
            let Some((daemon, started)) = self.running else { continue };
            if pid != daemon {
                continue;
            }
            self.running = None;
            match code {
                Some(EXIT_POWER_OFF) => ending = Some(Ending::PowerOff),
                Some(EXIT_REBOOT) => ending = Some(Ending::Reboot),
                _ => {
                    let delay = self.policy.on_exit(started.elapsed());
                    tracing::error!(status = ?code, ran_secs = started.elapsed().as_secs(), retry_in_secs = delay.as_secs(),
                        failures = self.policy.failures(), "posternd stopped; starting it again");
                    self.restart_at = Some(Instant::now() + delay);
                }
            }
        }
        ending
    }

    /// Asks posternd to drain and stop; kills it after the grace period.
    fn stop(&mut self, signals: &Receiver<i32>) {
        let Some((pid, _)) = self.running else { return };
        let _ = kill(pid, Signal::SIGTERM);
        let deadline = Instant::now() + STOP_GRACE;
        while self.running.is_some() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                tracing::warn!(pid = pid.as_raw(), "posternd did not stop in time; killing it");
                let _ = kill(pid, Signal::SIGKILL);
                let _ = waitpid(pid, None);
                break;
            }
            if let Ok(SIGCHLD) = signals.recv_timeout(left) {
                self.reap();
            }
        }
    }
}

/// Opens `/data/log/<name>` for appending, moving a large one to `<name>.1` first.
fn open_log(name: &str) -> Result<std::fs::File, InitError> {
    let path = Path::new(LOG_DIR).join(name);
    if std::fs::metadata(&path).is_ok_and(|m| m.len() > LOG_ROTATE_BYTES) {
        let _ = std::fs::rename(&path, path.with_extension("log.1"));
    }
    OpenOptions::new().create(true).append(true).open(&path).map_err(InitError::io(format!("opening {}", path.display())))
}
