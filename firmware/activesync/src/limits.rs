//! Every bound the parser enforces, in one place.

/// The only path an ActiveSync request may use (compared ASCII case-insensitively).
pub const ACTIVESYNC_PATH: &str = "/Microsoft-Server-ActiveSync";

/// Longest accepted query (the bytes after `?`), in bytes. Matches the IIS default
/// `maxQueryString` that Exchange runs behind, so nothing Exchange accepts is refused.
pub const MAX_QUERY_LEN: usize = 2048;

/// Longest text device id: MS-ASHTTP's `device-id = 1*32(ALPHA / DIGIT)`.
pub const MAX_DEVICE_ID_LEN: usize = 32;

/// Longest binary device id in the base64 form (its upper-case hex must fit
/// [`MAX_DEVICE_ID_LEN`]); a 16-byte GUID is the common case.
pub const MAX_DEVICE_ID_BINARY_LEN: usize = MAX_DEVICE_ID_LEN / 2;

/// Longest device type, in bytes (the spec only says `1*VCHAR`; real values such as
/// `iPhone`, `Android` or `WindowsOutlook15` are far shorter).
pub const MAX_DEVICE_TYPE_LEN: usize = 64;

/// Longest user name, in bytes after percent-decoding (a UPN or `DOMAIN\user`).
pub const MAX_USER_LEN: usize = 256;

/// Longest value of one command parameter (`ItemId`, `LongId`, ...), in bytes after
/// decoding. The base64 form cannot carry more than 255.
pub const MAX_PARAMETER_VALUE_LEN: usize = 256;

/// Total bytes of all command-parameter values of one request, after decoding.
pub const MAX_PARAMETER_BYTES: usize = 1024;

/// Most parameters of the plain form that MS-ASHTTP does not list (`PolicyKey` is
/// listed here, see [`crate::ActiveSyncRequest::policy_key`]); they are checked and
/// forwarded unchanged. Real clients send one or two.
pub const MAX_OTHER_PARAMETERS: usize = 8;

/// Longest name of such a parameter, in bytes (ASCII letters, digits, `-`, `_`, `.`).
pub const MAX_OTHER_NAME_LEN: usize = 32;

/// Longest value of such a parameter, in bytes after percent-decoding.
pub const MAX_OTHER_VALUE_LEN: usize = 256;

/// Distinct command parameters that can be stored (one per [`crate::ParameterName`]).
pub(crate) const MAX_PARAMETERS: usize = 7;

/// Longest command name (`ResolveRecipients`).
pub(crate) const MAX_COMMAND_NAME_LEN: usize = 17;

/// Largest decoded base64 query: every 4 characters carry 3 bytes.
pub(crate) const MAX_DECODED_QUERY_LEN: usize = MAX_QUERY_LEN / 4 * 3;
