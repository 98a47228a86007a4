//! The portal's gateway API (openapi.yaml beside this crate): paths, the sign-in reports
//! gateways send, and error bodies.

use crate::check::{self, Problem};
use crate::validate::Problems;
use serde::{Deserialize, Serialize};

/// `GET`: the gateway's profile (`ETag`, `If-None-Match` → `304`).
pub const PROFILE_PATH: &str = "/api/v1/gateway/profile";
/// `POST`: a batch of sign-in reports (idempotent by event id).
pub const SIGN_INS_PATH: &str = "/api/v1/gateway/sign-ins";
/// Header carrying the revision of the profile answered.
pub const REVISION_HEADER: &str = "x-postern-profile-revision";
/// Most sign-ins in one batch.
pub const MAX_SIGN_INS_PER_BATCH: usize = 500;
/// Largest sign-in batch body, in bytes.
pub const MAX_SIGN_IN_BATCH_BYTES: usize = 1024 * 1024;
/// Longest event id.
pub const MAX_EVENT_ID: usize = 128;

/// What became of a sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignInResult {
    /// Allowed by a rule.
    Allowed,
    /// Allowed after a warning.
    Warned,
    /// Denied by a rule.
    Denied,
    /// Failed (the IdP's response was refused, or the request was malformed).
    Failed,
    /// The sessions of an earlier sign-in were revoked because its device stopped being
    /// allowed (A5); `device` names it and `reason` says what was done and how it went.
    Revoked,
}

/// One sign-in through the gateway (A3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// Unique id chosen by the gateway; a retried report carries the same id.
    pub id: String,
    /// When, in seconds since the Unix epoch.
    pub time_unix: u64,
    /// The user (NameID), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The device, if identified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// The app, if the sign-in came through an AppTunnel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// The pairing (cloud service) signed in to.
    pub pairing: String,
    /// The rule that decided, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The outcome.
    pub result: SignInResult,
    /// Why, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `POST /api/v1/gateway/sign-ins`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInBatch {
    /// The reports, at most [`MAX_SIGN_INS_PER_BATCH`].
    pub sign_ins: Vec<SignIn>,
}

/// The answer to a sign-in batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInReceipt {
    /// Reports new to the portal.
    pub accepted: u32,
    /// Reports it already had (a retried batch).
    pub duplicates: u32,
}

/// Every error answer's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// A stable code: `unauthorized`, `bad_request`, `not_found`, `payload_too_large`,
    /// `unsupported_media_type`, `method_not_allowed`, `no_profile`, `internal`,
    /// `unavailable`.
    pub error: String,
    /// Words for a person.
    pub message: String,
}

impl SignInBatch {
    /// Checks sizes, ids and texts; every problem with its path.
    pub fn validate(&self) -> Result<(), Problems> {
        let mut problems = Vec::new();
        let mut push = |path: String, outcome: Result<(), String>| {
            if let Err(reason) = outcome {
                problems.push(Problem { path, reason });
            }
        };
        if self.sign_ins.len() > MAX_SIGN_INS_PER_BATCH {
            push(
                "sign_ins".into(),
                Err(format!("has {} entries; at most {MAX_SIGN_INS_PER_BATCH}", self.sign_ins.len())),
            );
        }
        for (i, s) in self.sign_ins.iter().enumerate() {
            let id = if s.id.is_empty() || s.id.len() > MAX_EVENT_ID || !s.id.is_ascii() {
                Err(format!("must be 1 to {MAX_EVENT_ID} ASCII characters"))
            } else {
                check::text(&s.id)
            };
            push(format!("sign_ins[{i}].id"), id);
            push(format!("sign_ins[{i}].pairing"), check::text(&s.pairing));
            let optional =
                [("user", &s.user), ("device", &s.device), ("app", &s.app), ("rule", &s.rule), ("reason", &s.reason)];
            for (field, value) in optional {
                if let Some(value) = value {
                    push(format!("sign_ins[{i}].{field}"), check::text(value));
                }
            }
            if s.result == SignInResult::Revoked {
                for (field, value) in [("device", &s.device), ("reason", &s.reason)] {
                    if value.is_none() {
                        push(format!("sign_ins[{i}].{field}"), Err("a revoked report must have one".into()));
                    }
                }
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(Problems(problems)) }
    }
}
