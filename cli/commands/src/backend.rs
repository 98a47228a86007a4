//! One CLI session's backend: its candidate configuration and the dispatch of actions.

use crate::actions::*;
use crate::appliance::Appliance;
use crate::{
    cache_commands, configure, host_checker, host_checker_patch_list, host_checker_roles, host_checker_webhook,
    imports, show, software, test_access, tls,
};
use core::fmt::Write;
use postern_cli_engine::{Backend, CommandError, Invocation, Mode};
use postern_config_store::Candidate;
use std::sync::Arc;

/// The backend of one CLI session: who is logged in and their uncommitted candidate.
pub struct CliBackend {
    appliance: Arc<Appliance>,
    user: String,
    candidate: Option<Candidate>,
    hostname: String,
}

/// What a command handler returns.
pub(crate) type Outcome = Result<(), CommandError>;

/// A failure the operator reads after `% `.
pub(crate) fn failed(message: impl Into<String>) -> CommandError {
    CommandError::Failed(message.into())
}

impl CliBackend {
    /// A session of `user` (a login name, or `console`).
    pub fn new(appliance: Arc<Appliance>, user: &str) -> Self {
        let hostname = appliance.store().running().gateway.hostname.clone();
        Self { appliance, user: user.to_owned(), candidate: None, hostname }
    }

    /// This session's candidate, taken from the running configuration on first use.
    pub(crate) fn candidate(&mut self) -> &mut Candidate {
        let appliance = &self.appliance;
        self.candidate.get_or_insert_with(|| appliance.store().candidate())
    }

    /// The candidate if this session has one.
    pub(crate) fn existing_candidate(&self) -> Option<&Candidate> {
        self.candidate.as_ref()
    }

    /// Replaces (or drops) the candidate.
    pub(crate) fn set_candidate(&mut self, candidate: Option<Candidate>) {
        self.candidate = candidate;
    }

    /// The shared appliance state.
    pub(crate) fn appliance(&self) -> &Appliance {
        &self.appliance
    }

    /// Who is logged in.
    pub(crate) fn user(&self) -> &str {
        &self.user
    }

    /// Refreshes the prompt's hostname from the running configuration.
    pub(crate) fn refresh_hostname(&mut self) {
        self.hostname = self.appliance.store().running().gateway.hostname.clone();
    }
}

impl Backend for CliBackend {
    fn hostname(&self) -> &str {
        &self.hostname
    }

    fn before_prompt(&mut self) {
        self.refresh_hostname();
    }

