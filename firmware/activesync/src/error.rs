//! Typed errors: each names the field at fault and where in the input it was found.

use core::fmt;

use crate::{headers::ProtocolVersion, parameters::ParameterName};

/// A field of an ActiveSync request, as named by MS-ASHTTP.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The `Cmd` query parameter or the base64 command code.
    Command,
    /// The `User` query parameter or base64 tag 8.
    User,
    /// The `DeviceId` query parameter or the base64 device id field.
    DeviceId,
    /// The `DeviceType` query parameter or the base64 device type field.
    DeviceType,
    /// A command parameter (`ItemId`, `CollectionId`, ...).
    Parameter(ParameterName),
    /// The `SaveInSent` query parameter.
    SaveInSent,
    /// The `Options` bit mask of the base64 form (tag 7).
    Options,
    /// The protocol version (header or base64 byte).
    ProtocolVersion,
    /// The locale of the base64 form.
    Locale,
    /// A plain query parameter that MS-ASHTTP does not list.
    Other,
    /// The policy key (header, base64 field or plain `PolicyKey` parameter).
    PolicyKey,
}

impl Field {
    /// The name MS-ASHTTP uses for this field.
    pub fn name(self) -> &'static str {
        match self {
            Self::Command => "Cmd",
            Self::User => "User",
            Self::DeviceId => "DeviceId",
            Self::DeviceType => "DeviceType",
            Self::Parameter(name) => name.as_str(),
            Self::SaveInSent => "SaveInSent",
            Self::Options => "Options",
            Self::ProtocolVersion => "ProtocolVersion",
            Self::Locale => "Locale",
            Self::PolicyKey => "PolicyKey",
            Self::Other => "another parameter",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a request target (or the headers that go with it) is not a valid ActiveSync request.
///
/// `offset` is a byte offset into the request target given to the parser, except that
/// errors found in the base64 form's decoded bytes (including the variants it shares with
/// the plain form: `Empty`, `TooLong`, `InvalidCharacter`, `DuplicateParameter`,
/// `ParametersTooLong`) give the offset into the decoded byte sequence, as
/// `decoded_offset` always does.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The HTTP method is neither `POST` nor `OPTIONS`.
    #[error("method is not POST or OPTIONS")]
    MethodNotAllowed,
    /// The request target is longer than the limit.
    #[error("request target is {len} bytes, more than the {max} allowed")]
    TargetTooLong {
        /// Length of the target.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A byte that may not appear in a request target (control, space, non-ASCII, `#`).
    #[error("byte {byte:#04x} at offset {offset} may not appear in a request target")]
    InvalidTargetByte {
        /// The offending byte.
        byte: u8,
        /// Where it is.
        offset: usize,
    },
    /// The path is not `/Microsoft-Server-ActiveSync`.
    #[error("path is not /Microsoft-Server-ActiveSync (differs at offset {offset})")]
    WrongPath {
        /// First offset at which the path differs.
        offset: usize,
    },
    /// A `POST` without a query names no command.
    #[error("a POST request needs a query naming the command")]
    MissingQuery,
    /// A plain query segment without `=`.
    #[error("query parameter at offset {offset} has no '='")]
    MalformedParameter {
        /// Start of the segment.
        offset: usize,
    },
    /// A plain query parameter name outside the listed ones that is empty, too long, or
    /// has a byte other than an ASCII letter, digit, `-`, `_` or `.`.
    #[error("query parameter name at offset {offset} is not 1 to {max} ASCII letters, digits, '-', '_' or '.'")]
    InvalidParameterName {
        /// Start of the name.
        offset: usize,
        /// The longest name allowed.
        max: usize,
    },
    /// More plain query parameters outside the listed ones than the limit.
    #[error("more than {max} query parameters MS-ASHTTP does not list (the one at offset {offset} is too many)")]
    TooManyParameters {
        /// The limit.
        max: usize,
        /// Start of the first parameter past the limit.
        offset: usize,
    },
    /// The plain form's `PolicyKey` is not an unsigned 32-bit decimal number.
    #[error("PolicyKey at offset {offset}: {source}")]
    InvalidPolicyKey {
        /// Where the value starts.
        offset: usize,
        /// What is wrong with it.
        source: HeaderError,
    },
    /// The same parameter given twice (names compare case-insensitively).
    #[error("{field} is given twice (second at offset {offset})")]
    DuplicateParameter {
        /// Which parameter.
        field: Field,
        /// Where the repetition starts (a decoded offset in the base64 form).
        offset: usize,
    },
    /// `%` not followed by two hex digits.
    #[error("bad percent-encoding in {field} at offset {offset}")]
    BadPercentEncoding {
        /// Which parameter.
        field: Field,
        /// Offset of the `%`.
        offset: usize,
    },
    /// A required parameter is absent.
    #[error("required parameter {field} is missing")]
    Missing {
        /// Which parameter.
        field: Field,
    },
    /// A value that must not be empty is empty.
    #[error("{field} is empty (offset {offset})")]
    Empty {
        /// Which parameter.
        field: Field,
        /// Where the value starts.
        offset: usize,
    },
    /// A value longer than its limit.
    #[error("{field} is longer than {max} bytes (offset {offset})")]
    TooLong {
        /// Which parameter.
        field: Field,
        /// The limit.
        max: usize,
        /// Where the value starts.
        offset: usize,
    },
    /// All command-parameter values together exceed [`crate::MAX_PARAMETER_BYTES`].
    #[error("command parameters exceed {max} bytes in total (at offset {offset})")]
    ParametersTooLong {
        /// The limit.
        max: usize,
        /// Where the parameter that overflowed starts.
        offset: usize,
    },
    /// A value holds a character its field does not allow, or is not UTF-8.
    #[error("{field} has a character it may not contain (value at offset {offset})")]
    InvalidCharacter {
        /// Which parameter.
        field: Field,
        /// Where the value starts.
        offset: usize,
    },
    /// `Cmd` names no known command.
    #[error("unknown command at offset {offset}")]
    UnknownCommand {
        /// Where the value starts.
        offset: usize,
    },
    /// `SaveInSent` is neither `T` nor `F`.
    #[error("SaveInSent at offset {offset} is neither T nor F")]
    InvalidSaveInSent {
        /// Where the value starts.
        offset: usize,
    },
    /// The base64 query is not valid base64 (RFC 2045 alphabet, optional padding).
    #[error("query is not valid base64 (offset {offset})")]
    InvalidBase64 {
        /// Offset in the target of the first bad character, or of the query if the length is wrong.
        offset: usize,
    },
    /// The decoded base64 sequence ends inside a field.
    #[error("base64 query ends inside {field} (decoded offset {decoded_offset})")]
    Truncated {
        /// The field being read.
        field: Field,
        /// Where that field starts.
        decoded_offset: usize,
    },
    /// The protocol version byte of the base64 form is not a known version.
    #[error("unknown protocol version byte {value} (decoded offset 0)")]
    UnknownProtocolVersionByte {
        /// The byte.
        value: u8,
    },
    /// MS-ASHTTP forbids the base64 form for protocol versions 2.5 and 12.0.
    #[error("protocol version {version} may not use the base64 query form")]
    Base64NotAllowed {
        /// The version named.
        version: ProtocolVersion,
    },
    /// The command code of the base64 form is not in the spec's table.
    #[error("unknown command code {code} (decoded offset 1)")]
    UnknownCommandCode {
        /// The code.
        code: u8,
    },
    /// The device id length byte is zero.
    #[error("device id length is zero (decoded offset 4)")]
    EmptyDeviceId,
    /// The policy key length byte is neither 0 nor 4.
    #[error("policy key length {len} is neither 0 nor 4 (decoded offset {decoded_offset})")]
    InvalidPolicyKeyLength {
        /// The length byte.
        len: u8,
        /// Where it is.
        decoded_offset: usize,
    },
    /// A base64 command-parameter tag that MS-ASHTTP does not define.
    #[error("unknown command parameter tag {tag} (decoded offset {decoded_offset})")]
    UnknownParameterTag {
        /// The tag.
        tag: u8,
        /// Where it is.
        decoded_offset: usize,
    },
    /// The `Options` parameter is not exactly one byte.
    #[error("Options parameter is {len} bytes, not 1 (decoded offset {decoded_offset})")]
    InvalidOptionsLength {
        /// Its length.
        len: u8,
        /// Where the tag is.
        decoded_offset: usize,
    },
    /// A header carries a value that cannot be parsed.
    #[error("header {name}: {source}")]
    Header {
        /// The header's name.
        name: &'static str,
        /// What is wrong with it.
        source: HeaderError,
    },
    /// The base64 query and a header, or two copies of a header, give different values
    /// for the same field.
    #[error("{field} in the query differs from the header")]
    ConflictingHeader {
        /// Which field.
        field: Field,
    },
}

/// Why a header value cannot be parsed.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// The value is empty (after trimming spaces and tabs).
    #[error("value is empty")]
    Empty,
    /// `MS-ASProtocolVersion` names a version this parser does not know.
    #[error("unknown protocol version")]
    UnknownProtocolVersion,
    /// `X-MS-PolicyKey` has a byte that is not a decimal digit.
    #[error("byte at offset {offset} is not a decimal digit")]
    NotDecimal {
        /// Offset in the header value.
        offset: usize,
    },
    /// `X-MS-PolicyKey` does not fit in 32 bits (or has more than 10 digits).
    #[error("policy key does not fit in 32 bits")]
    PolicyKeyOverflow,
}
