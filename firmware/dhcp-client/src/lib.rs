//! A DHCPv4 client for the appliance's interfaces.
//!
//! [`wire`] parses and emits DHCP messages, [`machine`] is the client's state machine
//! without I/O (RFC 2131: discover, request, bound, renewing at T1, rebinding at T2,
//! expiry, retransmission with back-off), [`lease_file`] the record of a lease that the CLI
//! reads, and [`shell`] runs a client on a UDP socket bound to its interface, applying
//! leases through a [`shell::LeaseSink`].

pub mod lease_file;
pub mod machine;
pub mod shell;
pub mod sink;
pub mod slaac;
pub mod wire;
