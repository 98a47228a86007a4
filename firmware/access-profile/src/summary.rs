//! What `show accs` prints of a profile: one line per pairing and per rule, and the
//! certificates' fingerprints (never a key).

use crate::model::{CertifiedKeyPem, Profile, Revocation, Rule};
use serde::{Deserialize, Serialize};

/// A profile without its secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileSummary {
    /// Its revision.
    pub revision: u64,
    /// Its tenant.
    pub tenant: String,
    /// One line per pairing.
    pub pairings: Vec<PairingLine>,
    /// One line per rule, in order.
    pub rules: Vec<RuleLine>,
    /// SHA-256 of the federation listener's leaf certificate.
    pub listener_tls_sha256: String,
    /// SHA-256 of the SAML signing certificate.
    pub saml_signing_sha256: String,
}

/// A pairing in brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairingLine {
    /// Its name.
    pub name: String,
    /// The service provider's entity id.
    pub service_provider: String,
    /// The identity provider's entity id.
    pub identity_provider: String,
    /// `none` or `entra-graph`.
    pub revocation: String,
}

/// A rule in brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleLine {
    /// Its name.
    pub name: String,
    /// `allow`, `deny` or `warn`.
    pub action: String,
    /// Its conditions, e.g. `posture=unmanaged platforms=ios,android`, or `any`.
    pub conditions: String,
}

impl Profile {
    /// The summary `show accs` prints.
    pub fn summary(&self) -> ProfileSummary {
        ProfileSummary {
            revision: self.revision,
            tenant: self.tenant.clone(),
            pairings: self
                .pairings
                .iter()
                .map(|p| PairingLine {
                    name: p.name.clone(),
                    service_provider: p.service_provider.entity_id.clone(),
                    identity_provider: p.identity_provider.entity_id.clone(),
                    revocation: match p.revocation {
                        Revocation::None => "none".into(),
                        Revocation::EntraGraph { .. } => "entra-graph".into(),
                    },
                })
                .collect(),
            rules: self.rules.iter().map(rule_line).collect(),
            listener_tls_sha256: leaf_fingerprint(&self.listener_tls),
            saml_signing_sha256: leaf_fingerprint(&self.saml_signing),
        }
    }
}

fn leaf_fingerprint(pair: &CertifiedKeyPem) -> String {
    postern_tls_identity::parse_chain(&pair.certificate_chain_pem)
        .ok()
        .and_then(|chain| chain.first().map(|leaf| postern_tls_identity::fingerprint(leaf.as_ref())))
        .unwrap_or_else(|| "unreadable".into())
}

fn rule_line(rule: &Rule) -> RuleLine {
    fn words<T: Serialize>(items: &[T]) -> String {
        items
            .iter()
            .map(|i| serde_json::to_value(i).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(",")
    }
    let m = &rule.matches;
    let parts = [
        ("pairings", m.pairings.join(",")),
        ("posture", words(&m.posture)),
        ("platforms", words(&m.platforms)),
        ("apps", m.apps.join(",")),
        ("source", m.source_prefixes.join(",")),
        ("groups", m.groups.join(",")),
    ];
    let conditions: Vec<String> =
        parts.into_iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={v}")).collect();
    RuleLine {
        name: rule.name.clone(),
        action: rule.action.word().into(),
        conditions: if conditions.is_empty() { "any".into() } else { conditions.join(" ") },
    }
}
