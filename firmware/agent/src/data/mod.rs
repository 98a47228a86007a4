//! The data channel (Z2): the agent's TUN interface with routes for the protected
//! prefixes only, the user-space TCP relay (`postern-agent-tunnel`) on it, and one
//! AppTunnel per accepted flow. The channel opens at the first flow to a protected
//! destination, closes after `idle_secs` without a byte carried, on
//! `postern-agent disconnect` (SIGUSR1) and at shutdown (every flow reset), and opens
//! again at the next flow without the user seeing a change.

mod faults;
mod flows;
mod reorder;
mod settings;
mod tun;
mod tunnel;

pub(crate) use settings::DataSettings;

use flows::Flows;
use postern_agent_tunnel::{Event, Limits, Protected, Stack, StackConfig};
use postern_agent_wire::Resource;
use rustls::pki_types::ServerName;
use smoltcp::phy::{Device, RxToken, TxToken};
use smoltcp::time::Instant as StackInstant;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::unix::AsyncFd;
use tokio::sync::watch;

/// The longest the loop sleeps when the stack has no timer due.
const TICK: Duration = Duration::from_secs(1);

/// The status line file next to the agent's status: `closed` or `open FLOWS`.
pub(crate) fn status_file(state_dir: &Path) -> PathBuf {
    state_dir.join("data")
}

/// The data channel's I/O shell.
struct DataChannel {
    stack: Stack,
    tun: AsyncFd<smoltcp::phy::TunTapInterface>,
    routes: tun::Tun,
    flows: Flows,
    settings: DataSettings,
    status_file: PathBuf,
    published: Option<String>,
    /// `[data.faults]`: the injector between the TUN and the stack.
    faults: Option<faults::Faults>,
}

fn now() -> StackInstant {
    StackInstant::now()
}

impl DataChannel {
    /// Writes every packet the stack has for the endpoint to the TUN.
    fn flush(&mut self) {
        let device = self.tun.get_mut();
        while let Some(packet) = self.stack.pop_packet() {
            let packets = match &mut self.faults {
                Some(faults) => faults.outbound(&packet, now()),
                None => vec![packet],
            };
            for packet in packets {
                if let Some(token) = device.transmit(now()) {
                    token.consume(packet.len(), |buf| buf.copy_from_slice(&packet));
                }
            }
        }
    }

    /// Reads every packet waiting on the TUN into the stack.
    fn drain_tun(&mut self) {
        let device = self.tun.get_mut();
        while let Some((rx, _)) = device.receive(now()) {
            let packet = rx.consume(<[u8]>::to_vec);
            match &mut self.faults {
                Some(faults) => faults.inbound(packet, now()).into_iter().for_each(|p| self.stack.push_packet(p)),
                None => self.stack.push_packet(packet),
            }
        }
    }

    /// Polls the stack, starts tunnels for new flows, moves bytes, writes packets out.
    fn turn(&mut self) {
        self.stack.poll(now());
        while let Some(event) = self.stack.next_event() {
            match event {
                Event::Opened(flow) => self.flows.open(flow),
                Event::Closed(id) => self.flows.forget(id),
            }
        }
        self.flows.pump(&mut self.stack);
        self.stack.poll(now());
        self.flush();
        self.publish();
    }

    fn set_resources(&mut self, resources: Vec<Resource>) {
        let protected = Protected::new(resources);
        self.routes.set_routes(&protected.prefixes());
        let unprotected: Vec<_> =
            self.stack.flows().filter(|f| protected.lookup(f.destination).is_none()).map(|f| f.id).collect();
        for id in unprotected {
            self.flows.forget(id);
            self.stack.reset(id, "the destination is no longer protected");
        }
        self.stack.set_protected(protected);
    }

    fn publish(&mut self) {
        let line = if self.flows.is_open() { format!("open {}\n", self.stack.flow_count()) } else { "closed\n".into() };
        if self.published.as_deref() != Some(line.as_str()) {
            crate::status::write(&self.status_file, &line);
            self.published = Some(line);
        }
    }

    /// Closes the channel: every flow reset, the TLS session forgotten.
    fn close(&mut self, reason: &str) {
        if !self.flows.is_open() {
            return;
        }
        let ids: Vec<_> = self.stack.flows().map(|f| f.id).collect();
        for id in ids {
            self.stack.reset(id, reason);
        }
        self.flows.close();
        tracing::info!(reason, "data channel closed");
        if let Some(faults) = &self.faults {
            let tally = faults.tally();
            tracing::info!(
                passed = tally.passed,
                dropped = tally.dropped,
                corrupted = tally.corrupted,
                reordered = tally.reordered,
                "fault injector (data.faults) so far"
            );
        }
        self.stack.poll(now());
        self.flush();
        self.publish();
    }
}

