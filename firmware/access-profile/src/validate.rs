//! [`Profile::validate`]: every field checked, every problem reported with its path.

use crate::check::{self, Problem};
use crate::model::{CertifiedKeyPem, Pairing, Profile, Revocation, Rule};
use std::collections::BTreeSet;

/// Largest profile accepted, in bytes.
pub const MAX_PROFILE_BYTES: usize = 4 * 1024 * 1024;
/// Most pairings in a profile.
pub const MAX_PAIRINGS: usize = 256;
/// Most rules in a profile.
pub const MAX_RULES: usize = 1024;
/// Most ACS URLs of one service provider.
pub const MAX_ACS_URLS: usize = 16;
/// Most signing certificates of one identity provider.
pub const MAX_IDP_CERTIFICATES: usize = 4;
/// Most entries in one list of a rule's match.
pub const MAX_LIST: usize = 256;
/// Longest name (tenant, pairing, rule).
pub const MAX_NAME: usize = 64;
/// Longest free text (entity ids, app ids, groups, messages, secrets).
pub const MAX_TEXT: usize = 1024;
/// Longest URL.
pub const MAX_URL: usize = 2048;

/// Every problem found in a profile (at least one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the profile has {} problem(s): {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct Problems(pub Vec<Problem>);

/// How a new revision stands against the one held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Succession {
    /// Nothing held yet, or a newer revision: apply it.
    Newer,
    /// The revision held: nothing to do.
    Same,
    /// An older revision than the one held: refuse it.
    Older,
}

struct Report(Vec<Problem>);

impl Report {
    fn check(&mut self, path: impl FnOnce() -> String, outcome: Result<(), String>) {
        if let Err(reason) = outcome {
            self.0.push(Problem { path: path(), reason });
        }
    }

    fn count(&mut self, path: impl FnOnce() -> String, len: usize, min: usize, max: usize) {
        let outcome = if len < min {
            Err(format!("needs at least {min} entr{}", if min == 1 { "y" } else { "ies" }))
        } else if len > max {
            Err(format!("has {len} entries; at most {max}"))
        } else {
            Ok(())
        };
        self.check(path, outcome);
    }
}

impl Profile {
    /// Checks everything: names, URLs, PEMs (every certificate parses, every key matches
    /// its certificate), uniqueness, what rules refer to, and sizes.
    pub fn validate(&self) -> Result<(), Problems> {
        let mut report = Report(Vec::new());
        report.check(|| "tenant".into(), check::name(&self.tenant));
        report.count(|| "pairings".into(), self.pairings.len(), 0, MAX_PAIRINGS);
        report.count(|| "rules".into(), self.rules.len(), 0, MAX_RULES);
        let mut names = BTreeSet::new();
        let mut entities = BTreeSet::new();
        for (i, pairing) in self.pairings.iter().enumerate() {
            let at = format!("pairings[{i}]");
            if !names.insert(pairing.name.as_str()) {
                report.check(|| format!("{at}.name"), Err(format!("{:?} is used by an earlier pairing", pairing.name)));
            }
            if !entities.insert(pairing.service_provider.entity_id.as_str()) {
                report.check(
                    || format!("{at}.service_provider.entity_id"),
                    Err("an earlier pairing has the same service provider".into()),
                );
            }
            pairing_problems(&mut report, &at, pairing);
        }
        let mut rule_names = BTreeSet::new();
        for (i, rule) in self.rules.iter().enumerate() {
            let at = format!("rules[{i}]");
            if !rule_names.insert(rule.name.as_str()) {
                report.check(|| format!("{at}.name"), Err(format!("{:?} is used by an earlier rule", rule.name)));
            }
            rule_problems(&mut report, &at, rule, &names);
        }
        key_problems(&mut report, "listener_tls", &self.listener_tls);
        key_problems(&mut report, "saml_signing", &self.saml_signing);
        if report.0.is_empty() { Ok(()) } else { Err(Problems(report.0)) }
    }

    /// How this profile's revision stands against the one held (`None`: none held).
    pub fn succession(&self, held: Option<u64>) -> Succession {
        match held {
            None => Succession::Newer,
            Some(held) if self.revision > held => Succession::Newer,
            Some(held) if self.revision == held => Succession::Same,
            Some(_) => Succession::Older,
        }
    }
}

