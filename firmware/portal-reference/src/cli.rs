//! The command line: `postern-portal serve …` and `postern-portal admin --state DIR COMMAND`.

use clap::{Parser, Subcommand, ValueEnum};
use postern_access_profile::{Platform, Posture};
use std::path::PathBuf;

/// The reference administrative portal for Postern: per tenant an access profile, gateway
/// tokens and sign-in reports, served to gateways over HTTPS.
#[derive(Debug, Parser)]
#[command(name = "postern-portal", version)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Change or show the state (works whether the server runs or not).
    Admin {
        /// The server's state directory.
        #[arg(long)]
        state: PathBuf,
        #[command(subcommand)]
        command: AdminCommand,
    },
}

/// `postern-portal serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// Address of the gateway API (HTTPS); port 0 picks a free one.
    #[arg(long, default_value = "0.0.0.0:443")]
    pub(crate) listen: String,
    /// The state directory (created if missing).
    #[arg(long)]
    pub(crate) state: PathBuf,
    /// The server's certificate.
    #[command(flatten)]
    pub(crate) tls: postern_reference_server::TlsArgs,
    /// Write the API port here once listening.
    #[arg(long)]
    pub(crate) port_file: Option<PathBuf>,
    /// Honour the test fault hooks (`postern-portal admin … fault`). Never in production.
    #[arg(long)]
    pub(crate) faults: bool,
}

/// A rule's action on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ActionArg {
    /// Let the sign-in through.
    Allow,
    /// Refuse it (give `--message`).
    Deny,
    /// Let it through after a warning (give `--message`).
    Warn,
}

/// A pairing's session revocation (A5) on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum RevocationArg {
    /// No revocation call.
    None,
    /// Microsoft Graph's `revokeSignInSessions` (give the `--entra-*` options).
    EntraGraph,
}

/// A fault on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum FaultArg {
    /// Answer 500.
    Status500,
    /// Answer 503.
    Unavailable,
    /// Answer 200 with a body that is not JSON.
    Garbage,
    /// Answer 200 with a newer profile whose signing key does not match its certificate.
    InvalidProfile,
    /// Answer after `--secs` seconds.
    Slow,
    /// Back to normal.
    Clear,
}

/// Admin commands. Each change to a profile bumps its revision and is validated before it
/// is stored: a change that would make the profile invalid is refused with every problem.
#[derive(Debug, Subcommand)]
pub(crate) enum AdminCommand {
    /// Set a tenant's listener TLS and SAML signing certificates (creating the tenant).
    Certificates {
        /// The tenant.
        tenant: String,
        /// Make fresh self-signed ECDSA P-256 certificates instead of reading files.
        #[arg(long, conflicts_with_all = ["listener_cert", "listener_key", "signing_cert", "signing_key"])]
        self_signed: bool,
        /// The host name in a self-signed listener certificate.
        #[arg(long, default_value = "localhost")]
        listener_name: String,
        /// The federation listener's certificate chain (PEM file).
        #[arg(long, required_unless_present = "self_signed", requires = "listener_key")]
        listener_cert: Option<PathBuf>,
        /// Its private key (PEM file).
        #[arg(long)]
        listener_key: Option<PathBuf>,
        /// The SAML signing certificate (PEM file).
        #[arg(long, required_unless_present = "self_signed", requires = "signing_key")]
        signing_cert: Option<PathBuf>,
        /// Its private key (PEM file).
        #[arg(long)]
        signing_key: Option<PathBuf>,
    },
    /// Add or replace a pairing.
    Pairing(Box<PairingArgs>),
    /// Remove a pairing.
    RemovePairing {
        /// The tenant.
        tenant: String,
        /// The pairing.
        name: String,
    },
    /// Add or replace a rule (a new rule goes last).
    Rule(RuleArgs),
    /// Remove a rule.
    RemoveRule {
        /// The tenant.
        tenant: String,
        /// The rule.
        name: String,
    },
    /// Bump the revision without another change.
    Bump {
        /// The tenant.
        tenant: String,
    },
    /// Show the tenant's profile in brief (no keys).
    Show {
        /// The tenant.
        tenant: String,
    },
    /// Let a gateway of the tenant in with this bearer token.
    Token {
        /// The tenant.
        tenant: String,
        /// The gateway's id.
        gateway: String,
        /// Its token (stored as a SHA-256 hash).
        token: String,
    },
    /// List the sign-in reports received, one JSON object a line.
    SignIns {
        /// The tenant.
        tenant: String,
    },
    /// Order a test fault (the server honours it with `--faults`).
    Fault {
        /// Which.
        kind: FaultArg,
        /// How many answers.
        #[arg(long, default_value_t = 1)]
        count: u32,
        /// Delay of `slow`, in seconds.
        #[arg(long, default_value_t = 5)]
        secs: u64,
    },
}

