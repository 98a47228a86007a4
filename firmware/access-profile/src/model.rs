//! The profile's shape, as it travels in JSON.

use postern_decision::Platform;
use serde::{Deserialize, Serialize};

/// A gateway's whole access profile. Applied whole or not at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Only goes forward: a gateway refuses a profile older than the one it holds.
    pub revision: u64,
    /// The tenant the profile belongs to.
    pub tenant: String,
    /// The SP/IdP pairings the federation proxy serves.
    #[serde(default)]
    pub pairings: Vec<Pairing>,
    /// Conditional access rules, in order: the first that matches decides.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// The federation listener's TLS certificate chain and key.
    pub listener_tls: CertifiedKeyPem,
    /// The certificate and key the gateway signs its SAML responses and requests with.
    pub saml_signing: CertifiedKeyPem,
}

/// A certificate chain (leaf first) and its private key, both PEM.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertifiedKeyPem {
    /// The chain, leaf first.
    pub certificate_chain_pem: String,
    /// The leaf's private key (PKCS#8, PKCS#1 or SEC1).
    pub private_key_pem: String,
}

impl std::fmt::Debug for CertifiedKeyPem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertifiedKeyPem")
            .field("certificate_chain_pem", &self.certificate_chain_pem)
            .field("private_key_pem", &"<redacted>")
            .finish()
    }
}

/// One cloud service (SP) paired with the identity provider that signs its users in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pairing {
    /// Unique name, used by rules and in `show accs`.
    pub name: String,
    /// The cloud service.
    pub service_provider: ServiceProvider,
    /// The real identity provider.
    pub identity_provider: IdentityProvider,
    /// What happens to its sessions when a device turns non-compliant.
    #[serde(default)]
    pub revocation: Revocation,
}

/// A SAML service provider (the cloud service).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceProvider {
    /// Its SAML entity id.
    pub entity_id: String,
    /// Assertion consumer service URLs responses may go to (https).
    pub acs_urls: Vec<String>,
    /// Its certificate (PEM), which signs its AuthnRequests.
    pub certificate_pem: String,
    /// Its Single Logout URL, if it supports SLO (https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo_url: Option<String>,
}

/// A SAML identity provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityProvider {
    /// Its SAML entity id.
    pub entity_id: String,
    /// Its single sign-on URL (https).
    pub sso_url: String,
    /// The certificates (PEM) its responses may be signed with; several during a rollover.
    pub signing_certificates_pem: Vec<String>,
}

/// Session revocation of a pairing (A5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Revocation {
    /// No revocation call.
    #[default]
    None,
    /// Microsoft Graph's `revokeSignInSessions` for the user.
    EntraGraph {
        /// The Entra tenant id.
        tenant_id: String,
        /// The application (client) id allowed to revoke sessions.
        client_id: String,
        /// Its client secret.
        client_secret: String,
        /// The Graph endpoint (https), e.g. `https://graph.microsoft.com`.
        graph_url: String,
        /// The token endpoint (https), e.g. `https://login.microsoftonline.com`.
        login_url: String,
    },
}

/// A conditional access rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Unique name, reported with each sign-in it decided.
    pub name: String,
    /// When it applies: every listed condition must hold; an empty list holds always.
    #[serde(rename = "match", default)]
    pub matches: RuleMatch,
    /// What it does.
    pub action: Action,
}

/// The conditions of a rule. Within one list any entry may match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleMatch {
    /// Pairings (by name) the rule applies to.
    #[serde(default)]
    pub pairings: Vec<String>,
    /// Device postures.
    #[serde(default)]
    pub posture: Vec<Posture>,
    /// Device platforms (`ios`, `android`, `windows`, `macos`, `other`).
    #[serde(default)]
    pub platforms: Vec<Platform>,
    /// App ids (a sign-in through an AppTunnel carries its app).
    #[serde(default)]
    pub apps: Vec<String>,
    /// Source networks, e.g. `10.0.0.0/8`.
    #[serde(default)]
    pub source_prefixes: Vec<String>,
    /// User groups from the IdP's assertion.
    #[serde(default)]
    pub groups: Vec<String>,
}

/// A device's posture as a rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Posture {
    /// Known to the UEM and compliant.
    Compliant,
    /// Known to the UEM (whatever its compliance).
    Managed,
    /// Unknown to the UEM, or not identified.
    Unmanaged,
}

/// What a rule does with a sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Action {
    /// Let it through.
    Allow,
    /// Refuse it, showing the user this message (why, and what to do).
    Deny {
        /// Shown to the user.
        message: String,
    },
    /// Let it through after showing the user this warning.
    Warn {
        /// Shown to the user.
        message: String,
    },
}

impl Action {
    /// `allow`, `deny` or `warn`.
    pub fn word(&self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Deny { .. } => "deny",
            Action::Warn { .. } => "warn",
        }
    }
}
