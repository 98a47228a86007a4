//! What a process costs, read from /proc: CPU time (user + system, all threads) and
//! resident memory.

use crate::shell::{Result, StepError};
use std::process::Command;
use std::time::Duration;

/// Fields of /proc/PID/stat counted after the `(comm)` field: state is index 0, so utime
/// (field 14) is index 11 and stime (field 15) index 12; the parent pid (field 4) index 1.
const PPID: usize = 1;
const UTIME: usize = 11;
const STIME: usize = 12;

/// The fields of /proc/PID/stat after the command name, and the command name.
fn stat(pid: u32) -> Result<(String, Vec<String>)> {
    let path = format!("/proc/{pid}/stat");
    let text = std::fs::read_to_string(&path).map_err(|e| StepError(format!("reading {path}: {e}")))?;
    let open = text.find('(');
    let close = text.rfind(')');
    match (open, close) {
        (Some(open), Some(close)) if open < close => {
            let comm = text.get(open + 1..close).unwrap_or_default().to_owned();
            let rest = text.get(close + 1..).unwrap_or_default();
            Ok((comm, rest.split_whitespace().map(str::to_owned).collect()))
        }
        _ => Err(StepError(format!("{path} is not in the expected format"))),
    }
}

fn field(fields: &[String], index: usize, pid: u32) -> Result<u64> {
    fields
        .get(index)
        .and_then(|f| f.parse().ok())
        .ok_or_else(|| StepError(format!("/proc/{pid}/stat has no number at field {}", index + 3)))
}

/// Clock ticks per second of the utime and stime fields (`getconf CLK_TCK`, else 100).
pub(crate) fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .filter(|&t| t > 0)
        .unwrap_or(100)
}

/// The command name of `pid`, or `None` when it is gone.
pub(crate) fn command_name(pid: u32) -> Option<String> {
    stat(pid).ok().map(|(comm, _)| comm)
}

/// The live processes whose parent is `parent`.
pub(crate) fn children(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| stat(pid).ok().and_then(|(_, f)| field(&f, PPID, pid).ok()) == Some(u64::from(parent)))
        .collect()
}

/// CPU time split into the process's own code (user) and the kernel working for it
/// (system: system calls, and the network stack they run).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct CpuTime {
    /// Time in user space.
    pub(crate) user: Duration,
    /// Time in the kernel.
    pub(crate) system: Duration,
}

impl CpuTime {
    /// User and system time together.
    pub(crate) fn total(&self) -> Duration {
        self.user + self.system
    }

    /// The time spent since `earlier`.
    pub(crate) fn since(&self, earlier: &Self) -> Self {
        Self { user: self.user.saturating_sub(earlier.user), system: self.system.saturating_sub(earlier.system) }
    }
}

/// CPU time used so far by a set of processes, summed over their threads.
pub(crate) fn cpu_time(pids: &[u32], ticks_per_second: u64) -> Result<CpuTime> {
    let (mut user, mut system) = (0u64, 0u64);
    for &pid in pids {
        let (_, fields) = stat(pid)?;
        user = user.saturating_add(field(&fields, UTIME, pid)?);
        system = system.saturating_add(field(&fields, STIME, pid)?);
    }
    let seconds = |ticks: u64| Duration::from_secs_f64(ticks as f64 / ticks_per_second.max(1) as f64);
    Ok(CpuTime { user: seconds(user), system: seconds(system) })
}

/// Resident memory of `pid` in KiB (VmRSS of /proc/PID/status).
pub(crate) fn resident_kib(pid: u32) -> Result<u64> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path).map_err(|e| StepError(format!("reading {path}: {e}")))?;
    text.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| StepError(format!("{path} has no VmRSS line")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rusage_user() -> Duration {
        nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_SELF).map_or(Duration::ZERO, |usage| {
            let t = usage.user_time();
            Duration::new(t.tv_sec().unsigned_abs(), u32::try_from(t.tv_usec()).unwrap_or(0) * 1000)
        })
    }

    #[test]
    fn this_process_has_cpu_time_and_memory() {
        let me = std::process::id();
        // Spin until the kernel's own account (getrusage) shows 60 ms of user time: on a
        // loaded machine a spin measured by the wall clock may get little CPU.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let mut x = 0u64;
        while rusage_user() < Duration::from_millis(60) && std::time::Instant::now() < deadline {
            for _ in 0..10_000 {
                x = x.wrapping_add(std::hint::black_box(1));
            }
        }
        assert!(x > 0);
        let used = cpu_time(&[me], clock_ticks()).expect("own stat");
        // /proc counts in clock ticks (10 ms): allow two of rounding.
        assert!(used.user >= Duration::from_millis(40), "{used:?}");
        assert_eq!(used.since(&used).total(), Duration::ZERO);
        assert!(resident_kib(me).expect("own status") > 100);
        assert!(command_name(me).is_some());
    }

    #[test]
    fn children_are_found_by_parent() {
        let mut child = Command::new("sleep").arg("5").spawn().expect("sleep starts");
        let found = children(std::process::id());
        let _ = child.kill();
        let _ = child.wait();
        assert!(found.contains(&child.id()), "{found:?} lacks {}", child.id());
    }
}
