//! The DHCPv4 client's states and transitions (RFC 2131 section 4.4), without I/O: the shell
//! feeds it received messages and the time, and carries out the [`Event`]s it returns.

use crate::wire::{MessageType, Repr};
use std::net::Ipv4Addr;
use std::time::Duration;

/// First retransmission delay while looking for a lease; it doubles up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_secs(4);
/// Longest delay between two retransmissions while looking for a lease.
pub const MAX_BACKOFF: Duration = Duration::from_secs(64);
/// Shortest delay between two requests while renewing or rebinding (RFC 2131 4.4.5).
pub const MIN_RENEW_INTERVAL: Duration = Duration::from_secs(60);
/// Requests sent for one offer before looking for servers again.
pub const REQUEST_ATTEMPTS: u32 = 4;
/// The limited broadcast address.
pub const BROADCAST: Ipv4Addr = Ipv4Addr::BROADCAST;

/// An address lease granted by a server; times are on the shell's monotonic clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The address.
    pub address: Ipv4Addr,
    /// Its prefix length, from the subnet mask (32 when the server gives none).
    pub prefix: u8,
    /// The default router, if the server gives one.
    pub router: Option<Ipv4Addr>,
    /// DNS servers, in the server's order.
    pub dns_servers: Vec<Ipv4Addr>,
    /// The server that granted it.
    pub server: Ipv4Addr,
    /// When the acknowledgement came.
    pub obtained: Duration,
    /// T1: when to start renewing with the server.
    pub renew_at: Duration,
    /// T2: when to start asking any server.
    pub rebind_at: Duration,
    /// When the address must no longer be used.
    pub expires_at: Duration,
}

impl Lease {
    /// The lease an acknowledgement grants at `now`, or `None` when it lacks the address,
    /// the server or the lease time. T1 and T2 default to 1/2 and 7/8 of the lease
    /// (RFC 2131 4.4.5), and are made to keep T1 <= T2 <= expiry.
    pub fn from_ack(ack: &Repr, now: Duration) -> Option<Self> {
        let lease = u64::from(ack.lease_secs?);
        if ack.your_address.is_unspecified() {
            return None;
        }
        let expires = lease;
        let rebind = ack.rebinding_secs.map_or(lease * 7 / 8, u64::from).min(expires);
        let renew = ack.renewal_secs.map_or(lease / 2, u64::from).min(rebind);
        Some(Self {
            address: ack.your_address,
            prefix: ack.subnet_mask.map_or(32, |m| u8::try_from(m.to_bits().count_ones()).unwrap_or(32)),
            router: ack.router,
            dns_servers: ack.dns_servers.clone(),
            server: ack.server_id?,
            obtained: now,
            renew_at: now + Duration::from_secs(renew),
            rebind_at: now + Duration::from_secs(rebind),
            expires_at: now + Duration::from_secs(expires),
        })
    }
}

/// Where the client is in RFC 2131's state diagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Broadcasting DISCOVERs, waiting for an offer.
    Selecting,
    /// Broadcasting a REQUEST for this offer, waiting for the acknowledgement.
    Requesting(Box<Repr>),
    /// Holding a lease until T1.
    Bound,
    /// Past T1: asking the server that granted the lease.
    Renewing,
    /// Past T2: asking any server.
    Rebinding,
}

/// What the shell must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Send this message to port 67 of `to`.
    Send {
        /// The message.
        message: Repr,
        /// The server, or [`BROADCAST`].
        to: Ipv4Addr,
    },
    /// Use this lease (new, or renewed with possibly other settings).
    Bound(Lease),
    /// Stop using this lease's address and router: it expired or a server refused it.
    Lost(Lease),
}

/// A DHCPv4 client for one interface.
#[derive(Debug, Clone)]
pub struct Client {
    mac: [u8; 6],
    xid: u32,
    state: State,
    lease: Option<Lease>,
    attempts: u32,
    next_send: Duration,
}

impl Client {
    /// A client for the interface with hardware address `mac`, starting to look for a lease
    /// at `now`; `xid` seeds its transaction ids.
    pub fn new(mac: [u8; 6], xid: u32, now: Duration) -> Self {
        Self { mac, xid, state: State::Selecting, lease: None, attempts: 0, next_send: now }
    }

    /// The current state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The lease held, if any.
    pub fn lease(&self) -> Option<&Lease> {
        self.lease.as_ref()
    }

