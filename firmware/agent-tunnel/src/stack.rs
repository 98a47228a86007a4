//! The stack: a smoltcp interface over the packet queues, one TCP socket per accepted
//! flow, the limits, and the events the shell acts on.

use crate::inspect::{self, Syn};
use crate::policy::Protected;
use crate::queue::Queue;
use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::socket::tcp;
use smoltcp::time::{Duration, Instant};
use smoltcp::wire::{HardwareAddress, IpCidr, IpListenEndpoint};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;

/// Bounds on what the stack holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Flows open at once, in total.
    pub flows: usize,
    /// Flows open at once to one destination address and port.
    pub flows_per_destination: usize,
    /// Bytes buffered per flow and direction (the TCP window the endpoint sees).
    pub buffer: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { flows: 512, flows_per_destination: 128, buffer: 64 * 1024 }
    }
}

/// How the stack is set up.
#[derive(Debug, Clone)]
pub struct StackConfig {
    /// The TUN interface's own addresses.
    pub addresses: Vec<IpCidr>,
    /// The TUN's MTU.
    pub mtu: usize,
    /// The bounds.
    pub limits: Limits,
    /// How long a flow may go without a word from the endpoint before it is closed
    /// (TCP keep-alive is sent at a third of it); `None` keeps quiet flows.
    pub flow_timeout: Option<Duration>,
}

/// A flow's id, valid until its [`Event::Closed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowId(SocketHandle);

/// An accepted flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    /// Its id.
    pub id: FlowId,
    /// The endpoint's side (an application on this machine).
    pub client: SocketAddr,
    /// The protected destination it connected to.
    pub destination: SocketAddr,
    /// The resource's name.
    pub resource: String,
    /// The AppTunnel service that carries it.
    pub service: String,
}

/// What changed at a poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A handshake completed: relay this flow.
    Opened(Flow),
    /// The flow is gone (closed both ways, reset or timed out); drop its tunnel.
    Closed(FlowId),
}

#[derive(Debug)]
struct Entry {
    flow: Flow,
    opened: bool,
}

/// The user-space TCP relay's core.
pub struct Stack {
    iface: Interface,
    queue: Queue,
    sockets: SocketSet<'static>,
    entries: HashMap<SocketHandle, Entry>,
    protected: Protected,
    config: StackConfig,
    events: VecDeque<Event>,
}

impl std::fmt::Debug for Stack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stack").field("flows", &self.entries.len()).finish_non_exhaustive()
    }
}

impl Stack {
    /// A stack with no protected destinations yet.
    pub fn new(config: StackConfig, now: Instant) -> Self {
        let mut queue = Queue::new(config.mtu);
        let mut iface = Interface::new(Config::new(HardwareAddress::Ip), &mut queue, now);
        iface.set_any_ip(true);
        iface.update_ip_addrs(|addrs| {
            for cidr in &config.addresses {
                let _ = addrs.push(*cidr);
            }
        });
        Self {
            iface,
            queue,
            sockets: SocketSet::new(Vec::new()),
            entries: HashMap::new(),
            protected: Protected::default(),
            config,
            events: VecDeque::new(),
        }
    }

    /// Replaces the protected destinations; open flows are left to the gateway's decision.
    pub fn set_protected(&mut self, protected: Protected) {
        self.protected = protected;
    }

    /// The protected destinations.
    pub fn protected(&self) -> &Protected {
        &self.protected
    }

    /// A packet read from the TUN.
    pub fn push_packet(&mut self, packet: Vec<u8>) {
        if let Some(syn) = inspect::syn(&packet) {
            self.admit(syn);
        }
        if self.queue.inbound.len() >= crate::queue::QUEUE_PACKETS {
            self.queue.inbound.pop_front();
        }
        self.queue.inbound.push_back(packet);
    }

    /// A packet to write to the TUN.
    pub fn pop_packet(&mut self) -> Option<Vec<u8>> {
        self.queue.outbound.pop_front()
    }

