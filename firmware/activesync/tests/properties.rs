//! Property tests: no input panics, and generated valid requests parse back to their fields.

mod common;

use common::{Binary, target_for};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use postern_activesync::{
    ActiveSyncRequest, Command, DeviceIdSource, Method, ParameterName, ProtocolVersion, QueryForm, parse_policy_key,
};
use proptest::prelude::*;

const PATH: &str = "/Microsoft-Server-ActiveSync";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_targets_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2200)) {
        let _ = ActiveSyncRequest::parse(Method::Post, &bytes);
        let _ = ActiveSyncRequest::parse(Method::Options, &bytes);
    }

    #[test]
    fn arbitrary_queries_never_panic(query in proptest::collection::vec(32u8..127, 0..400)) {
        let mut target = format!("{PATH}?").into_bytes();
        target.extend_from_slice(&query);
        let _ = ActiveSyncRequest::parse(Method::Post, &target);
    }

    #[test]
    fn arbitrary_base64_payloads_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = ActiveSyncRequest::parse(Method::Post, target_for(&bytes).as_bytes());
    }

    #[test]
    fn arbitrary_header_values_never_panic(value in proptest::collection::vec(any::<u8>(), 0..40)) {
        let _ = parse_policy_key(&value);
        let _ = ProtocolVersion::parse(&value);
        let headers = [(&b"MS-ASProtocolVersion"[..], &value[..]), (&b"X-MS-PolicyKey"[..], &value[..])];
        let _ = ActiveSyncRequest::parse_with_headers(
            Method::Options, PATH.as_bytes(), headers,
        );
    }

    #[test]
    fn plain_form_round_trips(fields in plain_fields()) {
        let target = fields.target();
        let req = ActiveSyncRequest::parse(Method::Post, target.as_bytes())
            .map_err(|e| TestCaseError::fail(format!("{e}: {target}")))?;
        prop_assert_eq!(req.form(), QueryForm::Plain);
        prop_assert_eq!(req.command(), Some(fields.command));
        prop_assert_eq!(req.user(), Some(fields.user.as_str()));
        prop_assert_eq!(req.device_id(), Some(fields.device_id.as_str()));
        prop_assert_eq!(req.device_type(), Some(fields.device_type.as_str()));
        prop_assert_eq!(req.options().save_in_sent(), fields.save_in_sent == Some(true));
        let got: Vec<(ParameterName, String)> =
            req.parameters().map(|p| (p.name, p.value.to_owned())).collect();
        prop_assert_eq!(got, fields.parameters);
    }

    #[test]
    fn base64_form_round_trips(
        version in prop::sample::select(vec![121u8, 140, 141, 160, 161]),
        command in prop::sample::select(Command::ALL.iter().filter_map(|c| c.code()).collect::<Vec<_>>()),
        locale in any::<u16>(),
        device_id in "[A-Za-z0-9]{1,32}",
        policy_key in proptest::option::of(any::<u32>()),
        device_type in "[!-~]{1,64}",
        user in proptest::option::of("[^\\p{Cc}]{1,60}"),
        item_id in proptest::option::of("[^\\p{Cc}]{0,80}"),
        options in proptest::option::of(any::<u8>()),
    ) {
        let mut parameters = Vec::new();
        if let Some(user) = &user { parameters.push((8, user.clone().into_bytes())); }
        if let Some(item) = &item_id { parameters.push((3, item.clone().into_bytes())); }
        if let Some(bits) = options { parameters.push((7, vec![bits])); }
        let binary = Binary {
            version, command, locale, device_id: device_id.as_bytes(), policy_key,
            device_type: device_type.as_bytes(), parameters,
        };
        let req = ActiveSyncRequest::parse(Method::Post, binary.target().as_bytes())
            .map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(req.form(), QueryForm::Base64);
        prop_assert_eq!(req.protocol_version().map(ProtocolVersion::as_byte), Some(version));
        prop_assert_eq!(req.command().and_then(Command::code), Some(command));
        prop_assert_eq!(req.locale(), Some(locale));
        prop_assert_eq!(req.device_id(), Some(device_id.as_str()));
        prop_assert_eq!(req.device_id_source(), DeviceIdSource::Text);
        prop_assert_eq!(req.policy_key(), policy_key);
        prop_assert_eq!(req.device_type(), Some(device_type.as_str()));
        prop_assert_eq!(req.user(), user.as_deref());
        prop_assert_eq!(req.parameter(ParameterName::ItemId), item_id.as_deref());
        prop_assert_eq!(req.options().0, options.unwrap_or(0));
    }

    #[test]
    fn binary_device_ids_map_to_upper_hex(id in proptest::collection::vec(any::<u8>(), 1..=16)) {
        prop_assume!(!id.iter().all(u8::is_ascii_alphanumeric));
        let req = ActiveSyncRequest::parse(
            Method::Post,
            Binary { device_id: &id, ..Binary::default() }.target().as_bytes(),
        ).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let hex: String = id.iter().map(|b| format!("{b:02X}")).collect();
        prop_assert_eq!(req.device_id(), Some(hex.as_str()));
        prop_assert_eq!(req.device_id_source(), DeviceIdSource::BinaryHex);
    }
}

/// Valid plain-form fields, and how to write them.
#[derive(Debug, Clone)]
struct PlainFields {
    command: Command,
    user: String,
    device_id: String,
    device_type: String,
    save_in_sent: Option<bool>,
    parameters: Vec<(ParameterName, String)>,
    upper_case_names: bool,
    space_as_plus: bool,
}

impl PlainFields {
    fn encode(&self, value: &str) -> String {
        let encoded = utf8_percent_encode(value, NON_ALPHANUMERIC).to_string();
        if self.space_as_plus { encoded.replace("%20", "+") } else { encoded }
    }

    fn name(&self, name: &str) -> String {
        if self.upper_case_names { name.to_ascii_uppercase() } else { name.to_owned() }
    }

    fn target(&self) -> String {
        let mut pairs = vec![
            (self.name("Cmd"), self.encode(self.command.as_str())),
            (self.name("User"), self.encode(&self.user)),
            (self.name("DeviceId"), self.encode(&self.device_id)),
            (self.name("DeviceType"), self.encode(&self.device_type)),
        ];
        if let Some(save) = self.save_in_sent {
            pairs.push((self.name("SaveInSent"), if save { "T" } else { "F" }.to_owned()));
        }
        for (name, value) in &self.parameters {
            pairs.push((self.name(name.as_str()), self.encode(value)));
        }
        let query: Vec<String> = pairs.into_iter().map(|(n, v)| format!("{n}={v}")).collect();
        format!("{PATH}?{}", query.join("&"))
    }
}

fn plain_fields() -> impl Strategy<Value = PlainFields> {
    let parameters = proptest::sample::subsequence(ParameterName::ALL.to_vec(), 0..=3)
        .prop_flat_map(|names| {
            let n = names.len();
            (Just(names), proptest::collection::vec("[^\\p{Cc}]{1,30}", n))
        })
        .prop_map(|(names, values)| names.into_iter().zip(values).collect::<Vec<_>>());
    (
        prop::sample::select(Command::ALL.to_vec()),
        "[^\\p{Cc}]{1,40}",
        "[A-Za-z0-9]{1,32}",
        "[!-~]{1,64}",
        proptest::option::of(any::<bool>()),
        parameters,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(command, user, device_id, device_type, save_in_sent, parameters, upper, plus)| PlainFields {
            command,
            user,
            device_id,
            device_type,
            save_in_sent,
            parameters,
            upper_case_names: upper,
            space_as_plus: plus,
        })
}
