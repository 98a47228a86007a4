//! Any bytes: parsing never panics, and what parses emits bytes that parse to the same
//! message; the resolver answers or forwards any bytes without panicking.

use postern_agent_dns::{Packet, Repr, Resolver, SyntheticPool};
use proptest::prelude::*;

proptest! {
    #[test]
    fn any_message_parses_or_is_refused_and_what_parses_round_trips(
        header in proptest::collection::vec(any::<u8>(), 12),
        counts in proptest::collection::vec(0u8..4, 4),
        body in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut bytes = header;
        for (i, c) in counts.iter().enumerate() {
            bytes[4 + 2 * i] = 0;
            bytes[5 + 2 * i] = *c;
        }
        bytes.extend_from_slice(&body);
        let Ok(packet) = Packet::new_checked(&bytes[..]) else { return Ok(()) };
        if let Ok(repr) = Repr::parse(&packet) {
            let again = repr.to_bytes().expect("a parsed message emits");
            prop_assert_eq!(Repr::parse(&Packet::new_checked(&again[..]).expect("checked")).expect("parses"), repr);
        }
        let mut resolver = Resolver::new(SyntheticPool::new("198.18.0.0".parse().expect("ip"), 16).expect("pool"));
        let _ = resolver.handle(&bytes, 512);
    }
}
