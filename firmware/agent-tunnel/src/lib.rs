//! The endpoint agent's user-space TCP relay, sans I/O. A smoltcp interface in any-IP
//! mode sits on the agent's TUN interface: a TCP SYN to a protected destination (a
//! resource's prefix and port) gets a socket that completes the handshake, and the
//! flow's bytes are handed to the shell, which relays them through an AppTunnel to the
//! gateway. A SYN to any other destination, or beyond the flow limits, is answered with
//! a reset; a flow the gateway refuses is reset when the shell says so. UDP is not
//! carried: the stack answers it with ICMP destination unreachable (protocol).
//!
//! The shell pushes packets read from the TUN ([`Stack::push_packet`]), calls
//! [`Stack::poll`], writes what [`Stack::pop_packet`] returns to the TUN, and moves bytes
//! between each flow ([`Stack::recv`], [`Stack::send`]) and its tunnel.

mod inspect;
mod policy;
mod queue;
mod stack;

pub use policy::Protected;
pub use smoltcp::time::{Duration, Instant};
pub use stack::{Event, Flow, FlowId, Limits, Stack, StackConfig};
