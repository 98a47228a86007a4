//! How a Host Checker session authenticates: the device certificate, SASL PLAIN, or both
//! (`[host_checker.sasl]`), decided per session from the committed mode and whether the
//! client presented a certificate. A session without a certificate is only ever served
//! when the mode is `optional`, and then only after SASL PLAIN succeeds.

use postern_config::{HostCheckerSasl, SaslMode};
use postern_host_checker::{PasswordCheck, SASL_MAX_ATTEMPTS, SaslAccounts};
use std::sync::Arc;

/// The committed accounts, checked against their salted hashes.
struct Accounts(HostCheckerSasl);

impl PasswordCheck for Accounts {
    fn check(&self, user: &str, password: &[u8]) -> bool {
        self.0.verify(user, password)
    }
}

/// Who the session is, as far as the TLS handshake told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Identity {
    /// The device of the client certificate.
    Device(String),
    /// No certificate: the session is the SASL user's alone (see docs/host-checker.md):
    /// its decisions are logged, counted and shown with the session, never recorded for
    /// a device.
    UserOnly,
}

/// What a new session does about SASL: `Err` with the reason when it may not go on.
pub(crate) fn plan(sasl: &HostCheckerSasl, identity: &Identity) -> Result<Option<SaslAccounts>, &'static str> {
    let accounts = || SaslAccounts { accounts: Arc::new(Accounts(sasl.clone())), max_attempts: SASL_MAX_ATTEMPTS };
    match (sasl.mode, identity) {
        (SaslMode::Required, _) if matches!(identity, Identity::UserOnly) => {
            Err("no device certificate (host_checker.sasl.mode is required: certificate and password)")
        }
        (SaslMode::Required, _) => Ok(Some(accounts())),
        (SaslMode::Optional, Identity::UserOnly) => Ok(Some(accounts())),
        (SaslMode::Optional | SaslMode::Off, Identity::Device(_)) => Ok(None),
        (SaslMode::Off, Identity::UserOnly) => Err("no device certificate (host_checker.sasl.mode is off)"),
    }
}

/// How the session authenticated, for `show host-checker sessions`.
pub(crate) fn method(identity: &Identity, user: Option<&str>) -> String {
    match (identity, user) {
        (Identity::Device(_), None) => "certificate".to_owned(),
        (Identity::Device(_), Some(user)) => format!("certificate+sasl:{user}"),
        (Identity::UserOnly, Some(user)) => format!("sasl:{user}"),
        (Identity::UserOnly, None) => "sasl (pending)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_without_a_certificate_needs_optional_mode_and_gets_sasl() {
        let mut sasl = HostCheckerSasl::default();
        let device = Identity::Device("dev-1".into());
        assert!(matches!(plan(&sasl, &device), Ok(None)));
        assert!(plan(&sasl, &Identity::UserOnly).is_err());
        sasl.mode = SaslMode::Optional;
        assert!(matches!(plan(&sasl, &device), Ok(None)));
        assert!(matches!(plan(&sasl, &Identity::UserOnly), Ok(Some(_))));
        sasl.mode = SaslMode::Required;
        assert!(matches!(plan(&sasl, &device), Ok(Some(_))));
        assert!(plan(&sasl, &Identity::UserOnly).is_err());
    }
}
