//! The AppTunnel proxy behind the real TLS front end, with device certificates, a static
//! UEM and TCP back ends on loopback.

mod harness;

mod cuts;
mod decisions;
mod device_limit;
mod http_proxy;
mod identity;
mod idle_timeout;
mod routing;
