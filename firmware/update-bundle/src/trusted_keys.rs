//! The public keys an appliance trusts to sign its updates, looked up by key id.

use crate::key_error::KeyError;
use crate::key_id::KeyId;
use crate::keys::PublicKey;
use alloc::collections::BTreeMap;

/// The set of public keys whose signatures are accepted, by key id.
#[derive(Clone, Debug, Default)]
pub struct TrustedKeys {
    keys: BTreeMap<KeyId, PublicKey>,
}

impl TrustedKeys {
    /// An empty set (trusts nothing).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key; refuses a second key with the same id (the same key twice is harmless).
    pub fn insert(&mut self, key: PublicKey) -> Result<(), KeyError> {
        match self.keys.get(&key.key_id()) {
            Some(existing) if *existing != key => Err(KeyError::DuplicateKeyId { key_id: key.key_id() }),
            _ => {
                self.keys.insert(key.key_id(), key);
                Ok(())
            }
        }
    }

    /// The set of the keys in these `.pub` texts (e.g. built in with `include_str!`).
    pub fn from_texts(texts: &[&str]) -> Result<Self, KeyError> {
        let mut keys = Self::new();
        for text in texts {
            keys.insert(PublicKey::from_text(text)?)?;
        }
        Ok(keys)
    }

    /// The key with this id, if trusted.
    pub fn get(&self, key_id: KeyId) -> Option<&PublicKey> {
        self.keys.get(&key_id)
    }

    /// The trusted key ids, in order.
    pub fn key_ids(&self) -> impl Iterator<Item = KeyId> + '_ {
        self.keys.keys().copied()
    }

    /// How many keys are trusted.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is trusted.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(feature = "std")]
impl TrustedKeys {
    /// The keys of every `*.pub` file in `dir`; refuses a directory without any.
    pub fn from_dir(dir: &std::path::Path) -> Result<Self, KeyError> {
        let io = |source| KeyError::Io { path: dir.into(), source };
        let mut paths = std::vec::Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if path.extension().is_some_and(|ext| ext == "pub") && path.is_file() {
                paths.push(path);
            }
        }
        if paths.is_empty() {
            return Err(KeyError::NoTrustedKeys { dir: dir.into() });
        }
        paths.sort();
        let mut keys = Self::new();
        for path in paths {
            keys.insert(PublicKey::from_file(&path)?)?;
        }
        Ok(keys)
    }
}
