//! Matching an offered SSH public key against the authorised keys.

use russh::keys::PublicKey;

use crate::session::{AuthorisedKey, Privilege};

/// The privilege `user` gets with `offered`, or `None` if no authorised key matches both.
///
/// Keys are compared by their key data only (the comment is ignored). Lines that do not parse
/// as OpenSSH public keys are skipped with a warning; a user listed with the same key twice
/// gets the higher privilege.
pub fn privilege_for(keys: &[AuthorisedKey], user: &str, offered: &PublicKey) -> Option<Privilege> {
    keys.iter()
        .filter(|k| k.user == user)
        .filter(|k| match PublicKey::from_openssh(k.openssh.trim()) {
            Ok(key) => key.key_data() == offered.key_data(),
            Err(error) => {
                tracing::warn!(user = %k.user, %error, "skipping an authorised key that does not parse");
                false
            }
        })
        .map(|k| k.privilege)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIjxdR/aiIBDkH0vle0H5ePiCvs7yAwhFQjFfILvLz6T a@x";
    const KEY_B: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFskJprtZOcVhl1Pp/NjSrUviTdnPAWaJ9EhY+n7wOYL b@x";

    fn key(user: &str, privilege: Privilege, openssh: &str) -> AuthorisedKey {
        AuthorisedKey { user: user.into(), privilege, openssh: openssh.into() }
    }

    fn public(line: &str) -> PublicKey {
        PublicKey::from_openssh(line).unwrap_or_else(|e| panic!("test key {line}: {e}"))
    }

    #[test]
    fn user_and_key_must_both_match() {
        let keys = [key("alice", Privilege::Administrator, KEY_A), key("bob", Privilege::Operator, KEY_B)];
        assert_eq!(privilege_for(&keys, "alice", &public(KEY_A)), Some(Privilege::Administrator));
        assert_eq!(privilege_for(&keys, "bob", &public(KEY_B)), Some(Privilege::Operator));
        assert_eq!(privilege_for(&keys, "alice", &public(KEY_B)), None);
        assert_eq!(privilege_for(&keys, "bob", &public(KEY_A)), None);
        assert_eq!(privilege_for(&keys, "carol", &public(KEY_A)), None);
    }

    #[test]
    fn comments_are_ignored_and_bad_lines_skipped() {
        let renamed = KEY_A.replace("a@x", "laptop");
        let keys = [key("alice", Privilege::Operator, "garbage"), key("alice", Privilege::Operator, &renamed)];
        assert_eq!(privilege_for(&keys, "alice", &public(KEY_A)), Some(Privilege::Operator));
    }

    #[test]
    fn the_higher_privilege_wins_for_a_duplicate() {
        let keys = [key("alice", Privilege::Operator, KEY_A), key("alice", Privilege::Administrator, KEY_A)];
        assert_eq!(privilege_for(&keys, "alice", &public(KEY_A)), Some(Privilege::Administrator));
    }
}
