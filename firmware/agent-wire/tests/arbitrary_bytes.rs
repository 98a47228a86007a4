//! Any bytes: parsing never panics, and whatever parses has one encoding (emitting it
//! gives back the same bytes).

use postern_agent_wire::{FrameBuffer, Packet, Repr};
use proptest::prelude::*;

proptest! {
    #[test]
    fn any_frame_parses_or_is_refused_and_what_parses_emits_the_same_bytes(
        kind in 0u8..9,
        body in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        let mut frame = u32::try_from(body.len() + 1).expect("small").to_be_bytes().to_vec();
        frame.push(kind);
        frame.extend_from_slice(&body);
        let packet = Packet::new_checked(&frame[..]).expect("the framing is right by construction");
        if let Ok(repr) = Repr::parse(&packet) {
            prop_assert_eq!(repr.to_frame().expect("a parsed message emits"), frame);
        }
    }

    #[test]
    fn a_stream_of_any_bytes_never_panics(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..16)) {
        let mut frames = FrameBuffer::default();
        for chunk in &chunks {
            frames.push(chunk);
            while let Ok(Some(_)) = frames.next_message() {}
        }
    }
}
