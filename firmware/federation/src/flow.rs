//! One sign-in from end to end, sans-IO: the SP's request in, Postern's request to the
//! IdP out; the IdP's Response in, the conditional access decision and Postern's Response
//! (or a deny page) out. The caller supplies the time, the device binding and the device
//! directory.

use crate::access::{Action, DeviceBinding, DeviceDirectory, SignInContext, evaluate};
use crate::config::FederationConfig;
use crate::expiring::StoreFull;
use crate::idp_request::{IdpRedirect, PendingRequests, pending_requests, start_idp_sign_in};
use crate::idp_response::{ReplayStore, ResponseError, VerifiedUser, replay_store, verify_post};
use crate::signing::SignError;
use crate::sp_request::{SpRequest, SpRequestError, accept_post, accept_redirect};
use crate::sp_response::{SpResponse, issue};
use chrono::{DateTime, Utc};
use std::net::IpAddr;

mod pages;
pub use pages::{deny_page, warn_page};

/// At most this many sign-ins from one source address wait at the IdP at once, so one
/// client cannot fill the pending store for everyone.
pub const PENDING_PER_SOURCE: usize = 100;

/// The attribute of the IdP's assertion that lists the user's groups.
pub const GROUPS_ATTRIBUTE: &str = "groups";

/// What Postern remembers about a sign-in while the user is at the IdP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSignIn {
    /// The SP's request.
    pub sp_request: SpRequest,
    /// How the browser was tied to a device when the SP's request arrived.
    pub binding: DeviceBinding,
    /// The browser's address then.
    pub source: IpAddr,
}

/// How an SP's AuthnRequest arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incoming<'a> {
    /// HTTP-Redirect: the query string.
    Redirect(&'a str),
    /// HTTP-POST: the form body.
    Post(&'a [u8]),
}

/// Why a sign-in step failed (the browser gets an error page naming it).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FlowError {
    /// The SP's request was refused.
    #[error(transparent)]
    Request(#[from] SpRequestError),
    /// The IdP's Response was refused.
    #[error(transparent)]
    Response(#[from] ResponseError),
    /// Too many sign-ins in progress.
    #[error("too many sign-ins in progress: {0}")]
    Full(#[from] StoreFull),
    /// Postern's Response could not be signed.
    #[error(transparent)]
    Sign(#[from] SignError),
}

/// The end of a sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Allowed: post this Response to the SP.
    Allow(SpResponse),
    /// Allowed after a warning: the page shows it and continues to the SP.
    Warn {
        /// The warning.
        message: String,
        /// The Response the page continues with.
        response: SpResponse,
    },
    /// Denied: the page says why and what to do.
    Deny {
        /// Why.
        reason: String,
        /// What to do.
        remedy: String,
    },
}

impl Outcome {
    /// The HTML page the browser gets.
    pub fn html(&self) -> String {
        match self {
            Self::Allow(response) => response.html(),
            Self::Warn { message, response } => warn_page(message, response),
            Self::Deny { reason, remedy } => deny_page(reason, remedy),
        }
    }
}

/// A sign-in's result as reported: who, which device, which rule, what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInRecord {
    /// The user's NameID.
    pub user: String,
    /// The device, when identified.
    pub device_id: Option<String>,
    /// The rule that decided, when one matched.
    pub rule: Option<String>,
    /// The outcome.
    pub outcome: Outcome,
}

/// The federation proxy for one pairing: configuration and its bounded stores.
#[derive(Debug)]
pub struct Federation {
    config: FederationConfig,
    pending: PendingRequests<PendingSignIn>,
    replay: ReplayStore,
}

impl Federation {
    /// A proxy for `config` with empty stores.
    pub fn new(config: FederationConfig) -> Self {
        Self { config, pending: pending_requests(), replay: replay_store() }
    }

    /// The configuration.
    pub fn config(&self) -> &FederationConfig {
        &self.config
    }

    /// The SP's AuthnRequest arrives: accept it and send the browser to the IdP.
    pub fn on_sp_request(
        &mut self,
        incoming: Incoming<'_>,
        binding: DeviceBinding,
        source: IpAddr,
        now: DateTime<Utc>,
    ) -> Result<IdpRedirect, FlowError> {
        let (pairing, local) = (&self.config.pairing, &self.config.local);
        let sp_request = match incoming {
            Incoming::Redirect(query) => accept_redirect(query, pairing, local)?,
            Incoming::Post(body) => accept_post(body, pairing, local)?,
        };
        if self.pending.count_live(now, |p| p.source == source) >= PENDING_PER_SOURCE {
            return Err(FlowError::Full(StoreFull {
                what: "pending sign-in from one address",
                capacity: PENDING_PER_SOURCE,
            }));
        }
        let pending = PendingSignIn { sp_request, binding, source };
        Ok(start_idp_sign_in(&self.config, pending, &mut self.pending, now)?)
    }

    /// The IdP's Response arrives at the ACS: verify it, apply the rules, answer the SP.
    /// `binding` is how the browser posting it is tied to a device now: a sign-in started
    /// on one device and finished on another is unidentified (the unmanaged rule).
    pub fn on_idp_response(
        &mut self,
        body: &[u8],
        binding: DeviceBinding,
        directory: &dyn DeviceDirectory,
        now: DateTime<Utc>,
    ) -> Result<SignInRecord, FlowError> {
        let (user, pending) = verify_post(body, &self.config, &mut self.pending, &mut self.replay, now)?;
        let binding = if binding == pending.binding {
            binding
        } else {
            tracing::warn!(started = ?pending.binding, finished = ?binding, "sign-in finished on another device");
            DeviceBinding::Unidentified
        };
        let context = SignInContext::new(&binding, directory, pending.source, user.attribute(GROUPS_ATTRIBUTE));
        let decision = evaluate(&self.config.rules, &context);
        let outcome = match decision.action {
            Action::Allow => Outcome::Allow(self.respond(&pending.sp_request, &user, now)?),
            Action::Warn { message } => {
                Outcome::Warn { message, response: self.respond(&pending.sp_request, &user, now)? }
            }
            Action::Deny { reason, remedy } => Outcome::Deny { reason, remedy },
        };
        tracing::info!(
            user = %user.name_id,
            device = ?context.device_id,
            posture = ?context.posture,
            rule = ?decision.rule,
            allowed = !matches!(outcome, Outcome::Deny { .. }),
            "sign-in decided"
        );
        Ok(SignInRecord { user: user.name_id, device_id: context.device_id, rule: decision.rule, outcome })
    }

    fn respond(&self, request: &SpRequest, user: &VerifiedUser, now: DateTime<Utc>) -> Result<SpResponse, SignError> {
        issue(&self.config, request, user, now)
    }
}

#[cfg(test)]
mod tests;