    fn known_values(&self, keywords: &[&'static str], arg: &'static str, typed: &str) -> Vec<String> {
        crate::completion::known_values(self, keywords, arg, typed)
    }

    fn execute(&mut self, inv: &Invocation<'_>, out: &mut dyn Write) -> Outcome {
        let action = inv.action();
        tracing::info!(user = %self.user, action = action.0, keywords = ?inv.keywords(), negated = inv.negated(), "cli command");
        match action {
            SHOW_VERSION => show::version(self, out),
            SHOW_RUNNING => show::running(self, inv, out),
            SHOW_INTERFACES => crate::interfaces::show(self, out),
            SHOW_PENDING_RELOAD => show::pending_reload(self, out),
            SHOW_CANDIDATE => show::candidate(self, out),
            SHOW_DIFF => show::diff(self, inv, out),
            SHOW_HISTORY => show::history(self, out),
            SHOW_CACHE => show::device_cache(self, inv, out),
            SHOW_TUNNELS => show::tunnels(self, out),
            SHOW_BLOCKS => cache_commands::show_blocks(self, out),
            SHOW_CHECKINS => show::checkins(self, out),
            SHOW_MANAGEMENT => show::management(self, out),
            SHOW_SOFTWARE => software::show(self, out),
            SOFTWARE_INSTALL => software::install(self, inv, out),
            SOFTWARE_ROLLBACK => software::rollback(self, out),
            SHOW_LOGGING => show::logging(self, out),
            SHOW_TLS => tls::show(self, out),
            TLS_IMPORT_CERT | TLS_IMPORT_KEY => tls::import(self, inv, out),
            ACTIVESYNC_CA_IMPORT
            | TUNNEL_CA_IMPORT
            | HC_PATCH_CA_IMPORT
            | UEM_CA_IMPORT
            | UEM_CREDENTIALS_IMPORT
            | UEM_SECRET_IMPORT
            | ACCS_CA_IMPORT
            | ACCS_TOKEN_IMPORT => imports::run(self, inv, out),
            CACHE_CLEAR | CACHE_BLOCK | CACHE_UNBLOCK => cache_commands::run(self, inv, out),
            TEST_ACTIVESYNC | TEST_APPTUNNEL => test_access::run(self, inv, out),
            RELOAD => {
                writeln!(out, "Reloading the gateway software.")?;
                self.appliance.request_reload();
                Ok(())
            }
            FACTORY_RESET => {
                writeln!(
                    out,
                    "A factory reset erases the configuration and its history, the device cache, the SSH host key, the TLS identity, the logs and the record of installed versions; the gateway then reboots and starts as from the factory."
                )?;
                writeln!(out, "Type `factory-reset confirm` to do it.")?;
                Ok(())
            }
            FACTORY_RESET_CONFIRM => match self.appliance.factory_reset() {
                Ok(()) => {
                    writeln!(out, "Factory reset requested: rebooting; the data area is erased at the next boot.")?;
                    Ok(())
                }
                Err(reason) => Err(CommandError::Failed(format!("factory reset not requested: {reason}"))),
            },
            COMMIT | COMMIT_CONFIRMED | ROLLBACK => configure::transaction(self, inv, out),
            ACCS_FETCH => crate::accs::fetch(self, out),
            ACCS_CA_FILE | ACCS_TOKEN_FILE | ACCS_FEDERATION_LISTEN | ACCS_FEDERATION_URL | ACCS_REVOCATION_CA_FILE => {
                crate::accs::edit(self, inv)
            }
            ACCS_SHOW => crate::accs::show(self, out),
            ACCS_REPORTS => crate::accs::show_reports(self, out),
            ACCS_SESSIONS => crate::accs::show_sessions(self, out),
            HC_SHOW_POLICIES | HC_SHOW_RESULTS | HC_SHOW_SESSIONS => host_checker::show(self, inv, out),
            AGENT_SHOW_SESSIONS => crate::agent::show(self, out),
            AGENT_ENABLED | AGENT_PORT | AGENT_RESOURCE | AGENT_PREFIX | AGENT_RESOURCE_PORT | AGENT_SERVICE
            | AGENT_DNS_NAME => crate::agent::edit(self, inv),
            HC_ENABLED
            | HC_PORT
            | HC_RECHECK
            | HC_POLICY
            | HC_PLATFORM
            | HC_MIN_OS
            | HC_REQUIRE
            | HC_FORBID
            | HC_DENY_FORWARDING
            | HC_REMEDIATION_URL
            | HC_REQUIRED_SERVICE
            | HC_MONITOR_PRODUCT
            | HC_MONITOR_PATCH
            | HC_IGNORE_SEVERITY
            | HC_REQUIRED_ACTIVESYNC => host_checker::edit(self, inv),
            HC_PATCH_URL | HC_PATCH_CA | HC_PATCH_INTERVAL => host_checker_patch_list::edit(self, inv),
            HC_PATCH_IMPORT => host_checker_patch_list::import(self, inv, out),
            HC_WEBHOOK | HC_WEBHOOK_CA => host_checker_webhook::edit(self, inv),
            HC_SASL_MODE | HC_SASL_USER | HC_SASL_USER_HASH => crate::host_checker_sasl::edit(self, inv),
            HC_ROLE | HC_ROLE_POLICY | HC_ROLE_SERVICE | HC_ROLE_ACTIVESYNC | HC_ROLE_USER | HC_REALM_POLICY => {
                host_checker_roles::edit(self, inv)
            }
            HC_SHOW_ROLES => host_checker_roles::show(self, out),
            HC_SHOW_PATCH_LIST => host_checker_patch_list::show(self, out),
            _ => configure::edit(self, inv, out),
        }
    }

    fn mode_changed(&mut self, from: Mode, to: Mode, out: &mut dyn Write) {
        let left_config = from.is_config() && !to.is_config();
        if left_config && self.candidate.as_ref().is_some_and(Candidate::is_changed) {
            let _ = writeln!(
                out,
                "% Uncommitted changes are kept in this session's candidate: `configure terminal` then `commit`, or `rollback 0` to drop them."
            );
        }
    }
}
