//! The parsed request and its entry points.

use heapless::String;

use crate::{
    base64_query,
    command::Command,
    device_id::{DeviceId, DeviceIdSource},
    error::{Field, ParseError},
    headers::{ProtocolVersion, parse_policy_key},
    limits::{MAX_DEVICE_TYPE_LEN, MAX_USER_LEN},
    parameters::{CommandOptions, Parameter, ParameterName, ParameterStore},
    plain_query, target,
};

/// The HTTP methods ActiveSync uses.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Every command.
    Post,
    /// Discovery of versions and commands; needs no query.
    Options,
}

impl Method {
    /// Parses a method token; HTTP methods are case-sensitive, so only `POST` and `OPTIONS`.
    pub fn parse(token: &[u8]) -> Result<Self, ParseError> {
        match token {
            b"POST" => Ok(Self::Post),
            b"OPTIONS" => Ok(Self::Options),
            _ => Err(ParseError::MethodNotAllowed),
        }
    }
}

/// How the request's parameters were carried.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueryForm {
    /// No query at all (an `OPTIONS` request).
    Absent,
    /// `Cmd=...&User=...&DeviceId=...&DeviceType=...` (MS-ASHTTP 2.2.1.1.1.2).
    Plain,
    /// The base64-encoded byte sequence (MS-ASHTTP 2.2.1.1.1.1).
    Base64,
}

/// A parsed ActiveSync request line (and optionally its ActiveSync headers).
///
/// For `POST`, the command, device id and device type are always present, and so is
/// the user in the plain form; an `OPTIONS` request may carry none of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveSyncRequest {
    pub(crate) method: Method,
    pub(crate) form: QueryForm,
    pub(crate) command: Option<Command>,
    pub(crate) user: Option<String<MAX_USER_LEN>>,
    pub(crate) device_id: Option<DeviceId>,
    pub(crate) device_id_source: DeviceIdSource,
    pub(crate) device_type: Option<String<MAX_DEVICE_TYPE_LEN>>,
    pub(crate) protocol_version: Option<ProtocolVersion>,
    pub(crate) policy_key: Option<u32>,
    pub(crate) locale: Option<u16>,
    pub(crate) options: CommandOptions,
    pub(crate) parameters: ParameterStore,
    pub(crate) other_parameters: u8,
}

impl ActiveSyncRequest {
    fn empty(method: Method) -> Self {
        Self {
            method,
            form: QueryForm::Absent,
            command: None,
            user: None,
            device_id: None,
            device_id_source: DeviceIdSource::Text,
            device_type: None,
            protocol_version: None,
            policy_key: None,
            locale: None,
            options: CommandOptions::default(),
            parameters: ParameterStore::default(),
            other_parameters: 0,
        }
    }

    /// Parses a request target (origin form, e.g. `/Microsoft-Server-ActiveSync?Cmd=Sync&...`)
    /// in either query form.
    pub fn parse(method: Method, target: &[u8]) -> Result<Self, ParseError> {
        // Built in the return value itself, so the request is not copied on the way out.
        let mut out = Ok(Self::empty(method));
        if let Ok(req) = &mut out {
            req.fill(target)?;
        }
        out
    }

    fn fill(&mut self, target: &[u8]) -> Result<(), ParseError> {
        let (query, query_offset) = target::split(target)?;
        match query.filter(|q| !q.is_empty()) {
            None => {}
            Some(q) if is_plain(q) => {
                self.form = QueryForm::Plain;
                plain_query::parse(q, query_offset, self)?;
            }
            Some(q) => {
                self.form = QueryForm::Base64;
                base64_query::parse(q, query_offset, self)?;
            }
        }
        self.check_required()
    }