impl Drop for DataChannel {
    fn drop(&mut self) {
        self.close("the agent stopped");
    }
}

/// Runs the data channel until the agent stops; `Err` if the TUN cannot be set up.
pub(crate) async fn run(
    settings: DataSettings,
    tls: Arc<rustls::ClientConfig>,
    name: ServerName<'static>,
    mut resources: watch::Receiver<Vec<Resource>>,
    state_dir: &Path,
) -> Result<(), String> {
    let (device, routes) = tun::Tun::open(&settings.tun, settings.tun_address)?;
    let mut mtu = device.capabilities().max_transmission_unit;
    let faults = settings.faults.map(faults::Faults::new);
    if let Some(injected) = &settings.faults {
        mtu = mtu.min(faults::MAX_PACKET);
        tracing::warn!(
            drop_pct = injected.drop_pct,
            corrupt_pct = injected.corrupt_pct,
            reorder_pct = injected.reorder_pct,
            seed = injected.seed,
            mtu,
            "data.faults: dropping, corrupting and reordering packets between the TUN and the stack (a testing aid)"
        );
    }
    // `AsyncFd` owns the device, so its descriptor outlives the registration: the I/O
    // safety `register` asks its caller to promise (behind `unsafe`, which the workspace
    // forbids) holds here.
    #[allow(deprecated)]
    let tun = AsyncFd::new(device).map_err(|e| format!("watching {}: {e}", settings.tun))?;
    let config = StackConfig { addresses: Vec::new(), mtu, limits: Limits::default(), flow_timeout: None };
    let mut disconnect = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::user_defined1())
        .map_err(|e| format!("listening for disconnect requests: {e}"))?;
    let flows = Flows::new(tunnel::Opener::new(settings.apptunnel.clone(), tls, name));
    let mut channel = DataChannel {
        stack: Stack::new(config, now()),
        tun,
        routes,
        flows,
        status_file: status_file(state_dir),
        settings,
        published: None,
        faults,
    };
    tracing::info!(
        tun = %channel.settings.tun,
        address = %channel.settings.tun_address,
        idle_secs = channel.settings.idle_secs,
        "data channel ready (closed until a protected destination is reached)"
    );
    let initial = resources.borrow_and_update().clone();
    channel.set_resources(initial);
    channel.publish();
    let wake = channel.flows.wake();
    loop {
        channel.turn();
        let idle = channel.settings.idle();
        if channel.flows.is_open() && channel.flows.last_activity().elapsed() >= idle {
            channel.close("idle");
        }
        let mut wait = channel.stack.poll_delay(now()).map_or(TICK, |d| Duration::from_micros(d.total_micros()));
        if channel.flows.is_open() {
            wait = wait.min(idle.saturating_sub(channel.flows.last_activity().elapsed()));
        }
        tokio::select! {
            ready = channel.tun.readable_mut() => {
                let mut guard = ready.map_err(|e| format!("reading {}: {e}", channel.settings.tun))?;
                guard.clear_ready();
                drop(guard);
                channel.drain_tun();
            }
            () = wake.notified() => {}
            () = tokio::time::sleep(wait.max(Duration::from_millis(1))) => {}
            changed = resources.changed() => {
                if changed.is_err() {
                    return Ok(());
                }
                let list = resources.borrow_and_update().clone();
                channel.set_resources(list);
            }
            _ = disconnect.recv() => channel.close("disconnected by the user"),
        }
    }
}

/// `postern-agent disconnect`: asks the running agent (its pid from the status) to close
/// the data channel. The text to print and the exit code.
pub(crate) fn request_disconnect(status: &Path) -> (String, u8) {
    let pid = std::fs::read_to_string(status)
        .ok()
        .and_then(|t| t.lines().find_map(|l| l.strip_prefix("pid ")).and_then(|p| p.trim().parse::<i32>().ok()));
    let Some(pid) = pid.filter(|p| Path::new(&format!("/proc/{p}")).exists()) else {
        return ("postern-agent is not running\n".into(), crate::status::exit::NOT_RUNNING);
    };
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGUSR1) {
        Ok(()) => ("Data channel: closing\n".into(), 0),
        Err(error) => (format!("postern-agent (pid {pid}) cannot be asked: {error}\n"), crate::status::exit::ERROR),
    }
}
