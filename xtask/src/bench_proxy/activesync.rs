//! The ActiveSync comparison: wrk against Postern and then nginx, for each kind of
//! connection, with each proxy's CPU time read around the run.

use super::cpu;
use super::report::{ProxyRun, Scenario};
use super::scratch::Scratch;
use super::wrk::{self, Connections};
use crate::shell::{Result, StepError, say};
use std::net::SocketAddr;

/// Seconds of unmeasured traffic before each run (pools filled, device decided and cached).
const WARM_UP_SECONDS: u64 = 1;

/// A proxy under test: where it listens and which processes are its own.
pub(crate) struct Contender<'a> {
    /// Its name in messages.
    pub(crate) name: &'static str,
    /// Its TLS listener.
    pub(crate) addr: SocketAddr,
    /// Its processes, read for CPU time.
    pub(crate) pids: &'a dyn Fn() -> Vec<u32>,
}

/// How wrk is run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Load {
    /// Seconds per measured run.
    pub(crate) seconds: u64,
    /// Connections wrk keeps open.
    pub(crate) connections: u32,
    /// The core wrk is pinned to, if any.
    pub(crate) cpu: Option<usize>,
}

/// Drives one proxy with one kind of traffic and reads its CPU time around the run.
fn measure(
    scratch: &Scratch,
    who: &Contender<'_>,
    mode: Connections,
    load: Load,
    ticks: u64,
    device: (&str, &str),
) -> Result<ProxyRun> {
    let url = wrk::url(who.addr, device.0, device.1);
    wrk::run(scratch, &url, mode, load.connections, WARM_UP_SECONDS, load.cpu)?;
    let pids = (who.pids)();
    let before = cpu::cpu_time(&pids, ticks)?;
    let result = wrk::run(scratch, &url, mode, load.connections, load.seconds, load.cpu)?;
    let after = cpu::cpu_time(&pids, ticks)?;
    if result.requests == 0 {
        return Err(StepError(format!("{} answered no request ({mode:?})", who.name)));
    }
    if result.errors * 100 > result.requests {
        say(&format!("warning: {} had {} errors in {} requests ({mode:?})", who.name, result.errors, result.requests));
    }
    Ok(ProxyRun { wrk: result, cpu: after.since(&before) })
}

/// Both scenarios, each proxy in turn: keep-alive (target 0.8x nginx's CPU per request)
/// and a new TLS connection per request (target 0.5x).
pub(crate) fn compare(
    scratch: &Scratch,
    postern: &Contender<'_>,
    nginx: &Contender<'_>,
    load: Load,
    device: (&str, &str),
) -> Result<Vec<Scenario>> {
    let ticks = cpu::clock_ticks();
    let plan = [
        ("keep-alive, 1 KiB POST", Connections::KeepAlive, 0.8),
        ("new TLS conn. per request", Connections::NewPerRequest, 0.5),
    ];
    let mut scenarios = Vec::new();
    for (name, mode, cpu_target) in plan {
        say(&format!("{name}: Postern for {} s", load.seconds));
        let p = measure(scratch, postern, mode, load, ticks, device)?;
        say(&format!("{name}: nginx for {} s", load.seconds));
        let n = measure(scratch, nginx, mode, load, ticks, device)?;
        scenarios.push(Scenario { name, postern: p, nginx: n, cpu_target });
    }
    Ok(scenarios)
}
