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
/// Longest reason code.
pub const MAX_CODE: usize = 64;
/// The `pairing` of a failed sign-in whose pairing could not be told (a request from no
/// pairing's SP, a malformed message); no pairing can have this name.
pub const UNKNOWN_PAIRING: &str = "(unknown)";

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
    /// Why, as a stable code for a denied or failed sign-in (`denied-by-rule`,
    /// `bad-signature`, `unknown-acs`…): 1 to [`MAX_CODE`] lowercase letters, digits or `-`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
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
            if let Some(code) = &s.code {
                push(format!("sign_ins[{i}].code"), reason_code(code));
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

/// A reason code: 1 to [`MAX_CODE`] of `a`–`z`, `0`–`9` and `-`.
fn reason_code(code: &str) -> Result<(), String> {
    if code.is_empty() || code.len() > MAX_CODE {
        return Err(format!("must be 1 to {MAX_CODE} characters"));
    }
    match code.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')) {
        Some(c) => Err(format!("holds {c:?}; only a-z, 0-9 and '-' are allowed")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::{SignIn, SignInBatch, SignInResult, UNKNOWN_PAIRING};

    fn failed(code: Option<&str>) -> SignIn {
        SignIn {
            id: "gw-1".into(),
            time_unix: 1,
            user: None,
            device: None,
            app: None,
            pairing: UNKNOWN_PAIRING.into(),
            rule: None,
            result: SignInResult::Failed,
            reason: Some("AuthnRequest from `x`, which is the service provider of no pairing".into()),
            code: code.map(str::to_owned),
        }
    }

    #[test]
    fn reason_codes_are_checked_and_optional() {
        let batch = |code| SignInBatch { sign_ins: vec![failed(code)] };
        assert_eq!(batch(Some("unknown-sp")).validate(), Ok(()));
        assert_eq!(batch(None).validate(), Ok(()), "a report without a code is still valid");
        for bad in ["", "Unknown-SP", "unknown sp", "x\u{7}", &"a".repeat(65)] {
            let problems = batch(Some(bad)).validate().err().map(|p| p.to_string()).unwrap_or_default();
            assert!(problems.contains("sign_ins[0].code"), "{bad:?}: {problems}");
        }
    }

    #[test]
    fn a_report_without_a_code_reads_as_before_and_none_is_not_written() {
        let old = r#"{"id":"a","time_unix":1,"pairing":"crm","result":"denied","reason":"no"}"#;
        let read: SignIn = serde_json::from_str(old).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read.code, None);
        assert_eq!(serde_json::to_string(&read).unwrap_or_default(), old);
    }
}