    /// When [`Client::poll`] must next be called, received messages aside.
    pub fn next_wakeup(&self) -> Duration {
        self.lease.as_ref().map_or(self.next_send, |lease| self.next_send.min(lease.expires_at))
    }

    /// Moves on with time: lease expiry, T1, T2, and the (re)transmissions due at `now`.
    pub fn poll(&mut self, now: Duration) -> Vec<Event> {
        let mut events = Vec::new();
        if let Some(lease) = self.lease.clone() {
            if now >= lease.expires_at {
                self.lease = None;
                events.push(Event::Lost(lease));
                self.restart(now);
            } else if now >= lease.rebind_at && matches!(self.state, State::Bound | State::Renewing) {
                self.enter(State::Rebinding, now);
            } else if now >= lease.renew_at && self.state == State::Bound {
                self.enter(State::Renewing, now);
            }
        }
        if now >= self.next_send {
            self.transmit(now, &mut events);
        }
        events
    }

    /// Handles a message from a server at `now`; anything not for this client's current
    /// transaction is ignored.
    pub fn receive(&mut self, now: Duration, message: &Repr) -> Vec<Event> {
        if message.xid != self.xid || message.client_mac != self.mac {
            return Vec::new();
        }
        let mut events = Vec::new();
        match (&self.state, message.message_type) {
            (State::Selecting, MessageType::Offer)
                if message.server_id.is_some() && !message.your_address.is_unspecified() =>
            {
                self.enter(State::Requesting(Box::new(message.clone())), now);
            }
            (State::Requesting(_) | State::Renewing | State::Rebinding, MessageType::Ack) => {
                let Some(lease) = Lease::from_ack(message, now) else { return events };
                self.next_send = lease.renew_at;
                self.lease = Some(lease.clone());
                self.state = State::Bound;
                self.attempts = 0;
                events.push(Event::Bound(lease));
            }
            (State::Requesting(_) | State::Renewing | State::Rebinding, MessageType::Nak) => {
                if let Some(lease) = self.lease.take() {
                    events.push(Event::Lost(lease));
                }
                self.restart(now);
            }
            _ => return events,
        }
        events.extend(self.poll(now));
        events
    }

    fn enter(&mut self, state: State, now: Duration) {
        self.state = state;
        self.attempts = 0;
        self.next_send = now;
    }

    /// Back to looking for a lease, under a new transaction id.
    fn restart(&mut self, now: Duration) {
        self.xid = self.xid.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        self.enter(State::Selecting, now);
    }

    fn transmit(&mut self, now: Duration, events: &mut Vec<Event>) {
        if matches!(self.state, State::Requesting(_)) && self.attempts >= REQUEST_ATTEMPTS {
            self.restart(now);
        }
        let mut message = Repr::request(MessageType::Request, self.xid, self.mac);
        let to = match &self.state {
            State::Bound => {
                self.next_send = self.lease.as_ref().map_or(now, |l| l.renew_at);
                return;
            }
            State::Selecting => {
                message.message_type = MessageType::Discover;
                message.broadcast = true;
                BROADCAST
            }
            State::Requesting(offer) => {
                message.broadcast = true;
                message.requested_address = Some(offer.your_address);
                message.server_id = offer.server_id;
                BROADCAST
            }
            State::Renewing | State::Rebinding => {
                let Some(lease) = &self.lease else { return self.restart(now) };
                message.client_address = lease.address;
                if self.state == State::Renewing { lease.server } else { BROADCAST }
            }
        };
        self.next_send = match (&self.state, &self.lease) {
            (State::Renewing, Some(lease)) => later_half(now, lease.rebind_at),
            (State::Rebinding, Some(lease)) => later_half(now, lease.expires_at),
            _ => now + backoff(self.attempts),
        };
        self.attempts += 1;
        events.push(Event::Send { message, to });
    }
}

/// The delay before retransmission `attempt` (0-based) while looking for a lease.
pub fn backoff(attempt: u32) -> Duration {
    FIRST_BACKOFF.saturating_mul(1 << attempt.min(5)).min(MAX_BACKOFF)
}

/// Half the time left until `deadline`, at least a minute, never past `deadline`.
fn later_half(now: Duration, deadline: Duration) -> Duration {
    let half = deadline.saturating_sub(now) / 2;
    (now + half.max(MIN_RENEW_INTERVAL)).min(deadline)
}
