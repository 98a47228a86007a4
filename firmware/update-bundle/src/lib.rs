//! The signed update bundle: its format, a sans-IO streaming verifier, the install policy and a writer.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod error;
mod header;
mod hex;
mod image_trust;
mod key_error;
mod key_id;
mod keys;
mod limits;
mod manifest;
mod manifest_error;
mod part;
mod policy;
mod reader;
mod trusted_keys;
#[cfg(feature = "std")]
mod writer;

#[cfg(feature = "std")]
pub use crate::writer::{WriteError, write_bundle};
pub use crate::{
    error::BundleError,
    header::{Resigned, SignedHeader, resign_header, sign_manifest},
    image_trust::{ImageTrust, TEST_KEY_ID},
    key_error::KeyError,
    key_id::KeyId,
    keys::{PublicKey, SigningKey},
    limits::{
        FORMAT, MAGIC, MAX_BOARD_LEN, MAX_HEADER_LEN, MAX_MANIFEST_LEN, MAX_NAME_LEN, MAX_PAYLOAD_LEN, MAX_PAYLOADS,
        MAX_VERSION_STRING_LEN, SIGNATURE_LEN,
    },
    manifest::{BundleInfo, Manifest, PayloadEntry},
    manifest_error::ManifestError,
    part::Part,
    policy::{CLOCK_SKEW_TOLERANCE_SECS, MAX_VERSION_JUMP, Policy, PolicyError, check_policy},
    reader::{BundleReader, Event, Step, Verified},
    trusted_keys::TrustedKeys,
};
