//! One sign-in from end to end, sans-IO: the SP's request in (its Issuer selects the
//! pairing), Postern's request to the IdP out; the IdP's Response in (matched back to the
//! pending sign-in, and so to its pairing, by InResponseTo), the pairing's conditional
//! access decision and Postern's Response (or a deny page) out. The caller supplies the
//! time, the device binding and the device directory.

use crate::access::{Action, DeviceBinding, DeviceDirectory, SignInContext, evaluate};
use crate::config::{FederationSet, LocalIdentity};
use crate::expiring::StoreFull;
use crate::idp_request::{IdpRedirect, PendingRequests, pending_requests, start_idp_sign_in};
use crate::idp_response::{ReplayStore, ResponseError, VerifiedUser, claimed_request, replay_store, verify_post};
use crate::sessions::{ENTRA_OBJECT_ID_ATTRIBUTE, IssuedSession, SESSION_RECORD_LIFETIME};
use crate::signing::SignError;
use crate::sp_request::{SpRequest, SpRequestError, accept_post, accept_redirect};
use crate::sp_response::{ASSERTION_LIFETIME, SpResponse, issue_session};
use chrono::{DateTime, Utc};
use std::net::IpAddr;

mod pages;
mod refusal;
pub use pages::{deny_page, warn_page};
pub use refusal::Refusal;

/// At most this many sign-ins from one source address wait at the IdP at once, so one
/// client cannot fill the pending store for everyone.
pub const PENDING_PER_SOURCE: usize = 100;

/// The attribute of the IdP's assertion that lists the user's groups.
pub const GROUPS_ATTRIBUTE: &str = "groups";

/// What Postern remembers about a sign-in while the user is at the IdP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSignIn {
    /// The pairing's name.
    pub pairing: String,
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
    /// The pairing the sign-in started with is no longer served (a new profile removed it).
    #[error("the sign-in's pairing `{0}` is no longer served")]
    PairingGone(String),
    /// The verified Response answers a sign-in of another pairing than the one it claimed.
    #[error("the Response answers a sign-in of pairing `{answered}`, not of `{claimed}`")]
    OtherPairing {
        /// The pairing of the request the unverified Response named.
        claimed: String,
        /// The pairing of the request the verified Response answers.
        answered: String,
    },
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
    /// The pairing signed in to.
    pub pairing: String,
    /// The app, when the sign-in came through an AppTunnel.
    pub app: Option<String>,
    /// The user's NameID.
    pub user: String,
    /// The device, when identified.
    pub device_id: Option<String>,
    /// The rule that decided, when one matched.
    pub rule: Option<String>,
    /// The outcome.
    pub outcome: Outcome,
}

/// The federation proxy for every pairing: the configuration and the bounded stores they share.
#[derive(Debug)]
pub struct Federation {
    set: FederationSet,
    pending: PendingRequests<PendingSignIn>,
    replay: ReplayStore,
    issued: Vec<IssuedSession>,
}

impl Federation {
    /// A proxy for `set` with empty stores.
    pub fn new(set: FederationSet) -> Self {
        Self { set, pending: pending_requests(), replay: replay_store(), issued: Vec::new() }
    }

    /// The configuration.
    pub fn set(&self) -> &FederationSet {
        &self.set
    }

    /// Postern's identities.
    pub fn local(&self) -> &LocalIdentity {
        self.set.local()
    }

    /// The sessions issued to SPs for identified devices since the last call (A5), for
    /// the caller to remember until they expire or are revoked.
    pub fn take_issued(&mut self) -> Vec<IssuedSession> {
        std::mem::take(&mut self.issued)
    }

    /// Serves `set` from now on. Sign-ins in progress are kept: one whose pairing `set`
    /// still has finishes under the new configuration, one whose pairing it lacks is
    /// refused when its Response arrives. Used assertion ids stay used.
    pub fn reconfigure(&mut self, set: FederationSet) {
        self.set = set;
    }

