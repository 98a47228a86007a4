//! Fuzzes the DHCP message parser with server replies from the network, and feeds what
//! parses to a client looking for a lease: nothing panics, and a parsed message emits
//! bytes that parse to the same message.
#![no_main]

use postern_dhcp_client::machine::Client;
use postern_dhcp_client::wire::{Packet, Repr};
use std::time::Duration;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let Ok(packet) = Packet::new_checked(bytes) else { return };
    let Ok(message) = Repr::parse(&packet) else { return };
    let again = message.emit();
    let reparsed = Repr::parse(&Packet::new_checked(&again[..]).expect("own bytes check")).expect("own bytes parse");
    assert_eq!(reparsed, message);
    let mut client = Client::new(message.client_mac, message.xid, Duration::ZERO);
    let _ = client.poll(Duration::ZERO);
    let _ = client.receive(Duration::from_secs(1), &message);
    let _ = client.poll(Duration::from_secs(100_000));
});
