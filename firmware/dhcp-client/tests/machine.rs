//! Every transition of the DHCPv4 client's state machine, driven by hand-made server
//! messages and a clock the test moves.

use postern_dhcp_client::machine::{BROADCAST, Client, Event, Lease, MIN_RENEW_INTERVAL, State, backoff};
use postern_dhcp_client::wire::{MessageType, Packet, Repr};
use std::net::Ipv4Addr;
use std::time::Duration;

const MAC: [u8; 6] = [0x52, 0x54, 0, 0x12, 0x34, 0x56];
const SERVER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const OFFERED: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 50);

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// The single message sent among `events`, with its destination.
fn sent(events: &[Event]) -> (Repr, Ipv4Addr) {
    let sends: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Send { message, to } => Some((message.clone(), *to)),
            _ => None,
        })
        .collect();
    assert_eq!(sends.len(), 1, "expected one message sent: {events:?}");
    // Every message the client sends is valid on the wire.
    let bytes = sends[0].0.emit();
    let parsed = Repr::parse(&Packet::new_checked(&bytes[..]).expect("checked")).expect("parses");
    assert_eq!(parsed, sends[0].0);
    sends[0].clone()
}

fn reply(to: &Repr, kind: MessageType) -> Repr {
    let mut reply = Repr::request(kind, to.xid, MAC);
    reply.server_id = Some(SERVER);
    if kind != MessageType::Nak {
        reply.your_address = OFFERED;
        reply.subnet_mask = Some(Ipv4Addr::new(255, 255, 255, 0));
        reply.router = Some(SERVER);
        reply.dns_servers = vec![Ipv4Addr::new(192, 0, 2, 53)];
        reply.lease_secs = Some(1000);
        reply.renewal_secs = Some(400);
        reply.rebinding_secs = Some(800);
    }
    reply
}

/// A client bound at t=10 s to OFFERED, with the discover and request it sent.
fn bound() -> (Client, Repr) {
    let mut client = Client::new(MAC, 42, secs(0));
    let (discover, _) = sent(&client.poll(secs(0)));
    let (request, _) = sent(&client.receive(secs(1), &reply(&discover, MessageType::Offer)));
    let events = client.receive(secs(10), &reply(&request, MessageType::Ack));
    assert!(matches!(&events[..], [Event::Bound(_)]), "{events:?}");
    (client, request)
}

#[test]
fn init_broadcasts_a_discover_asking_for_a_broadcast_reply() {
    let mut client = Client::new(MAC, 42, secs(0));
    let (discover, to) = sent(&client.poll(secs(0)));
    assert_eq!(
        (discover.message_type, to, discover.broadcast, discover.xid),
        (MessageType::Discover, BROADCAST, true, 42)
    );
    assert_eq!(discover.client_mac, MAC);
    assert_eq!(client.state(), &State::Selecting);
}

#[test]
fn an_offer_is_requested_from_its_server() {
    let mut client = Client::new(MAC, 42, secs(0));
    let (discover, _) = sent(&client.poll(secs(0)));
    let (request, to) = sent(&client.receive(secs(1), &reply(&discover, MessageType::Offer)));
    assert_eq!((request.message_type, to), (MessageType::Request, BROADCAST));
    assert_eq!((request.requested_address, request.server_id), (Some(OFFERED), Some(SERVER)));
    assert!(request.client_address.is_unspecified(), "no ciaddr before the address is ours");
    assert!(matches!(client.state(), State::Requesting(_)));
}

#[test]
fn an_ack_binds_the_lease_with_its_timers() {
    let (client, _) = bound();
    let lease = client.lease().expect("lease");
    assert_eq!(
        lease,
        &Lease {
            address: OFFERED,
            prefix: 24,
            router: Some(SERVER),
            dns_servers: vec![Ipv4Addr::new(192, 0, 2, 53)],
            server: SERVER,
            obtained: secs(10),
            renew_at: secs(410),
            rebind_at: secs(810),
            expires_at: secs(1010),
        }
    );
    assert_eq!(client.state(), &State::Bound);
    assert_eq!(client.next_wakeup(), secs(410), "nothing to do until T1");
}

#[test]
fn without_t1_and_t2_they_default_to_half_and_seven_eighths() {
    let mut ack = reply(&Repr::request(MessageType::Request, 1, MAC), MessageType::Ack);
    ack.renewal_secs = None;
    ack.rebinding_secs = None;
    let lease = Lease::from_ack(&ack, secs(0)).expect("lease");
    assert_eq!((lease.renew_at, lease.rebind_at, lease.expires_at), (secs(500), secs(875), secs(1000)));
    ack.lease_secs = None;
    assert_eq!(Lease::from_ack(&ack, secs(0)), None, "an ack without a lease time grants nothing");
}

#[test]
fn messages_of_other_transactions_or_clients_are_ignored() {
    let mut client = Client::new(MAC, 42, secs(0));
    let (discover, _) = sent(&client.poll(secs(0)));
    let mut other = reply(&discover, MessageType::Offer);
    other.xid = 43;
    assert!(client.receive(secs(1), &other).is_empty());
    let mut other = reply(&discover, MessageType::Offer);
    other.client_mac = [2, 0, 0, 0, 0, 9];
    assert!(client.receive(secs(1), &other).is_empty());
    assert!(client.receive(secs(1), &reply(&discover, MessageType::Ack)).is_empty(), "an ack before any request");
    assert_eq!(client.state(), &State::Selecting);
}