    /// Parses a request target together with its headers, given as `(name, value)` pairs.
    ///
    /// Only `MS-ASProtocolVersion` and `X-MS-PolicyKey` are read (names compared
    /// case-insensitively). A malformed value is an error; so is a value that differs from
    /// the one the base64 query or an earlier copy of the header gave. A plain-form
    /// `PolicyKey` may differ from the header (a client provisioning again sends its old
    /// key in the header and the new temporary one in the query); it is the one kept.
    pub fn parse_with_headers<'h, I>(method: Method, target: &[u8], headers: I) -> Result<Self, ParseError>
    where
        I: IntoIterator<Item = (&'h [u8], &'h [u8])>,
    {
        let mut req = Self::parse(method, target)?;
        let mut header_key = None;
        for (name, value) in headers {
            if name.eq_ignore_ascii_case(b"MS-ASProtocolVersion") {
                let version = ProtocolVersion::parse(value)
                    .map_err(|source| ParseError::Header { name: "MS-ASProtocolVersion", source })?;
                req.protocol_version = Some(merge(req.protocol_version, version, Field::ProtocolVersion)?);
            } else if name.eq_ignore_ascii_case(b"X-MS-PolicyKey") {
                let key =
                    parse_policy_key(value).map_err(|source| ParseError::Header { name: "X-MS-PolicyKey", source })?;
                header_key = Some(merge(header_key, key, Field::PolicyKey)?);
            }
        }
        if let Some(key) = header_key {
            // A plain-form `PolicyKey` is the key being acknowledged and wins; a client
            // that provisions again sends its old key in the header beside it.
            if req.form == QueryForm::Base64 || req.policy_key.is_none() {
                req.policy_key = Some(merge(req.policy_key, key, Field::PolicyKey)?);
            }
        }
        Ok(req)
    }

    fn check_required(&self) -> Result<(), ParseError> {
        if self.method != Method::Post {
            return Ok(());
        }
        if self.form == QueryForm::Absent {
            return Err(ParseError::MissingQuery);
        }
        let missing = [
            (self.command.is_none(), Field::Command),
            (self.form == QueryForm::Plain && self.user.is_none(), Field::User),
            (self.device_id.is_none(), Field::DeviceId),
            (self.device_type.is_none(), Field::DeviceType),
        ];
        match missing.iter().find(|(absent, _)| *absent) {
            Some(&(_, field)) => Err(ParseError::Missing { field }),
            None => Ok(()),
        }
    }

    /// The HTTP method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// Which query form carried the parameters.
    pub fn form(&self) -> QueryForm {
        self.form
    }

    /// The command (always present for `POST`).
    pub fn command(&self) -> Option<Command> {
        self.command
    }

    /// The `User` parameter, percent-decoded.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The device id as text: 1–32 ASCII letters and digits (see [`DeviceIdSource`]).
    pub fn device_id(&self) -> Option<&str> {
        self.device_id.as_deref()
    }

    /// Whether the device id was sent as text or as binary bytes.
    pub fn device_id_source(&self) -> DeviceIdSource {
        self.device_id_source
    }

    /// The device type (visible ASCII, at most [`crate::MAX_DEVICE_TYPE_LEN`] bytes).
    pub fn device_type(&self) -> Option<&str> {
        self.device_type.as_deref()
    }

    /// The protocol version, from the base64 query or the `MS-ASProtocolVersion` header.
    pub fn protocol_version(&self) -> Option<ProtocolVersion> {
        self.protocol_version
    }

    /// The policy key: the plain form's `PolicyKey` parameter when present, else the
    /// base64 field or the `X-MS-PolicyKey` header (which must agree).
    pub fn policy_key(&self) -> Option<u32> {
        self.policy_key
    }

    /// The locale (an MS-LCID value such as 0x0409), carried only by the base64 form.
    pub fn locale(&self) -> Option<u16> {
        self.locale
    }

    /// The command options (SaveInSent, AcceptMultiPart).
    pub fn options(&self) -> CommandOptions {
        self.options
    }

    /// The string-valued command parameters, in the order they were sent.
    pub fn parameters(&self) -> impl Iterator<Item = Parameter<'_>> + '_ {
        self.parameters.iter()
    }

    /// How many plain-form parameters MS-ASHTTP does not list the request carried (at
    /// most [`crate::MAX_OTHER_PARAMETERS`]); they stay in the target as sent.
    pub fn other_parameters(&self) -> usize {
        usize::from(self.other_parameters)
    }

    /// The value of one command parameter.
    pub fn parameter(&self, name: ParameterName) -> Option<&str> {
        self.parameters.get(name)
    }
}

/// The plain form has a `name=value` pair: an `&`, or an `=` that is not base64 padding.
fn is_plain(query: &[u8]) -> bool {
    let padding = query.iter().rev().take_while(|&&b| b == b'=').count();
    let body = &query[..query.len() - padding];
    body.iter().any(|&b| b == b'&' || b == b'=')
}

fn merge<T: PartialEq>(current: Option<T>, new: T, field: Field) -> Result<T, ParseError> {
    match current {
        Some(existing) if existing != new => Err(ParseError::ConflictingHeader { field }),
        _ => Ok(new),
    }
}
