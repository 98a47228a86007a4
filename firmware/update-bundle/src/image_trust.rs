//! Whether an image is a production or a test image, and the id of the committed test key
//! that a production image refuses.

use crate::key_id::KeyId;
use core::fmt;
use serde::{Deserialize, Serialize};

/// The key id of the committed, public test signing key (`keys/TEST-ONLY-update-signing.pub`).
/// A production image refuses every bundle signed by it, even if its public key was copied
/// into the image's trusted keys.
pub const TEST_KEY_ID: KeyId = KeyId([0x6a, 0x16, 0xa8, 0xe7, 0xf7, 0x55, 0x7c, 0x6b]);

/// What an image was built to trust for its updates, as its build recorded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageTrust {
    /// Trusts only its operator's own update keys; refuses the committed test key.
    Production,
    /// Trusts the committed, public test keys: for development and tests only.
    Test,
}

impl ImageTrust {
    /// `production` or `test`, as written in the image's files and manifest.
    pub fn name(self) -> &'static str {
        match self {
            Self::Production => "production",
            Self::Test => "test",
        }
    }

    /// The trust named `production` or `test`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "production" => Some(Self::Production),
            "test" => Some(Self::Test),
            _ => None,
        }
    }

    /// What the appliance shows after `Image: ` (in `show version`, `show software` and the
    /// console banner).
    pub fn summary(self) -> &'static str {
        match self {
            Self::Production => "production",
            Self::Test => "TEST (trusts the public test signing key; never use in production)",
        }
    }
}

impl fmt::Display for ImageTrust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::PublicKey;

    /// The committed test key's public half; compiled in, so the constant cannot drift from it.
    const COMMITTED_TEST_KEY: &str = include_str!("../../../keys/TEST-ONLY-update-signing.pub");

    #[test]
    fn the_constant_is_the_committed_test_keys_id() {
        let key = PublicKey::from_text(COMMITTED_TEST_KEY).expect("the committed test key parses");
        assert_eq!(key.key_id(), TEST_KEY_ID);
    }

    #[test]
    fn names_round_trip_and_a_test_image_says_so() {
        for trust in [ImageTrust::Production, ImageTrust::Test] {
            assert_eq!(ImageTrust::from_name(trust.name()), Some(trust));
        }
        assert_eq!(ImageTrust::from_name("Test"), None);
        assert!(ImageTrust::Test.summary().starts_with("TEST"));
        assert_eq!(ImageTrust::Production.summary(), "production");
    }
}
