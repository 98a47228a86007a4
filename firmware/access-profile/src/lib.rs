//! The access profile a gateway fetches from the administrative portal (A1): its tenant,
//! SP/IdP federation pairings, conditional access rules, the federation listener's TLS
//! certificate and the SAML signing certificate with their private keys.
//!
//! Sans-IO: [`parse`] turns bytes into a [`Profile`], [`Profile::validate`] checks all of
//! it and reports every problem with its path, [`Profile::summary`] says what `show accs`
//! prints. Applying, storing and fetching are the caller's.

pub mod api;
mod check;
mod model;
mod summary;
mod validate;

pub use check::Problem;
pub use model::{
    Action, CertifiedKeyPem, IdentityProvider, Pairing, Posture, Profile, Revocation, Rule, RuleMatch, ServiceProvider,
};
pub use postern_decision::Platform;
pub use summary::{PairingLine, ProfileSummary, RuleLine};
pub use validate::{
    MAX_ACS_URLS, MAX_IDP_CERTIFICATES, MAX_LIST, MAX_NAME, MAX_PAIRINGS, MAX_PROFILE_BYTES, MAX_RULES, MAX_TEXT,
    MAX_URL, Problems, Succession,
};

/// Why bytes are not a profile.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Larger than [`MAX_PROFILE_BYTES`].
    #[error("the profile is {len} bytes long; at most {MAX_PROFILE_BYTES} are accepted")]
    TooLarge {
        /// Its length.
        len: usize,
    },
    /// Not JSON of the profile's shape (unknown fields are refused).
    #[error("the profile is not valid JSON of the profile format: {0}")]
    Json(#[from] serde_json::Error),
}

/// Parses a profile (without validating it: see [`Profile::validate`]).
pub fn parse(bytes: &[u8]) -> Result<Profile, ParseError> {
    if bytes.len() > MAX_PROFILE_BYTES {
        return Err(ParseError::TooLarge { len: bytes.len() });
    }
    Ok(serde_json::from_slice(bytes)?)
}
