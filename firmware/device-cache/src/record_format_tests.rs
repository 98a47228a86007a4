use super::*;
use proptest::prelude::*;

/// A version-1 record exactly as version 1 of this crate wrote it. It must keep decoding
/// to the same value in every later version.
const FROZEN_V1: &[u8] = b"\x01\
    \x01\x06ABC123\
    \x01\x11alice@example.com\
    \x00\
    \x01\
    \x01\
    \x03\
    \x80\xd0\x95\xff\xbc\x31\
    \xe0\xa4\x99\xff\xbc\x31";

fn frozen_v1_value() -> DeviceRecord {
    DeviceRecord {
        identity: DeviceIdentity {
            eas_device_id: Some(EasDeviceId::new("ABC123").expect("valid id")),
            user: Some(UserId::new("alice@example.com").expect("valid user")),
            uem_device_id: None,
            platform: Platform::Ios,
        },
        state: DeviceState::Allowed,
        provenance: Provenance::Persisted,
        first_seen_ms: 1_700_000_000_000,
        updated_ms: 1_700_000_060_000,
    }
}

#[test]
fn frozen_version_1_record_still_decodes() {
    assert_eq!(decode_record(FROZEN_V1), Ok(frozen_v1_value()));
}

#[test]
fn version_1_writes_the_frozen_bytes() {
    assert_eq!(encode_record(&frozen_v1_value()).expect("encodes"), FROZEN_V1);
}

#[test]
fn unknown_versions_and_garbage_are_refused() {
    assert_eq!(decode_record(b""), Err(RecordError::Empty));
    assert_eq!(decode_record(b"\x02\x00"), Err(RecordError::UnknownVersion { version: 2 }));
    assert!(matches!(decode_record(b"\x01\x07"), Err(RecordError::Malformed { version: 1, .. })));
    let mut trailing = FROZEN_V1.to_vec();
    trailing.push(0);
    assert!(matches!(decode_record(&trailing), Err(RecordError::Malformed { .. })));
    let mut bad_state = FROZEN_V1.to_vec();
    bad_state[30] = 9;
    assert_eq!(decode_record(&bad_state), Err(RecordError::BadCode { field: "state", code: 9 }));
    let mut bad_id = FROZEN_V1.to_vec();
    bad_id[3] = b'-';
    assert!(matches!(decode_record(&bad_id), Err(RecordError::Id(_))));
}

fn state() -> impl Strategy<Value = DeviceState> {
    prop_oneof![
        Just(DeviceState::Allowed),
        Just(DeviceState::Blocked),
        Just(DeviceState::Quarantined),
        Just(DeviceState::Wiped),
        Just(DeviceState::Unknown),
    ]
}

fn provenance() -> impl Strategy<Value = Provenance> {
    prop_oneof![
        Just(Provenance::Uem),
        Just(Provenance::OutageRule),
        Just(Provenance::OutageAppTunnel),
        Just(Provenance::Persisted),
        Just(Provenance::Operator),
    ]
}

fn platform() -> impl Strategy<Value = Platform> {
    prop_oneof![
        Just(Platform::Ios),
        Just(Platform::Android),
        Just(Platform::Windows),
        Just(Platform::MacOs),
        Just(Platform::Other),
    ]
}

proptest! {
    #[test]
    fn records_round_trip(
        eas in proptest::option::of("[A-Za-z0-9]{1,32}"),
        user in proptest::option::of("[a-z0-9@.]{1,40}"),
        uem in proptest::option::of("[ -~]{1,64}"),
        platform in platform(),
        state in state(),
        provenance in provenance(),
        first_seen_ms in any::<u64>(),
        updated_ms in any::<u64>(),
    ) {
        let record = DeviceRecord {
            identity: DeviceIdentity {
                eas_device_id: eas.as_deref().map(EasDeviceId::new).transpose().expect("valid eas"),
                user: user.as_deref().map(UserId::new).transpose().expect("valid user"),
                uem_device_id: uem.as_deref().map(UemDeviceId::new).transpose().expect("valid uem"),
                platform,
            },
            state,
            provenance,
            first_seen_ms,
            updated_ms,
        };
        let bytes = encode_record(&record).expect("encodes");
        prop_assert_eq!(bytes[0], RECORD_FORMAT_VERSION);
        prop_assert_eq!(decode_record(&bytes), Ok(record));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
        let _ = decode_record(&bytes);
    }
}
