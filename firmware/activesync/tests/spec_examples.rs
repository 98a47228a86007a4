//! The examples printed in MS-ASHTTP itself, parsed as the spec describes them.

use postern_activesync::{ActiveSyncRequest, Command, DeviceIdSource, Method, ProtocolVersion, QueryForm};

/// MS-ASHTTP 2.2.1.1.1.1 (Base64-Encoded Query Value) gives this URI as its example.
/// Decoded: version 140 (14.0), command code 0 (Sync), locale 0x0409, device id
/// length 10 "v140Device", policy key length 0, device type length 10 "SmartPhone".
#[test]
fn base64_example_of_section_2_2_1_1_1_1() {
    let req =
        ActiveSyncRequest::parse(Method::Post, b"/Microsoft-Server-ActiveSync?jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l")
            .expect("the spec's example parses");
    assert_eq!(req.form(), QueryForm::Base64);
    assert_eq!(req.protocol_version(), Some(ProtocolVersion::V14_0));
    assert_eq!(req.command(), Some(Command::Sync));
    assert_eq!(req.locale(), Some(0x0409));
    assert_eq!(req.device_id(), Some("v140Device"));
    assert_eq!(req.device_id_source(), DeviceIdSource::Text);
    assert_eq!(req.policy_key(), None);
    assert_eq!(req.device_type(), Some("SmartPhone"));
    assert_eq!(req.user(), None);
    assert_eq!(req.parameters().count(), 0);
}

/// MS-ASHTTP 4.1 (FolderSync Request and Response): the plain form, with the
/// `MS-ASProtocolVersion: 14.0` header of the same example.
#[test]
fn plain_example_of_section_4_1() {
    let headers: [(&[u8], &[u8]); 3] = [
        (b"Content-Type", b"application/vnd.ms-sync.wbxml"),
        (b"MS-ASProtocolVersion", b"14.0"),
        (b"User-Agent", b"ASOM"),
    ];
    let req = ActiveSyncRequest::parse_with_headers(
        Method::Post,
        b"/Microsoft-Server-ActiveSync?Cmd=FolderSync&User=fakename&DeviceId=v140Device&DeviceType=SmartPhone",
        headers,
    )
    .expect("the spec's example parses");
    assert_eq!(req.form(), QueryForm::Plain);
    assert_eq!(req.command(), Some(Command::FolderSync));
    assert_eq!(req.user(), Some("fakename"));
    assert_eq!(req.device_id(), Some("v140Device"));
    assert_eq!(req.device_type(), Some("SmartPhone"));
    assert_eq!(req.protocol_version(), Some(ProtocolVersion::V14_0));
    assert_eq!(req.policy_key(), None);
    assert_eq!(req.locale(), None);
}

/// MS-ASHTTP 4 (the HTTP OPTIONS example): `OPTIONS /Microsoft-Server-ActiveSync`.
#[test]
fn options_example() {
    let req = ActiveSyncRequest::parse(Method::Options, b"/Microsoft-Server-ActiveSync")
        .expect("the spec's OPTIONS example parses");
    assert_eq!(req.form(), QueryForm::Absent);
    assert_eq!(req.command(), None);
    assert_eq!(req.device_id(), None);
}

/// The same device seen through both examples has the same device id and type, which
/// is why base64 device id bytes that are already text are kept as text.
#[test]
fn both_examples_name_the_same_device() {
    let plain = ActiveSyncRequest::parse(
        Method::Post,
        b"/Microsoft-Server-ActiveSync?Cmd=FolderSync&User=fakename&DeviceId=v140Device&DeviceType=SmartPhone",
    )
    .expect("plain parses");
    let encoded =
        ActiveSyncRequest::parse(Method::Post, b"/Microsoft-Server-ActiveSync?jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l")
            .expect("base64 parses");
    assert_eq!(plain.device_id(), encoded.device_id());
    assert_eq!(plain.device_type(), encoded.device_type());
}

/// MS-ASHTTP 2.2.1.1.1.1.2: every code of the command code table.
#[test]
fn command_code_table() {
    let table = [
        (0, Command::Sync),
        (1, Command::SendMail),
        (2, Command::SmartForward),
        (3, Command::SmartReply),
        (4, Command::GetAttachment),
        (9, Command::FolderSync),
        (10, Command::FolderCreate),
        (11, Command::FolderDelete),
        (12, Command::FolderUpdate),
        (13, Command::MoveItems),
        (14, Command::GetItemEstimate),
        (15, Command::MeetingResponse),
        (16, Command::Search),
        (17, Command::Settings),
        (18, Command::Ping),
        (19, Command::ItemOperations),
        (20, Command::Provision),
        (21, Command::ResolveRecipients),
        (22, Command::ValidateCert),
    ];
    for (code, command) in table {
        assert_eq!(Command::from_code(code), Some(command), "code {code}");
        assert_eq!(command.code(), Some(code));
    }
    let assigned: Vec<u8> = table.iter().map(|(c, _)| *c).collect();
    for code in (0..=u8::MAX).filter(|c| !assigned.contains(c)) {
        assert_eq!(Command::from_code(code), None, "code {code} is not in the table");
    }
}
