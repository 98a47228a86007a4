//! Property tests: whatever parses re-emits to the same bytes, and any bytes either parse
//! or are refused without panicking.

use postern_tnc_wire::{Limits, pa::PaMessageRepr, pb::BatchRepr, pt_tls::PtTlsRepr};
use proptest::prelude::*;

proptest! {
    #[test]
    fn pt_tls_parse_emit_is_identity(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(repr) = PtTlsRepr::parse_bytes(&bytes, &Limits::DEFAULT) {
            let again = PtTlsRepr::parse_bytes(&repr.to_bytes().expect("emits"), &Limits::DEFAULT).expect("reparses");
            prop_assert_eq!(again, repr);
        }
    }

    #[test]
    fn pb_batch_parse_emit_is_identity(tail in proptest::collection::vec(any::<u8>(), 0..96), d in any::<bool>(), ty in 1u8..7) {
        let mut bytes = vec![2, if d { 0x80 } else { 0 }, 0, ty];
        bytes.extend_from_slice(&((8 + tail.len()) as u32).to_be_bytes());
        bytes.extend_from_slice(&tail);
        if let Ok(repr) = BatchRepr::parse_bytes(&bytes, &Limits::DEFAULT) {
            let again = BatchRepr::parse_bytes(&repr.to_bytes().expect("emits"), &Limits::DEFAULT).expect("reparses");
            prop_assert_eq!(again, repr);
        }
    }

    #[test]
    fn pa_message_parse_emit_is_identity(tail in proptest::collection::vec(any::<u8>(), 0..96)) {
        let mut bytes = vec![1, 0, 0, 0, 0, 0, 0, 1];
        bytes.extend_from_slice(&tail);
        if let Ok(repr) = PaMessageRepr::parse_bytes(&bytes, &Limits::DEFAULT) {
            let again = PaMessageRepr::parse_bytes(&repr.to_bytes().expect("emits"), &Limits::DEFAULT).expect("reparses");
            prop_assert_eq!(again, repr);
        }
    }
}
