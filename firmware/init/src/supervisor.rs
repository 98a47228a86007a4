//! Starting `posternd`, restarting it with back-off when it stops, reaping every orphan,
//! and turning signals into a power-off or a reboot.

use crate::error::InitError;
use crate::health::{HealthWatch, Verdict};
use crate::paths::{CLI_SOCKET, LOG_DIR, POSTERND};
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

/// What to do when the system first proves healthy.
pub(crate) type OnHealthy = Box<dyn FnMut()>;

/// The supervised daemon.
struct Daemon {
    args: Vec<String>,
    running: Option<(Pid, Instant)>,
    restart_at: Option<Instant>,
    policy: RestartPolicy,
    health: HealthWatch,
    on_healthy: OnHealthy,
}

/// Runs `posternd` with `args` until the appliance is to power off or reboot; the daemon
/// has been stopped when this returns.
pub(crate) fn supervise(args: Vec<String>, health: HealthWatch, on_healthy: OnHealthy) -> Result<Ending, InitError> {
    let signals = listen_for_signals()?;
    let mut daemon = Daemon {
        args,
        running: None,
        restart_at: Some(Instant::now()),
        policy: RestartPolicy::default(),
        health,
        on_healthy,
    };
    let ending = loop {
        let mut wait =
            daemon.restart_at.map_or(Duration::from_secs(3600), |at| at.saturating_duration_since(Instant::now()));
        if !daemon.health.is_healthy() {
            wait = wait.min(PROBE_EVERY);
        }
        let verdict = match signals.recv_timeout(wait) {
            Ok(SIGCHLD) => match daemon.reap() {
                Reaped::Ending(ending) => break ending,
                Reaped::DaemonStopped => daemon.health.stopped(Instant::now()),
                Reaped::Nothing => Verdict::Wait,
            },
            Ok(SIGTERM | SIGINT) => break Ending::Reboot,
            Ok(SIGUSR2 | SIGPWR) => break Ending::PowerOff,
            Ok(_) => Verdict::Wait,
            Err(RecvTimeoutError::Timeout) => {
                if daemon.restart_at.is_some_and(|at| at <= Instant::now()) {
                    daemon.start();
                }
                daemon.probe()
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(InitError::Failed {
                    step: "watching signals".into(),
                    reason: "the signal thread stopped".into(),
                });
            }
        };
        match verdict {
            Verdict::Wait => {}
            Verdict::Healthy => {
                tracing::debug!("system healthy: posternd is serving");
                (daemon.on_healthy)();
            }
            Verdict::GiveUp => {
                tracing::error!("this slot is on trial and failed its health check: rebooting to use up a try");
                break Ending::Reboot;
            }
        }
    };
    tracing::info!(?ending, "stopping the appliance");
    daemon.stop(&signals);
    Ok(ending)
}

/// How often an unproven system's daemon is probed.
const PROBE_EVERY: Duration = Duration::from_secs(1);

/// What reaping found.
enum Reaped {
    /// posternd asked for the appliance to end.
    Ending(Ending),
    /// posternd stopped on its own; it will be started again.
    DaemonStopped,
    /// Only other processes, or nothing.
    Nothing,
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
                self.health.started(Instant::now());
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
        let pid = i32::try_from(child.id())
            .map_err(|_| InitError::Failed { step: "starting posternd".into(), reason: "pid out of range".into() })?;
        Ok(Pid::from_raw(pid))
    }

    /// Whether posternd answers on its CLI socket, as a health verdict.
    fn probe(&mut self) -> Verdict {
        if self.health.is_healthy() || self.running.is_none() {
            return Verdict::Wait;
        }
        let answered = std::os::unix::net::UnixStream::connect(CLI_SOCKET).is_ok();
        self.health.probed(Instant::now(), answered)
    }

    /// Reaps every exited child; says whether posternd stopped or asked for an ending.
    fn reap(&mut self) -> Reaped {
        let mut reaped = Reaped::Nothing;
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
                Some(EXIT_POWER_OFF) => reaped = Reaped::Ending(Ending::PowerOff),
                Some(EXIT_REBOOT) => reaped = Reaped::Ending(Ending::Reboot),
                _ => {
                    let delay = self.policy.on_exit(started.elapsed());
                    tracing::error!(status = ?code, ran_secs = started.elapsed().as_secs(), retry_in_secs = delay.as_secs(),
                        failures = self.policy.failures(), "posternd stopped; starting it again");
                    self.restart_at = Some(Instant::now() + delay);
                    reaped = Reaped::DaemonStopped;
                }
            }
        }
        reaped
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
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(InitError::io(format!("opening {}", path.display())))
}
