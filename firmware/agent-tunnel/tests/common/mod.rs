//! A simulated endpoint for the relay's tests: a second smoltcp interface (the
//! endpoint's own TCP stack, where applications connect) wired to the [`Stack`] through
//! a link that `FaultInjector` damages and that can reorder packets. Time is simulated.

#![allow(dead_code, unreachable_pub)]

use postern_agent_tunnel::{Duration, Instant, Limits, Protected, Stack, StackConfig};
use postern_agent_wire::Resource;
use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::phy::{self, Device, DeviceCapabilities, FaultInjector, Medium};
use smoltcp::socket::tcp;
use smoltcp::wire::{HardwareAddress, IpAddress, IpCidr};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

/// The packets on the link: what the endpoint sent and what it is given.
#[derive(Default)]
pub struct Wire {
    pub to_stack: VecDeque<Vec<u8>>,
    pub to_endpoint: VecDeque<Vec<u8>>,
}

/// The endpoint's network device (the test also holds the wire).
#[derive(Default, Clone)]
pub struct Link(Rc<RefCell<Wire>>);

pub struct Rx(Vec<u8>);
pub struct Tx(Rc<RefCell<Wire>>);

impl phy::RxToken for Rx {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

impl phy::TxToken for Tx {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut packet = vec![0; len];
        let result = f(&mut packet);
        self.0.borrow_mut().to_stack.push_back(packet);
        result
    }
}

impl Device for Link {
    type RxToken<'a> = Rx;
    type TxToken<'a> = Tx;

    fn receive(&mut self, _: Instant) -> Option<(Rx, Tx)> {
        let packet = self.0.borrow_mut().to_endpoint.pop_front()?;
        Some((Rx(packet), Tx(self.0.clone())))
    }

    fn transmit(&mut self, _: Instant) -> Option<Tx> {
        Some(Tx(self.0.clone()))
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ip;
        caps.max_transmission_unit = 1500;
        caps
    }
}

/// Faults on the link: `FaultInjector`'s drop and corruption chances (percent, both
/// directions) and a chance (percent) that two packets swap places.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    pub drop_pct: u8,
    pub corrupt_pct: u8,
    pub reorder_pct: u32,
}

pub fn resource(prefix: &str, ports: &[u16], service: &str) -> Resource {
    Resource {
        name: format!("{service}-resource"),
        service: service.into(),
        prefixes: vec![prefix.parse().expect("prefix")],
        ports: ports.to_vec(),
        names: Vec::new(),
    }
}

/// The endpoint, the link and the stack under test.
pub struct World {
    pub now: Instant,
    pub endpoint: Interface,
    pub device: FaultInjector<Link>,
    pub wire: Link,
    pub sockets: SocketSet<'static>,
    pub stack: Stack,
    faults: Faults,
    seed: u32,
    next_port: u16,
    /// Packets the link carried (both ways).
    pub carried: usize,
}

impl World {
    pub fn new(resources: Vec<Resource>, limits: Limits, faults: Faults) -> Self {
        let now = Instant::from_millis(0);
        let wire = Link::default();
        let mut device = FaultInjector::new(wire.clone(), 0x5eed);
        device.set_drop_chance(faults.drop_pct);
        device.set_corrupt_chance(faults.corrupt_pct);
        let mut endpoint = Interface::new(Config::new(HardwareAddress::Ip), &mut device, now);
        endpoint.update_ip_addrs(|a| {
            a.push(IpCidr::new(IpAddress::v4(10, 0, 0, 2), 8)).expect("address");
        });
        let config = StackConfig {
            addresses: vec![IpCidr::new(IpAddress::v4(100, 64, 0, 1), 32)],
            mtu: 1500,
            limits,
            flow_timeout: None,
        };
        let mut stack = Stack::new(config, now);
        stack.set_protected(Protected::new(resources));
        Self {
            now,
            endpoint,
            device,
            wire,
            sockets: SocketSet::new(Vec::new()),
            stack,
            faults,
            seed: 7,
            next_port: 40000,
            carried: 0,
        }
    }

    fn chance(&mut self, pct: u32) -> bool {
        self.seed = self.seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        (self.seed >> 16) % 100 < pct
    }

    /// An application on the endpoint connects to `addr:port`.
    pub fn connect(&mut self, addr: [u8; 4], port: u16) -> SocketHandle {
        let buffer = || tcp::SocketBuffer::new(vec![0; 64 * 1024]);
        let mut socket = tcp::Socket::new(buffer(), buffer());
        self.next_port += 1;
        let remote = (IpAddress::v4(addr[0], addr[1], addr[2], addr[3]), port);
        socket.connect(self.endpoint.context(), remote, self.next_port).expect("connect");
        self.sockets.add(socket)
    }

    pub fn socket(&mut self, handle: SocketHandle) -> &mut tcp::Socket<'static> {
        self.sockets.get_mut(handle)
    }

    /// One round: both sides poll and the link carries packets (maybe reordered). Time
    /// moves 1 ms when packets moved, else to the next timer either side has.
    pub fn step(&mut self) {
        self.endpoint.poll(self.now, &mut self.device, &mut self.sockets);
        let mut moved = 0;
        let mut to_stack: Vec<Vec<u8>> = self.wire.0.borrow_mut().to_stack.drain(..).collect();
        if to_stack.len() > 1 && self.chance(self.faults.reorder_pct) {
            to_stack.swap(0, 1);
        }
        for packet in to_stack {
            moved += 1;
            self.stack.push_packet(packet);
        }
        self.stack.poll(self.now);
        let mut back = Vec::new();
        while let Some(packet) = self.stack.pop_packet() {
            back.push(packet);
        }
        if back.len() > 1 && self.chance(self.faults.reorder_pct) {
            back.swap(0, 1);
        }
        moved += back.len();
        self.carried += moved;
        self.wire.0.borrow_mut().to_endpoint.extend(back);
        let wait = if moved > 0 {
            Duration::from_millis(1)
        } else {
            let a = self.endpoint.poll_delay(self.now, &self.sockets).unwrap_or(Duration::from_millis(50));
            let b = self.stack.poll_delay(self.now).unwrap_or(Duration::from_millis(50));
            a.min(b).clamp(Duration::from_millis(1), Duration::from_millis(50))
        };
        self.now += wait;
    }
}
