//! Fuzzes the DNS parser with queries from any local process, and feeds them to the
//! resolver: nothing panics, a parsed message emits bytes that parse to the same
//! message, and every local answer parses and carries the query's id.
#![no_main]

use postern_agent_dns::{Outcome, Packet, Repr, Resolver, SyntheticPool};

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    if let Ok(packet) = Packet::new_checked(bytes)
        && let Ok(repr) = Repr::parse(&packet)
    {
        let again = repr.to_bytes().expect("a parsed message emits");
        let reparsed = Repr::parse(&Packet::new_checked(&again[..]).expect("own bytes check")).expect("own bytes parse");
        assert_eq!(reparsed, repr);
    }
    let mut resolver = Resolver::new(SyntheticPool::new([198, 18, 0, 0].into(), 16).expect("pool"));
    if let Outcome::Answer { bytes: answer, .. } = resolver.handle(bytes, 512) {
        let packet = Packet::new_checked(&answer[..]).expect("an answer has a header");
        assert_eq!(&answer[..2], &bytes[..2]);
        Repr::parse(&packet).expect("an answer parses");
    }
});
