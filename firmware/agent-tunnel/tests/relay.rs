//! The relay core against a simulated endpoint: bytes arrive intact through loss,
//! corruption and reordering; unprotected destinations, flows beyond the limits and
//! flows the gateway refuses are reset, never left hanging.

mod common;

use common::{Faults, World, resource};
use postern_agent_tunnel::{Event, FlowId, Limits};
use smoltcp::socket::tcp::State;
use std::collections::HashMap;

/// Deterministic bytes that differ at every offset modulo a prime.
fn pattern(len: usize, salt: u8) -> Vec<u8> {
    (0..len).map(|i| ((i * 31 + i / 251) as u8) ^ salt).collect()
}

/// Sends `len` bytes from the endpoint to 10.200.0.5:80, the test's relay echoes every
/// byte back (as a gateway would answer), and the endpoint reads the echo. Returns the
/// packets the link carried.
fn echo_through(faults: Faults, len: usize) -> usize {
    let mut world = World::new(vec![resource("10.200.0.0/24", &[80], "crm")], Limits::default(), faults);
    let client = world.connect([10, 200, 0, 5], 80);
    let sent = pattern(len, 0x5a);
    let (mut written, mut echoed, mut received) = (0, Vec::new(), Vec::new());
    let mut relayed: HashMap<FlowId, Vec<u8>> = HashMap::new();
    let mut opened = Vec::new();
    for _ in 0..2_000_000 {
        world.step();
        while let Some(event) = world.stack.next_event() {
            if let Event::Opened(flow) = event {
                assert_eq!(flow.service, "crm");
                assert_eq!(flow.destination.to_string(), "10.200.0.5:80");
                relayed.insert(flow.id, Vec::new());
                opened.push(flow.id);
            }
        }
        let socket = world.socket(client);
        if socket.can_send() && written < sent.len() {
            written += socket.send_slice(&sent[written..]).expect("send");
        }
        if socket.can_recv() {
            socket
                .recv(|data| {
                    received.extend_from_slice(data);
                    (data.len(), ())
                })
                .expect("recv");
        }
        for (id, pending) in &mut relayed {
            let mut buf = [0u8; 4096];
            let n = world.stack.recv(*id, &mut buf);
            echoed.extend_from_slice(&buf[..n]);
            pending.extend_from_slice(&buf[..n]);
            let taken = world.stack.send(*id, pending);
            pending.drain(..taken);
        }
        if received.len() == len {
            break;
        }
    }
    assert_eq!(opened.len(), 1, "one flow opened");
    assert_eq!(echoed.len(), len, "the relay got every byte");
    assert!(echoed == sent, "the relay got the bytes in order and intact");
    assert!(received == sent, "the endpoint got the echo intact");
    world.carried
}

#[test]
fn bytes_arrive_intact_over_a_clean_link() {
    echo_through(Faults::default(), 1 << 20);
}

#[test]
fn bytes_arrive_intact_through_loss_corruption_and_reordering() {
    let clean = echo_through(Faults::default(), 256 * 1024);
    let faulty = echo_through(Faults { drop_pct: 5, corrupt_pct: 5, reorder_pct: 20 }, 256 * 1024);
    assert!(faulty > clean + clean / 20, "the faults cost resends: {faulty} packets against {clean}");
}

/// Steps until the endpoint's socket is closed; the steps it took.
fn steps_until_closed(world: &mut World, handle: smoltcp::iface::SocketHandle) -> usize {
    for step in 0..200 {
        world.step();
        if world.socket(handle).state() == State::Closed {
            return step;
        }
    }
    panic!("the connection was left hanging: {}", world.socket(handle).state());
}

#[test]
fn unprotected_destinations_are_reset_at_once() {
    let mut world = World::new(vec![resource("10.200.0.0/24", &[80], "crm")], Limits::default(), Faults::default());
    let other_port = world.connect([10, 200, 0, 5], 22);
    let other_net = world.connect([10, 9, 9, 9], 80);
    assert!(steps_until_closed(&mut world, other_port) < 5);
    assert!(steps_until_closed(&mut world, other_net) < 5);
    assert_eq!(world.stack.flow_count(), 0);
    assert_eq!(world.stack.next_event(), None);
}

