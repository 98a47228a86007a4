//! Ed25519 key pairs and public keys, and their text files (64 hex digits, `#` comments).

use crate::hex::{self, Hex};
use crate::key_error::KeyError;
use crate::key_id::KeyId;
use alloc::string::String;
use core::fmt;
use ed25519_dalek::{Signature, Signer};

/// A public key that verifies bundle signatures.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: ed25519_dalek::VerifyingKey,
    id: KeyId,
}

impl PublicKey {
    /// A public key from its 32 bytes; refuses invalid and weak (small-order) keys.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        let key = ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map_err(|_| KeyError::InvalidPublicKey { reason: "not a point on the curve" })?;
        if key.is_weak() {
            return Err(KeyError::InvalidPublicKey { reason: "a weak, small-order key" });
        }
        Ok(Self { key, id: KeyId::of_public_key(bytes) })
    }

    /// A public key from the text of a `.pub` file: 64 hex digits, `#` comment lines allowed.
    pub fn from_text(text: &str) -> Result<Self, KeyError> {
        Self::from_bytes(&key_line(text)?)
    }

    /// The key's 32 bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The key's id (first 8 bytes of the sha256 of its 32 bytes).
    pub fn key_id(&self) -> KeyId {
        self.id
    }

    /// The text of a `.pub` file: a comment naming the key id, then the key in hex.
    pub fn to_text(&self, comment: &str) -> String {
        alloc::format!("# {comment}\n# key id {}\n{}\n", self.id, Hex(self.key.as_bytes()))
    }

    /// Checks `signature` over `message` (strict: no malleable signatures).
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        self.key.verify_strict(message, &Signature::from_bytes(signature)).is_ok()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", Hex(self.key.as_bytes()))
    }
}

/// A signing key pair, made from a 32-byte ed25519 seed.
#[derive(Clone)]
pub struct SigningKey {
    key: ed25519_dalek::SigningKey,
    public: PublicKey,
}

impl SigningKey {
    /// The key pair of a 32-byte seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        let key = ed25519_dalek::SigningKey::from_bytes(seed);
        let verifying = key.verifying_key();
        let public = PublicKey { key: verifying, id: KeyId::of_public_key(verifying.as_bytes()) };
        Self { key, public }
    }

    /// The key pair from the text of a key file: the seed as 64 hex digits, `#` comments allowed.
    pub fn from_text(text: &str) -> Result<Self, KeyError> {
        Ok(Self::from_seed(&key_line(text)?))
    }

    /// The public half.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The key's id.
    pub fn key_id(&self) -> KeyId {
        self.public.id
    }

    /// The text of a key file: a comment, then the seed in hex. Keep it secret.
    pub fn to_text(&self, comment: &str) -> String {
        alloc::format!("# {comment}\n# key id {}\n{}\n", self.public.id, Hex(self.key.as_bytes()))
    }

    /// Signs `message`.
    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey(key id {})", self.public.id)
    }
}

#[cfg(feature = "std")]
impl SigningKey {
    /// Reads a key file (see [`SigningKey::from_text`]).
    pub fn from_file(path: &std::path::Path) -> Result<Self, KeyError> {
        read_key_file(path, Self::from_text)
    }
}

#[cfg(feature = "std")]
impl PublicKey {
    /// Reads a `.pub` file (see [`PublicKey::from_text`]).
    pub fn from_file(path: &std::path::Path) -> Result<Self, KeyError> {
        read_key_file(path, Self::from_text)
    }
}

#[cfg(feature = "std")]
fn read_key_file<T>(path: &std::path::Path, parse: fn(&str) -> Result<T, KeyError>) -> Result<T, KeyError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeyError::Io { path: path.into(), source })?;
    parse(&text).map_err(|e| KeyError::File { path: path.into(), source: alloc::boxed::Box::new(e) })
}

/// The single key line of a key file's text, decoded.
fn key_line(text: &str) -> Result<[u8; 32], KeyError> {
    let mut found = None;
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if found.is_some() {
            return Err(KeyError::SecondKey { line: index + 1 });
        }
        let bytes =
            hex::decode::<32>(line).ok_or(KeyError::NotHex { line: index + 1, length: line.chars().count() })?;
        found = Some(bytes);
    }
    found.ok_or(KeyError::Missing)
}
