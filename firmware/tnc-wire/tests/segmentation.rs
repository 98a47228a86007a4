//! A tens-of-KiB Installed Packages attribute crosses in segments and is rebuilt whole;
//! the reassembler refuses what does not add up.

use postern_tnc_wire::{
    Limits, WireError,
    pa::{Attribute, PaMessageRepr, Package, Reassembler, Segmenter},
};

fn packages(n: usize) -> Attribute {
    Attribute::InstalledPackages(
        (0..n).map(|i| Package { name: format!("package-{i:05}"), version: format!("1.{i}.0-1+deb12u1") }).collect(),
    )
}

#[test]
fn forty_kib_of_packages_arrive_in_segments() {
    let attribute = packages(1500);
    assert!(attribute.to_bytes().expect("emits").len() > 40 * 1024);
    let mut segmenter = Segmenter::new(&attribute, 0x00ab_cdef, 4000).expect("segmenter");
    assert!(!segmenter.fits_one_segment());
    let mut reassembler = Reassembler::new(Limits::DEFAULT);
    let mut envelopes = 0;
    let mut rebuilt = None;
    while let Some(envelope) = segmenter.next_envelope() {
        envelopes += 1;
        // Each envelope crosses inside its own PA-TNC message, as on the wire.
        let wire = PaMessageRepr { identifier: envelopes, attributes: vec![envelope] }.to_bytes().expect("emits");
        let parsed = PaMessageRepr::parse_bytes(&wire, &Limits::DEFAULT).expect("parses");
        let Attribute::SegmentEnvelope { more, start, base_id, segment } = &parsed.attributes[0] else {
            panic!("not an envelope");
        };
        assert!(segment.len() <= 4000);
        assert_eq!(*start, envelopes == 1);
        if let Some(done) = reassembler.push(*more, *start, *base_id, segment).expect("reassembles") {
            rebuilt = Some(done);
        }
    }
    assert!(envelopes > 10);
    assert!(segmenter.is_done());
    assert_eq!(rebuilt, Some(attribute));
}

#[test]
fn reassembly_is_bounded_and_checked() {
    let attribute = packages(100);
    let bytes = attribute.to_bytes().expect("emits");
    let small = Limits { max_reassembled_attribute: 100, ..Limits::DEFAULT };
    let mut reassembler = Reassembler::new(small);
    assert!(matches!(reassembler.push(true, true, 1, &bytes[..50]), Err(WireError::TooLarge { .. })));

    let mut reassembler = Reassembler::new(Limits::DEFAULT);
    assert!(reassembler.push(false, false, 2, &bytes[..50]).is_err(), "no open transfer");
    assert_eq!(reassembler.push(true, true, 3, &bytes[..50]).expect("first"), None);
    assert!(reassembler.push(false, false, 3, &bytes[50..60]).is_err(), "ends short");
    assert!(!reassembler.is_pending(3), "a failed transfer is dropped");
    let mut too_long = bytes.clone();
    too_long.extend_from_slice(&[0; 8]);
    assert_eq!(reassembler.push(true, true, 4, &too_long[..50]).expect("first"), None);
    assert!(reassembler.push(false, false, 4, &too_long[50..]).is_err(), "more than declared");
}
