//! Every bound of the API: list sizes, string lengths, body sizes and the long-poll wait.

/// Most registered devices a lookup answer may list.
pub const MAX_REGISTERED_MATCHES: usize = 64;
/// Most unregistered tunnels a lookup answer may list.
pub const MAX_UNREGISTERED_TUNNELS: usize = 64;
/// Most changes one compliance answer may list (a full snapshot of a large UEM).
pub const MAX_CHANGES: usize = 50_000;
/// Most tunnel actions one answer may list (a full snapshot of the current blocks).
pub const MAX_ACTIONS: usize = 50_000;
/// Most entries one inventory push may carry.
pub const MAX_INVENTORY_ENTRIES: usize = 50_000;
/// Most entries an incremental (cursor) answer carries; `more` says whether others wait.
pub const MAX_PAGE: usize = 1_000;
/// Longest app id, in bytes (the decision core's bound).
pub const APP_ID_MAX: usize = postern_decision::APP_ID_MAX;
/// Longest service name, in bytes (the decision core's bound).
pub const SERVICE_MAX: usize = postern_decision::SERVICE_NAME_MAX;
/// Longest cursor, in bytes.
pub const CURSOR_MAX: usize = 128;
/// Longest bearer token, in bytes.
pub const TOKEN_MAX: usize = 256;
/// Longest error message, in bytes.
pub const ERROR_MESSAGE_MAX: usize = 1_024;
/// Longest long-poll wait a client may ask for, in seconds.
pub const MAX_WAIT_SECS: u32 = 30;
/// Largest request body a server accepts (except the inventory push).
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;
/// Largest inventory push body a server accepts.
pub const MAX_INVENTORY_REQUEST_BYTES: usize = 64 * 1024 * 1024;
/// Largest response body a client needs to read; anything longer is refused.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;
