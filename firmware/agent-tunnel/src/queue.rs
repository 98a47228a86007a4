//! A `phy::Device` over two packet queues: the stack reads what the shell pushed from the
//! TUN and leaves what it sends for the shell to write to the TUN.

use smoltcp::phy::{self, Device, DeviceCapabilities, Medium};
use smoltcp::time::Instant;
use std::collections::VecDeque;

/// The most packets held in either direction; beyond, the oldest is dropped (TCP resends).
pub(crate) const QUEUE_PACKETS: usize = 1024;

/// The packet queues between the shell and the stack.
#[derive(Debug)]
pub(crate) struct Queue {
    pub(crate) inbound: VecDeque<Vec<u8>>,
    pub(crate) outbound: VecDeque<Vec<u8>>,
    mtu: usize,
}

impl Queue {
    pub(crate) fn new(mtu: usize) -> Self {
        Self { inbound: VecDeque::new(), outbound: VecDeque::new(), mtu }
    }
}

/// A packet handed to the stack.
pub(crate) struct Rx(Vec<u8>);

/// Room for one packet the stack sends.
pub(crate) struct Tx<'a>(&'a mut VecDeque<Vec<u8>>);

impl phy::RxToken for Rx {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

impl phy::TxToken for Tx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut packet = vec![0; len];
        let result = f(&mut packet);
        if self.0.len() >= QUEUE_PACKETS {
            self.0.pop_front();
        }
        self.0.push_back(packet);
        result
    }
}

impl Device for Queue {
    type RxToken<'a> = Rx;
    type TxToken<'a> = Tx<'a>;

    fn receive(&mut self, _: Instant) -> Option<(Rx, Tx<'_>)> {
        let packet = self.inbound.pop_front()?;
        Some((Rx(packet), Tx(&mut self.outbound)))
    }

    fn transmit(&mut self, _: Instant) -> Option<Tx<'_>> {
        Some(Tx(&mut self.outbound))
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ip;
        caps.max_transmission_unit = self.mtu;
        caps
    }
}
