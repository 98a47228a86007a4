//! The AppTunnel proxy behind the real TLS front end, with device certificates, a static
//! UEM and TCP back ends on loopback.

mod harness;

mod cuts;
mod decisions;
mod identity;
mod idle_timeout;
mod routing;