#[test]
fn discovers_are_retransmitted_with_exponential_back_off() {
    assert_eq!((1..=7).map(|a| backoff(a - 1).as_secs()).collect::<Vec<_>>(), [4, 8, 16, 32, 64, 64, 64]);
    let mut client = Client::new(MAC, 42, secs(0));
    let mut at = secs(0);
    for delay in [4, 8, 16, 32, 64, 64] {
        sent(&client.poll(at));
        assert!(client.poll(at + secs(delay) - Duration::from_millis(1)).is_empty(), "too early at {at:?}");
        at += secs(delay);
        assert_eq!(client.next_wakeup(), at);
    }
}

#[test]
fn an_unanswered_request_goes_back_to_discovering_under_a_new_transaction() {
    let mut client = Client::new(MAC, 42, secs(0));
    let (discover, _) = sent(&client.poll(secs(0)));
    let mut at = secs(1);
    sent(&client.receive(at, &reply(&discover, MessageType::Offer)));
    for delay in [4, 8, 16] {
        at += secs(delay);
        let (again, _) = sent(&client.poll(at));
        assert_eq!(again.message_type, MessageType::Request);
    }
    at += secs(32);
    let (fresh, _) = sent(&client.poll(at));
    assert_eq!(fresh.message_type, MessageType::Discover);
    assert_ne!(fresh.xid, discover.xid);
}

#[test]
fn a_nak_to_the_request_starts_over() {
    let mut client = Client::new(MAC, 42, secs(0));
    let (discover, _) = sent(&client.poll(secs(0)));
    let (request, _) = sent(&client.receive(secs(1), &reply(&discover, MessageType::Offer)));
    let events = client.receive(secs(2), &reply(&request, MessageType::Nak));
    let (fresh, _) = sent(&events);
    assert_eq!(fresh.message_type, MessageType::Discover);
    assert!(!events.iter().any(|e| matches!(e, Event::Lost(_))), "nothing was held: {events:?}");
    assert_eq!(client.state(), &State::Selecting);
}

#[test]
fn at_t1_the_lease_is_renewed_by_unicast_to_its_server() {
    let (mut client, _) = bound();
    assert!(client.poll(secs(409)).is_empty());
    let (renew, to) = sent(&client.poll(secs(410)));
    assert_eq!(
        (renew.message_type, to, renew.client_address, renew.broadcast),
        (MessageType::Request, SERVER, OFFERED, false)
    );
    assert_eq!(
        (renew.requested_address, renew.server_id),
        (None, None),
        "RFC 2131 4.3.2: renewing carries ciaddr only"
    );
    assert_eq!(client.state(), &State::Renewing);
    // Retransmitted after half the time left to T2, at least a minute: 410 + 200.
    assert!(client.poll(secs(609)).is_empty());
    sent(&client.poll(secs(610)));
    let events = client.receive(secs(611), &reply(&renew, MessageType::Ack));
    let [Event::Bound(lease)] = &events[..] else { panic!("{events:?}") };
    assert_eq!((lease.renew_at, lease.expires_at, client.state()), (secs(1011), secs(1611), &State::Bound));
}

#[test]
fn at_t2_the_lease_is_asked_of_any_server_by_broadcast() {
    let (mut client, _) = bound();
    sent(&client.poll(secs(410)));
    let (rebind, to) = sent(&client.poll(secs(810)));
    assert_eq!((to, rebind.client_address, client.state()), (BROADCAST, OFFERED, &State::Rebinding));
    // Half the time left to expiry is 100 s: the next try is then.
    assert!(client.poll(secs(909)).is_empty());
    sent(&client.poll(secs(910)));
    // Under a minute left: the next try is at expiry, never later.
    assert_eq!(client.next_wakeup(), secs(910) + MIN_RENEW_INTERVAL.min(secs(100)));
    let events = client.receive(secs(920), &reply(&rebind, MessageType::Ack));
    assert!(matches!(&events[..], [Event::Bound(_)]), "{events:?}");
}

#[test]
fn expiry_drops_the_address_and_starts_over() {
    let (mut client, _) = bound();
    sent(&client.poll(secs(410)));
    sent(&client.poll(secs(810)));
    let events = client.poll(secs(1010));
    let lost = events.iter().find_map(|e| if let Event::Lost(l) = e { Some(l.clone()) } else { None });
    assert_eq!(lost.map(|l| l.address), Some(OFFERED), "{events:?}");
    let (discover, _) = sent(&events);
    assert_eq!(discover.message_type, MessageType::Discover);
    assert_eq!((client.state(), client.lease()), (&State::Selecting, None));
}

#[test]
fn a_nak_while_renewing_drops_the_address() {
    let (mut client, _) = bound();
    let (renew, _) = sent(&client.poll(secs(410)));
    let events = client.receive(secs(411), &reply(&renew, MessageType::Nak));
    assert!(matches!(&events[0], Event::Lost(l) if l.address == OFFERED), "{events:?}");
    assert_eq!(sent(&events).0.message_type, MessageType::Discover);
}