/// `postern-portal admin pairing`.
#[derive(Debug, clap::Args)]
pub(crate) struct PairingArgs {
    /// The tenant.
    pub(crate) tenant: String,
    /// The pairing's name.
    pub(crate) name: String,
    /// The service provider's entity id.
    #[arg(long)]
    pub(crate) sp_entity_id: String,
    /// An ACS URL of the service provider (repeat for more).
    #[arg(long = "acs-url", required = true)]
    pub(crate) acs_urls: Vec<String>,
    /// The service provider's certificate (PEM file).
    #[arg(long)]
    pub(crate) sp_cert: PathBuf,
    /// The service provider's Single Logout URL.
    #[arg(long)]
    pub(crate) slo_url: Option<String>,
    /// The identity provider's entity id.
    #[arg(long)]
    pub(crate) idp_entity_id: String,
    /// The identity provider's SSO URL.
    #[arg(long)]
    pub(crate) sso_url: String,
    /// A signing certificate of the identity provider (PEM file; repeat for more).
    #[arg(long = "idp-cert", required = true)]
    pub(crate) idp_certs: Vec<PathBuf>,
    /// Session revocation when a device turns non-compliant.
    #[arg(long, value_enum, default_value = "none")]
    pub(crate) revocation: RevocationArg,
    /// Entra ID: the tenant id.
    #[arg(long)]
    pub(crate) entra_tenant_id: Option<String>,
    /// Entra ID: the application (client) id allowed to revoke sessions.
    #[arg(long)]
    pub(crate) entra_client_id: Option<String>,
    /// Entra ID: a file holding the client secret (not on the command line).
    #[arg(long)]
    pub(crate) entra_client_secret_file: Option<PathBuf>,
    /// Entra ID: the Graph endpoint.
    #[arg(long, default_value = "https://graph.microsoft.com")]
    pub(crate) graph_url: String,
    /// Entra ID: the token endpoint.
    #[arg(long, default_value = "https://login.microsoftonline.com")]
    pub(crate) login_url: String,
}

/// `postern-portal admin rule`.
#[derive(Debug, clap::Args)]
pub(crate) struct RuleArgs {
    /// The tenant.
    pub(crate) tenant: String,
    /// The rule's name.
    pub(crate) name: String,
    /// What it does.
    #[arg(long)]
    pub(crate) action: ActionArg,
    /// The message of deny and warn.
    #[arg(long, required_if_eq_any([("action", "deny"), ("action", "warn")]))]
    pub(crate) message: Option<String>,
    /// A pairing it applies to (repeat).
    #[arg(long = "pairing")]
    pub(crate) pairings: Vec<String>,
    /// A posture: compliant, managed, unmanaged (repeat).
    #[arg(long, value_parser = parse_posture)]
    pub(crate) posture: Vec<Posture>,
    /// A platform: ios, android, windows, macos, other (repeat).
    #[arg(long = "platform", value_parser = parse_platform)]
    pub(crate) platforms: Vec<Platform>,
    /// An app id (repeat).
    #[arg(long = "app")]
    pub(crate) apps: Vec<String>,
    /// A source prefix, e.g. 10.0.0.0/8 (repeat).
    #[arg(long = "source")]
    pub(crate) sources: Vec<String>,
    /// A user group (repeat).
    #[arg(long = "group")]
    pub(crate) groups: Vec<String>,
}

fn parse_posture(s: &str) -> Result<Posture, String> {
    serde_json::from_value(serde_json::Value::String(s.into()))
        .map_err(|_| format!("{s:?} is not compliant, managed or unmanaged"))
}

fn parse_platform(s: &str) -> Result<Platform, String> {
    serde_json::from_value(serde_json::Value::String(s.into()))
        .map_err(|_| format!("{s:?} is not ios, android, windows, macos or other"))
}
