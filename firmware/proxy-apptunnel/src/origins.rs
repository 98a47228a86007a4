//! Which tunnel opened each back-end connection, for a listener of this gateway that is
//! itself a tunnel's back end (the federation listener): it sees a connection from the
//! proxy and asks which device and app are behind it.
//!
//! A connection is known by its two addresses, as both ends see them: the proxy's side
//! (local, remote) is the listener's (peer, local). No other process can hold a connection
//! with the same two addresses while this one is open, so an entry cannot be claimed by a
//! connection the proxy did not make. An entry lives exactly as long as its tunnel.

use postern_decision::TunnelKey;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::net::TcpStream;

/// The device and app of a tunnel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TunnelOrigin {
    /// The UEM's id of the device whose certificate opened the tunnel.
    pub uem_device_id: String,
    /// The app that named itself in the tunnel's request.
    pub app: String,
    /// The address the tunnel's client connected from.
    pub client: SocketAddr,
}

type Addresses = (SocketAddr, SocketAddr);

/// The back-end connections of the open tunnels, by their addresses.
#[derive(Debug, Clone, Default)]
pub struct TunnelOrigins {
    by_addresses: Arc<Mutex<HashMap<Addresses, TunnelOrigin>>>,
}

impl TunnelOrigins {
    /// The tunnel behind a connection a listener of this gateway accepted from `peer` on
    /// `local`; `None` when no open tunnel made it.
    pub fn lookup(&self, peer: SocketAddr, local: SocketAddr) -> Option<TunnelOrigin> {
        self.map().get(&(peer, local)).cloned()
    }

    /// How many back-end connections of open tunnels are known.
    pub fn len(&self) -> usize {
        self.map().len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.map().is_empty()
    }

    /// Records `stream` as opened for `key` by a client at `client`; the entry goes when the guard is dropped.
    /// `None` when the stream's addresses cannot be read (it is then never looked up).
    pub(crate) fn register(&self, stream: &TcpStream, key: &TunnelKey, client: SocketAddr) -> Option<OriginGuard> {
        let addresses = (stream.local_addr().ok()?, stream.peer_addr().ok()?);
        let origin = TunnelOrigin {
            uem_device_id: key.uem_device_id.as_str().to_owned(),
            app: key.app_id.as_str().to_owned(),
            client,
        };
        self.map().insert(addresses, origin);
        Some(OriginGuard { origins: self.clone(), addresses })
    }

    fn map(&self) -> MutexGuard<'_, HashMap<Addresses, TunnelOrigin>> {
        self.by_addresses.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One recorded back-end connection; dropping it forgets the connection.
#[derive(Debug)]
pub(crate) struct OriginGuard {
    origins: TunnelOrigins,
    addresses: Addresses,
}

impl Drop for OriginGuard {
    fn drop(&mut self) {
        self.origins.map().remove(&self.addresses);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
    use super::*;
    use postern_decision::UemDeviceId;
    use postern_device_cache::{AppId, ServiceName};

    #[tokio::test]
    async fn a_connection_is_found_by_its_addresses_from_the_other_end_until_its_tunnel_ends() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (accepted, peer) = listener.accept().await.unwrap();
        let local = accepted.local_addr().unwrap();
        let origins = TunnelOrigins::default();
        assert_eq!(origins.lookup(peer, local), None);
        let key = TunnelKey {
            uem_device_id: UemDeviceId::new("uem-0001").unwrap(),
            app_id: AppId::new("com.example.browser").unwrap(),
            service: ServiceName::new("sso").unwrap(),
        };
        let client: SocketAddr = "192.0.2.7:50000".parse().unwrap();
        let guard = origins.register(&stream, &key, client).expect("addresses");
        let found = origins.lookup(peer, local).expect("registered");
        assert_eq!(found, TunnelOrigin { uem_device_id: "uem-0001".into(), app: "com.example.browser".into(), client });
        assert_eq!(origins.lookup(local, peer), None, "the proxy's own view is not the listener's");
        drop(guard);
        assert!(origins.is_empty());
        assert_eq!(origins.lookup(peer, local), None);
    }
}
