//! Fuzzes the PROXY protocol reader as a socket drives it: framing byte counts never run
//! past the input, a complete header parses or fails cleanly, and what parses emits and
//! parses back to the same header.
#![no_main]

use postern_proxy_protocol::{Framing, ProxyHeader, framing};

libfuzzer_sys::fuzz_target!(|stream: &[u8]| {
    let _ = ProxyHeader::parse(stream);
    let mut have = 0;
    let len = loop {
        match framing(&stream[..have]) {
            Ok(Framing::Need(more)) if have + more <= stream.len() => have += more,
            Ok(Framing::Complete(len)) => break len,
            _ => return,
        }
    };
    assert!(len <= stream.len());
    if let Ok(header) = ProxyHeader::parse(&stream[..len]) {
        let mut buf = [0u8; 300];
        if let Ok(n) = header.emit(&mut buf) {
            assert_eq!(ProxyHeader::parse(&buf[..n]), Ok(header));
        }
    }
});
