//! `postern-portal admin`: changes a tenant's profile (validated whole before it is
//! stored, each change a new revision), its gateway tokens and the fault order; lists what
//! gateways reported.

use crate::cli::{ActionArg, AdminCommand, FaultArg, PairingArgs, RuleArgs};
use crate::faults::{FaultKind, FaultOrder};
use crate::store::{StateDir, StoreError, token_hash, write_json};
use postern_access_profile::{
    Action, CertifiedKeyPem, IdentityProvider, Pairing, Problems, Profile, Revocation, Rule, RuleMatch, ServiceProvider,
};
use std::path::{Path, PathBuf};

/// Why an admin command failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum AdminError {
    /// The state could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The change would make the profile invalid; nothing was stored.
    #[error("refused, nothing changed: {0}")]
    Invalid(#[from] Problems),
    /// A PEM file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Making a certificate failed.
    #[error("cannot make a certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// No such pairing or rule.
    #[error("tenant {tenant:?} has no {what} named {name:?}")]
    Missing {
        /// The tenant.
        tenant: String,
        /// `pairing` or `rule`.
        what: &'static str,
        /// The name.
        name: String,
    },
    /// A gateway id or token is unusable.
    #[error("{0}")]
    Argument(String),
}

/// Runs one admin command and returns what to print.
pub(crate) fn run(state: &Path, command: AdminCommand) -> Result<String, AdminError> {
    let state = StateDir::new(state);
    match command {
        AdminCommand::Certificates {
            tenant,
            self_signed,
            listener_name,
            listener_cert,
            listener_key,
            signing_cert,
            signing_key,
        } => {
            let (listener_tls, saml_signing) = if self_signed {
                (generate(&listener_name)?, generate("Postern SAML signing")?)
            } else {
                (pair_from(listener_cert, listener_key)?, pair_from(signing_cert, signing_key)?)
            };
            let profile = match state.profile(&tenant)? {
                Some(mut p) => {
                    p.listener_tls = listener_tls;
                    p.saml_signing = saml_signing;
                    p.revision += 1;
                    p
                }
                None => Profile { revision: 1, tenant, pairings: vec![], rules: vec![], listener_tls, saml_signing },
            };
            store(&state, profile)
        }
        AdminCommand::Pairing(args) => {
            let pairing = pairing_from(&args)?;
            change(&state, &args.tenant, |p| {
                match p.pairings.iter_mut().find(|q| q.name == pairing.name) {
                    Some(existing) => *existing = pairing,
                    None => p.pairings.push(pairing),
                }
                Ok(())
            })
        }
        AdminCommand::RemovePairing { tenant, name } => change(&state, &tenant.clone(), |p| {
            let before = p.pairings.len();
            p.pairings.retain(|q| q.name != name);
            if p.pairings.len() == before {
                return Err(AdminError::Missing { tenant, what: "pairing", name });
            }
            Ok(())
        }),
        AdminCommand::Rule(args) => {
            let rule = rule_from(args.clone_parts());
            change(&state, &args.tenant, |p| {
                match p.rules.iter_mut().find(|r| r.name == rule.name) {
                    Some(existing) => *existing = rule,
                    None => p.rules.push(rule),
                }
                Ok(())
            })
        }
        AdminCommand::RemoveRule { tenant, name } => change(&state, &tenant.clone(), |p| {
            let before = p.rules.len();
            p.rules.retain(|r| r.name != name);
            if p.rules.len() == before {
                return Err(AdminError::Missing { tenant, what: "rule", name });
            }
            Ok(())
        }),
        AdminCommand::Bump { tenant } => change(&state, &tenant, |_| Ok(())),
        AdminCommand::Show { tenant } => summary(&state.existing_profile(&tenant)?),
        AdminCommand::Token { tenant, gateway, token } => {
            if token.len() < 16 || token.len() > 256 || !token.chars().all(|c| c.is_ascii_graphic()) {
                return Err(AdminError::Argument("a token is 16 to 256 printable ASCII characters".into()));
            }
            if gateway.is_empty()
                || gateway.len() > 64
                || !gateway.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                return Err(AdminError::Argument("a gateway id is 1 to 64 letters, digits or '-'".into()));
            }
            state.existing_profile(&tenant)?;
            let mut gateways = state.gateways(&tenant)?;
            gateways.insert(gateway.clone(), token_hash(&token));
            state.save_gateways(&tenant, &gateways)?;
            Ok(format!("gateway {gateway} of tenant {tenant} may fetch the profile"))
        }
        AdminCommand::SignIns { tenant } => {
            let lines: Vec<String> =
                state.sign_ins(&tenant)?.values().map(|r| serde_json::to_string(r).unwrap_or_default()).collect();
            Ok(lines.join("\n"))
        }
        AdminCommand::Fault { kind, count, secs } => {
            let fault = match kind {
                FaultArg::Status500 => Some(FaultKind::Status500),
                FaultArg::Unavailable => Some(FaultKind::Unavailable),
                FaultArg::Garbage => Some(FaultKind::Garbage),
                FaultArg::InvalidProfile => Some(FaultKind::InvalidProfile),
                FaultArg::Slow => Some(FaultKind::Slow { secs }),
                FaultArg::Clear => None,
            };
            write_json(&state.faults_path(), &FaultOrder { id: rand::random(), fault, count })?;
            Ok(String::new())
        }
    }
}