#[test]
fn flows_beyond_the_limits_are_reset() {
    let limits = Limits { flows: 3, flows_per_destination: 2, buffer: 4096 };
    let resources = vec![resource("10.200.0.0/24", &[], "crm")];
    let mut world = World::new(resources, limits, Faults::default());
    let first = [world.connect([10, 200, 0, 5], 80), world.connect([10, 200, 0, 5], 80)];
    for _ in 0..5 {
        world.step();
    }
    assert!(first.iter().all(|h| world.sockets.get::<smoltcp::socket::tcp::Socket<'_>>(*h).is_active()));
    let third_to_same = world.connect([10, 200, 0, 5], 80);
    assert!(steps_until_closed(&mut world, third_to_same) < 5, "per destination");
    let elsewhere = world.connect([10, 200, 0, 6], 80);
    for _ in 0..5 {
        world.step();
    }
    assert_eq!(world.socket(elsewhere).state(), State::Established);
    let beyond_total = world.connect([10, 200, 0, 7], 80);
    assert!(steps_until_closed(&mut world, beyond_total) < 5, "in total");
    assert_eq!(world.stack.flow_count(), 3);
}

#[test]
fn a_flow_the_gateway_refuses_is_reset_and_reported_closed() {
    let mut world = World::new(vec![resource("10.200.0.0/24", &[80], "crm")], Limits::default(), Faults::default());
    let client = world.connect([10, 200, 0, 5], 80);
    let mut flow = None;
    for _ in 0..10 {
        world.step();
        if let Some(Event::Opened(opened)) = world.stack.next_event() {
            flow = Some(opened.id);
        }
    }
    let flow = flow.expect("the flow opened");
    world.stack.reset(flow, "refused by the gateway");
    assert!(steps_until_closed(&mut world, client) < 5);
    assert_eq!(world.stack.next_event(), Some(Event::Closed(flow)));
    assert_eq!(world.stack.flow_count(), 0);
}

#[test]
fn closes_travel_both_ways() {
    let mut world = World::new(vec![resource("10.200.0.0/24", &[80], "crm")], Limits::default(), Faults::default());
    let client = world.connect([10, 200, 0, 5], 80);
    let mut flow = None;
    for _ in 0..10 {
        world.step();
        if let Some(Event::Opened(opened)) = world.stack.next_event() {
            flow = Some(opened.id);
        }
    }
    let flow = flow.expect("the flow opened");
    world.socket(client).close();
    for _ in 0..5 {
        world.step();
    }
    assert!(world.stack.client_finished(flow), "the endpoint's FIN is seen");
    assert_eq!(world.stack.send(flow, b"last words"), 10, "the gateway may still answer");
    world.stack.finish(flow);
    let mut got = Vec::new();
    for _ in 0..20 {
        world.step();
        let socket = world.socket(client);
        if socket.can_recv() {
            socket
                .recv(|d| {
                    got.extend_from_slice(d);
                    (d.len(), ())
                })
                .expect("recv");
        }
    }
    assert_eq!(got, b"last words");
    assert!(matches!(world.socket(client).state(), State::TimeWait | State::Closed));
    assert_eq!(world.stack.next_event(), Some(Event::Closed(flow)));
}

#[test]
fn udp_is_not_carried_and_is_answered_unreachable() {
    use smoltcp::phy::ChecksumCapabilities;
    use smoltcp::wire::{IpProtocol, Ipv4Address, Ipv4Packet, Ipv4Repr, UdpPacket, UdpRepr};
    let mut world = World::new(vec![resource("10.200.0.0/24", &[], "crm")], Limits::default(), Faults::default());
    let (src, dst) = (Ipv4Address::new(10, 0, 0, 2), Ipv4Address::new(10, 200, 0, 5));
    let udp = UdpRepr { src_port: 5353, dst_port: 53 };
    let ip = Ipv4Repr { src_addr: src, dst_addr: dst, next_header: IpProtocol::Udp, payload_len: 8 + 4, hop_limit: 64 };
    let mut bytes = vec![0u8; 20 + 8 + 4];
    let caps = ChecksumCapabilities::default();
    ip.emit(&mut Ipv4Packet::new_unchecked(&mut bytes[..]), &caps);
    udp.emit(
        &mut UdpPacket::new_unchecked(&mut bytes[20..]),
        &src.into(),
        &dst.into(),
        4,
        |p| p.copy_from_slice(b"ping"),
        &caps,
    );
    world.stack.push_packet(bytes);
    world.stack.poll(world.now);
    let answer = world.stack.pop_packet().expect("an answer");
    let answer = Ipv4Packet::new_checked(&answer[..]).expect("IPv4");
    assert_eq!(answer.next_header(), IpProtocol::Icmp);
    assert_eq!(answer.dst_addr(), src);
    assert_eq!(answer.payload()[0], 3, "ICMP destination unreachable");
    assert_eq!(world.stack.flow_count(), 0);
}
