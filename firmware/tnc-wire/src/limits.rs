//! Bounds applied while parsing.

/// Maxima applied while parsing; every length on the wire is checked against one of them
/// before anything is allocated. The defaults are documented in docs/host-checker.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest PT-TLS message, header included (default 256 KiB).
    pub max_pt_tls_message: u32,
    /// Largest PB-TNC batch, header included (default 256 KiB).
    pub max_batch: u32,
    /// Most PB-TNC messages in one batch (default 64).
    pub max_batch_messages: usize,
    /// Most PA-TNC attributes in one PA-TNC message (default 64).
    pub max_attributes: usize,
    /// Most entries in one list attribute (packages, port filter, requests; default 65535).
    pub max_list_entries: usize,
    /// Largest attribute rebuilt from IF-M segments, header included (default 1 MiB).
    pub max_reassembled_attribute: u32,
}

impl Limits {
    /// The documented defaults.
    pub const DEFAULT: Self = Self {
        max_pt_tls_message: 256 * 1024,
        max_batch: 256 * 1024,
        max_batch_messages: 64,
        max_attributes: 64,
        max_list_entries: 65_535,
        max_reassembled_attribute: 1024 * 1024,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