fn change(
    state: &StateDir,
    tenant: &str,
    f: impl FnOnce(&mut Profile) -> Result<(), AdminError>,
) -> Result<String, AdminError> {
    let mut profile = state.existing_profile(tenant)?;
    f(&mut profile)?;
    profile.revision += 1;
    store(state, profile)
}

fn store(state: &StateDir, profile: Profile) -> Result<String, AdminError> {
    profile.validate()?;
    state.save_profile(&profile)?;
    summary(&profile)
}

fn summary(profile: &Profile) -> Result<String, AdminError> {
    serde_json::to_string_pretty(&profile.summary()).map_err(|e| AdminError::Argument(e.to_string()))
}

fn read(path: &Path) -> Result<String, AdminError> {
    std::fs::read_to_string(path).map_err(|source| AdminError::Read { path: path.to_owned(), source })
}

fn pair_from(cert: Option<PathBuf>, key: Option<PathBuf>) -> Result<CertifiedKeyPem, AdminError> {
    let (Some(cert), Some(key)) = (cert, key) else {
        return Err(AdminError::Argument("give both the certificate and the key, or --self-signed".into()));
    };
    Ok(CertifiedKeyPem { certificate_chain_pem: read(&cert)?, private_key_pem: read(&key)? })
}

fn generate(name: &str) -> Result<CertifiedKeyPem, AdminError> {
    let key = rcgen::KeyPair::generate()?;
    let mut params = rcgen::CertificateParams::new(vec![name.to_owned()])?;
    params.distinguished_name.push(rcgen::DnType::CommonName, name);
    let cert = params.self_signed(&key)?;
    Ok(CertifiedKeyPem { certificate_chain_pem: cert.pem(), private_key_pem: key.serialize_pem() })
}

fn pairing_from(args: &PairingArgs) -> Result<Pairing, AdminError> {
    Ok(Pairing {
        name: args.name.clone(),
        service_provider: ServiceProvider {
            entity_id: args.sp_entity_id.clone(),
            acs_urls: args.acs_urls.clone(),
            certificate_pem: read(&args.sp_cert)?,
            slo_url: args.slo_url.clone(),
        },
        identity_provider: IdentityProvider {
            entity_id: args.idp_entity_id.clone(),
            sso_url: args.sso_url.clone(),
            signing_certificates_pem: args.idp_certs.iter().map(|p| read(p)).collect::<Result<_, _>>()?,
        },
        revocation: revocation_from(args)?,
    })
}

fn revocation_from(args: &PairingArgs) -> Result<Revocation, AdminError> {
    let entra = [&args.entra_tenant_id, &args.entra_client_id].iter().any(|o| o.is_some())
        || args.entra_client_secret_file.is_some();
    match args.revocation {
        crate::cli::RevocationArg::None if entra => {
            Err(AdminError::Argument("the --entra-* options need --revocation entra-graph".into()))
        }
        crate::cli::RevocationArg::None => Ok(Revocation::None),
        crate::cli::RevocationArg::EntraGraph => {
            let (Some(tenant_id), Some(client_id), Some(secret)) =
                (&args.entra_tenant_id, &args.entra_client_id, &args.entra_client_secret_file)
            else {
                return Err(AdminError::Argument(
                    "--revocation entra-graph needs --entra-tenant-id, --entra-client-id and --entra-client-secret-file"
                        .into(),
                ));
            };
            Ok(Revocation::EntraGraph {
                tenant_id: tenant_id.clone(),
                client_id: client_id.clone(),
                client_secret: read(secret)?.trim().to_owned(),
                graph_url: args.graph_url.clone(),
                login_url: args.login_url.clone(),
            })
        }
    }
}

impl RuleArgs {
    fn clone_parts(&self) -> (String, ActionArg, Option<String>, RuleMatch) {
        (
            self.name.clone(),
            self.action,
            self.message.clone(),
            RuleMatch {
                pairings: self.pairings.clone(),
                posture: self.posture.clone(),
                platforms: self.platforms.clone(),
                apps: self.apps.clone(),
                source_prefixes: self.sources.clone(),
                groups: self.groups.clone(),
            },
        )
    }
}

fn rule_from((name, action, message, matches): (String, ActionArg, Option<String>, RuleMatch)) -> Rule {
    let message = message.unwrap_or_default();
    let action = match action {
        ActionArg::Allow => Action::Allow,
        ActionArg::Deny => Action::Deny { message },
        ActionArg::Warn => Action::Warn { message },
    };
    Rule { name, matches, action }
}