fn pairing_problems(report: &mut Report, at: &str, pairing: &Pairing) {
    report.check(|| format!("{at}.name"), check::name(&pairing.name));
    let sp = &pairing.service_provider;
    report.check(|| format!("{at}.service_provider.entity_id"), check::text(&sp.entity_id));
    report.count(|| format!("{at}.service_provider.acs_urls"), sp.acs_urls.len(), 1, MAX_ACS_URLS);
    for (j, url) in sp.acs_urls.iter().enumerate() {
        report.check(|| format!("{at}.service_provider.acs_urls[{j}]"), check::https_url(url));
    }
    report.check(|| format!("{at}.service_provider.certificate_pem"), certificate(&sp.certificate_pem));
    if let Some(url) = &sp.slo_url {
        report.check(|| format!("{at}.service_provider.slo_url"), check::https_url(url));
    }
    let idp = &pairing.identity_provider;
    report.check(|| format!("{at}.identity_provider.entity_id"), check::text(&idp.entity_id));
    report.check(|| format!("{at}.identity_provider.sso_url"), check::https_url(&idp.sso_url));
    let certs = &idp.signing_certificates_pem;
    report.count(|| format!("{at}.identity_provider.signing_certificates_pem"), certs.len(), 1, MAX_IDP_CERTIFICATES);
    for (j, pem) in certs.iter().enumerate() {
        report.check(|| format!("{at}.identity_provider.signing_certificates_pem[{j}]"), certificate(pem));
    }
    if let Revocation::EntraGraph { tenant_id, client_id, client_secret, graph_url, login_url } = &pairing.revocation {
        let r = format!("{at}.revocation");
        report.check(|| format!("{r}.tenant_id"), check::text(tenant_id));
        report.check(|| format!("{r}.client_id"), check::text(client_id));
        report.check(|| format!("{r}.client_secret"), check::text(client_secret));
        report.check(|| format!("{r}.graph_url"), check::https_url(graph_url));
        report.check(|| format!("{r}.login_url"), check::https_url(login_url));
    }
}

fn rule_problems(report: &mut Report, at: &str, rule: &Rule, pairings: &BTreeSet<&str>) {
    report.check(|| format!("{at}.name"), check::name(&rule.name));
    let m = &rule.matches;
    let lists = [
        ("pairings", m.pairings.len()),
        ("posture", m.posture.len()),
        ("platforms", m.platforms.len()),
        ("apps", m.apps.len()),
        ("source_prefixes", m.source_prefixes.len()),
        ("groups", m.groups.len()),
    ];
    for (list, len) in lists {
        report.count(|| format!("{at}.match.{list}"), len, 0, MAX_LIST);
    }
    for (j, name) in m.pairings.iter().enumerate() {
        let known =
            if pairings.contains(name.as_str()) { Ok(()) } else { Err(format!("no pairing is named {name:?}")) };
        report.check(|| format!("{at}.match.pairings[{j}]"), known);
    }
    for (j, app) in m.apps.iter().enumerate() {
        report.check(|| format!("{at}.match.apps[{j}]"), check::text(app));
    }
    for (j, prefix) in m.source_prefixes.iter().enumerate() {
        report.check(|| format!("{at}.match.source_prefixes[{j}]"), check::prefix(prefix));
    }
    for (j, group) in m.groups.iter().enumerate() {
        report.check(|| format!("{at}.match.groups[{j}]"), check::text(group));
    }
    match &rule.action {
        crate::Action::Allow => {}
        crate::Action::Deny { message } | crate::Action::Warn { message } => {
            report.check(|| format!("{at}.action.message"), check::text(message));
        }
    }
}

fn certificate(pem: &str) -> Result<(), String> {
    postern_tls_identity::parse_chain(pem).map(drop).map_err(|e| e.to_string())
}

fn key_problems(report: &mut Report, at: &str, pair: &CertifiedKeyPem) {
    let chain = postern_tls_identity::parse_chain(&pair.certificate_chain_pem);
    let key = postern_tls_identity::parse_key(&pair.private_key_pem);
    report.check(|| format!("{at}.certificate_chain_pem"), chain.as_ref().map(drop).map_err(ToString::to_string));
    report.check(|| format!("{at}.private_key_pem"), key.as_ref().map(drop).map_err(ToString::to_string));
    if let (Ok(chain), Ok(key)) = (chain, key) {
        report.check(
            || format!("{at}.private_key_pem"),
            postern_tls_identity::check_pair(&chain, &key).map_err(|e| e.to_string()),
        );
    }
}