    /// Opens a listening socket for a new flow to a protected destination; a SYN that
    /// finds none is reset by the interface.
    fn admit(&mut self, syn: Syn) {
        let known = self.entries.values().any(|e| e.flow.client == syn.client && e.flow.destination == syn.destination);
        if known {
            return;
        }
        let Some(resource) = self.protected.lookup(syn.destination) else {
            tracing::info!(client = %syn.client, destination = %syn.destination, "flow reset: the destination is not protected");
            return;
        };
        let limits = self.config.limits;
        let to_destination = self.entries.values().filter(|e| e.flow.destination == syn.destination).count();
        if self.entries.len() >= limits.flows || to_destination >= limits.flows_per_destination {
            tracing::warn!(
                client = %syn.client,
                destination = %syn.destination,
                flows = self.entries.len(),
                to_destination,
                "flow reset: too many flows"
            );
            return;
        }
        let (resource, service) = (resource.name.clone(), resource.service.clone());
        let buffer = || tcp::SocketBuffer::new(vec![0; limits.buffer]);
        let mut socket = tcp::Socket::new(buffer(), buffer());
        socket.set_nagle_enabled(false);
        socket.set_timeout(self.config.flow_timeout);
        socket.set_keep_alive(self.config.flow_timeout.map(|t| t / 3));
        let endpoint = IpListenEndpoint { addr: Some(syn.destination.ip().into()), port: syn.destination.port() };
        if let Err(error) = socket.listen(endpoint) {
            tracing::warn!(destination = %syn.destination, %error, "flow reset: cannot listen");
            return;
        }
        let handle = self.sockets.add(socket);
        let flow = Flow { id: FlowId(handle), client: syn.client, destination: syn.destination, resource, service };
        self.entries.insert(handle, Entry { flow, opened: false });
    }

    /// Runs the stack: processes pushed packets, sends what is due, and notes flows that
    /// opened or closed ([`Stack::next_event`]).
    pub fn poll(&mut self, now: Instant) {
        self.iface.poll(now, &mut self.queue, &mut self.sockets);
        let mut gone = Vec::new();
        for (handle, entry) in &mut self.entries {
            let socket = self.sockets.get::<tcp::Socket<'_>>(*handle);
            match socket.state() {
                // A listener whose SYN was refused by the interface (damaged) or reset.
                tcp::State::Listen | tcp::State::Closed | tcp::State::TimeWait => gone.push(*handle),
                tcp::State::SynReceived => {}
                _ if !entry.opened => {
                    entry.opened = true;
                    self.events.push_back(Event::Opened(entry.flow.clone()));
                }
                _ => {}
            }
        }
        for handle in gone {
            if let Some(entry) = self.entries.remove(&handle) {
                if entry.opened {
                    self.events.push_back(Event::Closed(entry.flow.id));
                }
            }
            self.sockets.remove(handle);
        }
    }

    /// The next flow that opened or closed.
    pub fn next_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// How long the shell may wait before the next [`Stack::poll`] if nothing arrives.
    pub fn poll_delay(&mut self, now: Instant) -> Option<Duration> {
        self.iface.poll_delay(now, &self.sockets)
    }

    fn socket(&mut self, id: FlowId) -> Option<&mut tcp::Socket<'static>> {
        self.entries.contains_key(&id.0).then(|| self.sockets.get_mut::<tcp::Socket<'static>>(id.0))
    }

    /// Takes bytes the endpoint sent on `id` (to carry to the gateway) into `buf`.
    pub fn recv(&mut self, id: FlowId, buf: &mut [u8]) -> usize {
        self.socket(id).and_then(|s| s.recv_slice(buf).ok()).unwrap_or(0)
    }

    /// Whether the endpoint closed its side of `id` and every byte it sent was taken.
    pub fn client_finished(&mut self, id: FlowId) -> bool {
        self.socket(id).is_none_or(|s| !s.may_recv() && s.recv_queue() == 0)
    }

    /// Queues bytes from the gateway for the endpoint; returns how many fit (the rest
    /// waits: the flow's buffer is full).
    pub fn send(&mut self, id: FlowId, data: &[u8]) -> usize {
        self.socket(id).filter(|s| s.may_send()).and_then(|s| s.send_slice(data).ok()).unwrap_or(0)
    }

    /// Room in `id`'s buffer towards the endpoint.
    pub fn send_room(&mut self, id: FlowId) -> usize {
        self.socket(id).filter(|s| s.may_send()).map_or(0, |s| s.send_capacity() - s.send_queue())
    }

    /// The gateway closed its side: the endpoint gets a FIN after the queued bytes.
    pub fn finish(&mut self, id: FlowId) {
        if let Some(socket) = self.socket(id) {
            socket.close();
        }
    }

    /// Resets `id` (the gateway refused or cut it, or the data channel closed).
    pub fn reset(&mut self, id: FlowId, reason: &str) {
        if let Some(entry) = self.entries.get(&id.0) {
            tracing::info!(
                client = %entry.flow.client,
                destination = %entry.flow.destination,
                service = %entry.flow.service,
                reason,
                "flow reset"
            );
        }
        if let Some(socket) = self.socket(id) {
            socket.abort();
        }
    }

    /// The flows open or opening.
    pub fn flows(&self) -> impl Iterator<Item = &Flow> {
        self.entries.values().map(|e| &e.flow)
    }

    /// How many flows are open or opening.
    pub fn flow_count(&self) -> usize {
        self.entries.len()
    }
}
