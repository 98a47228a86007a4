//! Processes started by the benchmark: pinned to a core, waited for, and always stopped
//! (SIGTERM, then SIGKILL) when their guard is dropped.

use crate::shell::{Result, StepError};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a process gets to start serving, and to stop after SIGTERM.
const PATIENCE: Duration = Duration::from_secs(30);
const STOP_GRACE: Duration = Duration::from_secs(3);

/// A running child process; stopped when dropped.
pub(crate) struct Spawned {
    name: &'static str,
    child: Child,
}

impl Spawned {
    /// Starts `cmd` with standard input closed and both outputs appended to `log`.
    pub(crate) fn start(name: &'static str, cmd: &mut Command, log: &Path) -> Result<Self> {
        let open = || {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .map_err(|e| StepError(format!("opening {}: {e}", log.display())))
        };
        let child = cmd
            .stdin(Stdio::null())
            .stdout(open()?)
            .stderr(open()?)
            .spawn()
            .map_err(|e| StepError(format!("starting {name} ({cmd:?}): {e}")))?;
        Ok(Self { name, child })
    }

    /// The process id (with `taskset` in front, still the program's own: taskset execs it).
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fails when the process has already exited.
    pub(crate) fn check_running(&mut self) -> Result {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(StepError(format!("{} exited early: {status}", self.name))),
            Err(e) => Err(StepError(format!("checking on {}: {e}", self.name))),
        }
    }

    /// Waits until `addr` accepts TCP connections.
    pub(crate) fn wait_for_port(&mut self, addr: SocketAddr) -> Result {
        let start = Instant::now();
        loop {
            self.check_running()?;
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if start.elapsed() > PATIENCE {
                return Err(StepError(format!("{} does not accept connections on {addr}", self.name)));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `log` has a line containing `needle`, and returns that line.
    pub(crate) fn wait_for_line(&mut self, log: &Path, needle: &str) -> Result<String> {
        let start = Instant::now();
        loop {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            if let Some(line) = text.lines().find(|l| l.contains(needle)) {
                return Ok(line.to_owned());
            }
            self.check_running().map_err(|e| StepError(format!("{e}; see {}", log.display())))?;
            if start.elapsed() > PATIENCE {
                return Err(StepError(format!("{} never logged {needle:?}; see {}", self.name, log.display())));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let Ok(raw) = i32::try_from(self.child.id()) else {
            let _ = self.child.kill();
            let _ = self.child.wait();
            return;
        };
        let _ = kill(Pid::from_raw(raw), Signal::SIGTERM);
        let start = Instant::now();
        while start.elapsed() < STOP_GRACE {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where a proxy runs and with how many workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    /// One worker, on this core when one is given.
    Pinned(Option<usize>),
    /// This many workers, wherever the kernel puts them.
    Spread(u16),
}

impl Placement {
    /// The core to pin to, if any.
    pub(crate) fn cpu(self) -> Option<usize> {
        match self {
            Self::Pinned(cpu) => cpu,
            Self::Spread(_) => None,
        }
    }

    /// Worker threads (posternd) or processes (nginx).
    pub(crate) fn workers(self) -> u16 {
        match self {
            Self::Pinned(_) => 1,
            Self::Spread(workers) => workers.max(1),
        }
    }
}

/// `program`, run through `taskset -c CPU` when a core is given.
pub(crate) fn pinned(cpu: Option<usize>, program: &Path) -> Command {
    match cpu {
        Some(cpu) => {
            let mut cmd = Command::new("taskset");
            cmd.arg("-c").arg(cpu.to_string()).arg(program);
            cmd
        }
        None => Command::new(program),
    }
}

/// The address after `addr=` in a log line (how posternd announces its listeners).
pub(crate) fn logged_addr(line: &str) -> Result<SocketAddr> {
    line.split("addr=")
        .nth(1)
        .map(|rest| {
            rest.chars().take_while(|c| c.is_ascii_hexdigit() || matches!(c, '.' | ':' | '[' | ']')).collect::<String>()
        })
        .and_then(|addr| addr.parse().ok())
        .ok_or_else(|| StepError(format!("no address in the log line {line:?}")))
}
