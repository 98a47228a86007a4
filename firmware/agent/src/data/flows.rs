//! The data channel's flows: one AppTunnel task per flow, the bytes between each flow's
//! socket in the stack and its tunnel, and whether the channel is open.

use super::tunnel::{self, FromGateway, Opener};
use postern_agent_tunnel::{Flow, FlowId, Stack};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

/// Chunks queued per flow and direction between the stack and the tunnel.
const QUEUED_CHUNKS: usize = 8;
/// The largest chunk taken from the stack at once.
const CHUNK: usize = 16 * 1024;

struct FlowIo {
    /// Bytes for the gateway; `None` once the endpoint finished.
    to_gateway: Option<mpsc::Sender<Vec<u8>>>,
    from_gateway: mpsc::Receiver<FromGateway>,
    /// Bytes from the gateway that did not fit in the flow's buffer yet.
    pending: Vec<u8>,
    /// The gateway finished; the FIN follows the pending bytes.
    finished: bool,
    fin_sent: bool,
    task: JoinHandle<()>,
}

/// The flows and the channel's state.
pub(super) struct Flows {
    template: Opener,
    /// The open channel's tunnel opener (its TLS session cache); `None` when closed.
    session: Option<Opener>,
    io: HashMap<FlowId, FlowIo>,
    wake: Arc<Notify>,
    last_activity: Instant,
}

impl Flows {
    pub(super) fn new(template: Opener) -> Self {
        Self {
            template,
            session: None,
            io: HashMap::new(),
            wake: Arc::new(Notify::new()),
            last_activity: Instant::now(),
        }
    }

    /// What tunnel tasks signal when they have bytes for the stack or took some.
    pub(super) fn wake(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Whether the channel is open.
    pub(super) fn is_open(&self) -> bool {
        self.session.is_some()
    }

    /// When a byte last crossed the channel (or a flow opened).
    pub(super) fn last_activity(&self) -> Instant {
        self.last_activity
    }

    /// Starts the tunnel of an accepted flow, opening the channel if it was closed.
    pub(super) fn open(&mut self, flow: Flow) {
        let opener = match &self.session {
            Some(opener) => opener.clone(),
            None => {
                tracing::info!(destination = %flow.destination, service = %flow.service, "data channel opened");
                let opener = self.template.fresh();
                self.session = Some(opener.clone());
                opener
            }
        };
        tracing::info!(
            client = %flow.client,
            destination = %flow.destination,
            resource = %flow.resource,
            service = %flow.service,
            "flow accepted"
        );
        let (to_gateway, from_stack) = mpsc::channel(QUEUED_CHUNKS);
        let (to_stack, from_gateway) = mpsc::channel(QUEUED_CHUNKS);
        let task = tokio::spawn(tunnel::relay(opener, flow.destination, from_stack, to_stack, self.wake.clone()));
        let io = FlowIo {
            to_gateway: Some(to_gateway),
            from_gateway,
            pending: Vec::new(),
            finished: false,
            fin_sent: false,
            task,
        };
        self.io.insert(flow.id, io);
        self.last_activity = Instant::now();
    }

    /// Drops a flow's tunnel (the flow is gone or being reset).
    pub(super) fn forget(&mut self, id: FlowId) {
        if let Some(io) = self.io.remove(&id) {
            io.task.abort();
        }
    }

    /// Closes the channel: every tunnel dropped, the TLS session forgotten.
    pub(super) fn close(&mut self) {
        for (_, io) in self.io.drain() {
            io.task.abort();
        }
        self.session = None;
    }

    /// Moves bytes between every flow and its tunnel; resets flows whose tunnel was
    /// refused or broke.
    pub(super) fn pump(&mut self, stack: &mut Stack) {
        let mut moved = false;
        let mut resets = Vec::new();
        for (id, io) in &mut self.io {
            if let Some(to_gateway) = &io.to_gateway {
                loop {
                    let permit = match to_gateway.try_reserve() {
                        Ok(permit) => permit,
                        Err(TrySendError::Full(())) | Err(TrySendError::Closed(())) => break,
                    };
                    let mut chunk = vec![0u8; CHUNK];
                    let n = stack.recv(*id, &mut chunk);
                    if n == 0 {
                        break;
                    }
                    chunk.truncate(n);
                    permit.send(chunk);
                    moved = true;
                }
                if stack.client_finished(*id) {
                    io.to_gateway = None;
                }
            }
            loop {
                if !io.pending.is_empty() {
                    let n = stack.send(*id, &io.pending);
                    io.pending.drain(..n);
                    moved |= n > 0;
                    if !io.pending.is_empty() {
                        break;
                    }
                }
                if io.finished {
                    break;
                }
                match io.from_gateway.try_recv() {
                    Ok(FromGateway::Data(data)) => io.pending = data,
                    Ok(FromGateway::Finished) => io.finished = true,
                    Ok(FromGateway::Reset(reason)) => {
                        resets.push((*id, reason));
                        break;
                    }
                    Err(_) => break,
                }
            }
            if io.finished && io.pending.is_empty() && !io.fin_sent {
                stack.finish(*id);
                io.fin_sent = true;
            }
        }
        for (id, reason) in resets {
            stack.reset(id, &reason);
            self.forget(id);
        }
        if moved {
            self.last_activity = Instant::now();
        }
    }
}
