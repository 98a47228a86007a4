//! The plain query form and the decisions documented in the README.

use postern_activesync::{ActiveSyncRequest, Command, Method, ParameterName, ParseError, QueryForm};

fn post(target: &str) -> Result<ActiveSyncRequest, ParseError> {
    ActiveSyncRequest::parse(Method::Post, target.as_bytes())
}

const BASE: &str = "/Microsoft-Server-ActiveSync?Cmd=Sync&User=jdoe&DeviceId=ABC123&DeviceType=iPhone";

#[test]
fn core_fields() {
    let req = post(BASE).expect("parses");
    assert_eq!(req.method(), Method::Post);
    assert_eq!(req.form(), QueryForm::Plain);
    assert_eq!(req.command(), Some(Command::Sync));
    assert_eq!(req.user(), Some("jdoe"));
    assert_eq!(req.device_id(), Some("ABC123"));
    assert_eq!(req.device_type(), Some("iPhone"));
    assert!(!req.options().save_in_sent());
}

#[test]
fn parameter_names_and_command_names_ignore_case() {
    let req = post("/Microsoft-Server-ActiveSync?cmd=smartreply&USER=jdoe&deviceid=ABC123&devicetype=iPhone&itemid=5%3A12&COLLECTIONID=7&saveinsent=T")
        .expect("case-insensitive names parse");
    assert_eq!(req.command(), Some(Command::SmartReply));
    assert_eq!(req.parameter(ParameterName::ItemId), Some("5:12"));
    assert_eq!(req.parameter(ParameterName::CollectionId), Some("7"));
    assert!(req.options().save_in_sent());
}

#[test]
fn values_keep_their_case() {
    let req = post("/Microsoft-Server-ActiveSync?Cmd=Ping&User=JDoe&DeviceId=AbC123&DeviceType=SAMSUNGSMG991B")
        .expect("parses");
    assert_eq!(req.user(), Some("JDoe"));
    assert_eq!(req.device_id(), Some("AbC123"));
    assert_eq!(req.device_type(), Some("SAMSUNGSMG991B"));
}

#[test]
fn percent_decoding_and_plus_as_space() {
    let req = post(
        "/Microsoft-Server-ActiveSync?Cmd=Sync&User=CONTOSO%5Cj+doe%40contoso.com&DeviceId=ABC123&DeviceType=iPhone",
    )
    .expect("parses");
    assert_eq!(req.user(), Some("CONTOSO\\j doe@contoso.com"));
    let plus =
        post("/Microsoft-Server-ActiveSync?Cmd=Sync&User=j%2Bdoe&DeviceId=ABC123&DeviceType=iPhone").expect("parses");
    assert_eq!(plus.user(), Some("j+doe"));
}

#[test]
fn utf8_user_names_are_kept() {
    let req = post("/Microsoft-Server-ActiveSync?Cmd=Sync&User=j%C3%BCrgen&DeviceId=ABC123&DeviceType=iPhone")
        .expect("parses");
    assert_eq!(req.user(), Some("jürgen"));
}

#[test]
fn order_is_free_and_empty_segments_are_skipped() {
    let req =
        post("/Microsoft-Server-ActiveSync?DeviceType=Android&&DeviceId=x1&User=u&Cmd=Provision&").expect("parses");
    assert_eq!(req.command(), Some(Command::Provision));
    assert_eq!(req.device_id(), Some("x1"));
}

#[test]
fn all_command_parameters() {
    let req = post(&format!(
        "{BASE}&AttachmentName=a%2Fb&CollectionId=1&CollectionName=Inbox&ItemId=2&LongId=RgAAAA&ParentId=0&Occurrence=20260101T000000Z"
    ))
    .expect("parses");
    let got: Vec<(ParameterName, &str)> = req.parameters().map(|p| (p.name, p.value)).collect();
    assert_eq!(
        got,
        vec![
            (ParameterName::AttachmentName, "a/b"),
            (ParameterName::CollectionId, "1"),
            (ParameterName::CollectionName, "Inbox"),
            (ParameterName::ItemId, "2"),
            (ParameterName::LongId, "RgAAAA"),
            (ParameterName::ParentId, "0"),
            (ParameterName::Occurrence, "20260101T000000Z"),
        ]
    );
}

#[test]
fn save_in_sent_false_leaves_the_flag_clear() {
    let req = post(&format!("{BASE}&SaveInSent=F")).expect("parses");
    assert!(!req.options().save_in_sent());
}

#[test]
fn path_letter_case_and_one_trailing_slash() {
    for target in [
        "/microsoft-server-activesync?Cmd=Sync&User=u&DeviceId=d&DeviceType=t",
        "/MICROSOFT-SERVER-ACTIVESYNC/?Cmd=Sync&User=u&DeviceId=d&DeviceType=t",
    ] {
        assert_eq!(post(target).map(|r| r.command()), Ok(Some(Command::Sync)), "{target}");
    }
}

#[test]
fn options_may_carry_a_partial_query() {
    let req = ActiveSyncRequest::parse(
        Method::Options,
        b"/Microsoft-Server-ActiveSync?User=jdoe&DeviceId=ABC123&DeviceType=iPhone",
    )
    .expect("OPTIONS without Cmd parses");
    assert_eq!(req.command(), None);
    assert_eq!(req.device_id(), Some("ABC123"));
    let empty = ActiveSyncRequest::parse(Method::Options, b"/Microsoft-Server-ActiveSync?")
        .expect("an empty query is no query");
    assert_eq!(empty.form(), QueryForm::Absent);
}

#[test]
fn every_command_name_round_trips() {
    for command in Command::ALL {
        let target = format!("/Microsoft-Server-ActiveSync?Cmd={command}&User=u&DeviceId=d&DeviceType=t");
        assert_eq!(post(&target).map(|r| r.command()), Ok(Some(command)));
    }
}

#[test]
fn longest_values_fit() {
    let id = "A".repeat(32);
    let user = "u".repeat(256);
    let device_type = "T".repeat(64);
    let item = "i".repeat(256);
    let req = post(&format!(
        "/Microsoft-Server-ActiveSync?Cmd=Sync&User={user}&DeviceId={id}&DeviceType={device_type}&ItemId={item}"
    ))
    .expect("values at their limits parse");
    assert_eq!(req.device_id().map(str::len), Some(32));
    assert_eq!(req.user().map(str::len), Some(256));
    assert_eq!(req.device_type().map(str::len), Some(64));
    assert_eq!(req.parameter(ParameterName::ItemId).map(str::len), Some(256));
}

#[test]
fn method_tokens() {
    assert_eq!(Method::parse(b"POST"), Ok(Method::Post));
    assert_eq!(Method::parse(b"OPTIONS"), Ok(Method::Options));
    for bad in [&b"GET"[..], b"post", b"PUT", b""] {
        assert_eq!(Method::parse(bad), Err(ParseError::MethodNotAllowed));
    }
}
