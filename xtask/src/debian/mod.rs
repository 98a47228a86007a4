//! Debian packages pinned by version and sha256: the archive's offers, version ordering,
//! the per-user download cache, and what to say when a pin can no longer be fetched.

pub(crate) mod archive;
pub(crate) mod deb_cache;
pub(crate) mod unavailable;
pub(crate) mod version;