    /// The SP's AuthnRequest arrives: accept it and send the browser to the IdP.
    pub fn on_sp_request(
        &mut self,
        incoming: Incoming<'_>,
        binding: DeviceBinding,
        source: IpAddr,
        now: DateTime<Utc>,
    ) -> Result<IdpRedirect, FlowError> {
        let pairings: Vec<_> = self.set.pairings().iter().map(|config| &config.pairing).collect();
        let local = self.set.local();
        let (index, sp_request) = match incoming {
            Incoming::Redirect(query) => accept_redirect(query, &pairings, local)?,
            Incoming::Post(body) => accept_post(body, &pairings, local)?,
        };
        let Some(config) = self.set.pairings().get(index) else {
            return Err(FlowError::PairingGone(index.to_string()));
        };
        if self.pending.count_live(now, |p| p.source == source) >= PENDING_PER_SOURCE {
            return Err(FlowError::Full(StoreFull {
                what: "pending sign-in from one address",
                capacity: PENDING_PER_SOURCE,
            }));
        }
        let pending = PendingSignIn { pairing: config.pairing.name.clone(), sp_request, binding, source };
        Ok(start_idp_sign_in(config, pending, &mut self.pending, now)?)
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
        let claimed = claimed_request(body)?;
        let pairing = match self.pending.get(&claimed, now) {
            Some(pending) => pending.pairing.clone(),
            None => return Err(ResponseError::UnknownRequest(claimed).into()),
        };
        let config = self.set.by_name(&pairing).ok_or_else(|| FlowError::PairingGone(pairing.clone()))?;
        let (user, pending) = verify_post(body, config, &mut self.pending, &mut self.replay, now)?;
        if pending.pairing != pairing {
            return Err(FlowError::OtherPairing { claimed: pairing, answered: pending.pairing });
        }
        let binding = if binding == pending.binding {
            binding
        } else {
            tracing::warn!(started = ?pending.binding, finished = ?binding, "sign-in finished on another device");
            DeviceBinding::Unidentified
        };
        let context = SignInContext::new(&binding, directory, pending.source, user.attribute(GROUPS_ATTRIBUTE));
        let decision = evaluate(&config.rules, &context);
        let mut respond = || -> Result<SpResponse, SignError> {
            let (response, session_index) = issue_session(config, &pending.sp_request, &user, now)?;
            if let Some(device_id) = &context.device_id {
                self.issued.push(issued_session(&pairing, device_id, &user, session_index, now));
            }
            Ok(response)
        };
        let outcome = match decision.action {
            Action::Allow => Outcome::Allow(respond()?),
            Action::Warn { message } => Outcome::Warn { message, response: respond()? },
            Action::Deny { reason, remedy } => Outcome::Deny { reason, remedy },
        };
        tracing::info!(
            pairing = %pairing,
            user = %user.name_id,
            device = ?context.device_id,
            posture = ?context.posture,
            rule = ?decision.rule,
            allowed = !matches!(outcome, Outcome::Deny { .. }),
            "sign-in decided"
        );
        Ok(SignInRecord {
            pairing,
            app: context.app,
            user: user.name_id,
            device_id: context.device_id,
            rule: decision.rule,
            outcome,
        })
    }
}

fn issued_session(
    pairing: &str,
    device_id: &str,
    user: &VerifiedUser,
    session_index: String,
    now: DateTime<Utc>,
) -> IssuedSession {
    let object_id = user.attribute(ENTRA_OBJECT_ID_ATTRIBUTE).into_iter().find(|id| !id.is_empty());
    IssuedSession {
        session_index,
        pairing: pairing.to_owned(),
        device_id: device_id.to_owned(),
        name_id: user.name_id.clone(),
        name_id_format: user.name_id_format.clone(),
        revocation_user: object_id.unwrap_or_else(|| user.name_id.clone()),
        issued_unix: now.timestamp(),
        assertion_not_on_or_after_unix: (now + ASSERTION_LIFETIME).timestamp(),
        expires_unix: (now + SESSION_RECORD_LIFETIME).timestamp(),
    }
}

#[cfg(test)]
mod pairing_tests;
#[cfg(test)]
mod tests;
