//! What the federation listener needs from the rest of the gateway: the devices the device
//! cache knows (the compliance the proxies enforce) and where sign-in records go.

use postern_access_profile::api::SignIn;
use std::sync::Arc;
#[cfg(feature = "federation")]
use {
    postern_access_profile::api::SignInResult,
    postern_decision::{DeviceState, UemDeviceId},
    postern_federation::access::{DeviceDirectory, DeviceRecord},
    postern_federation::flow::{Outcome, SignInRecord},
    postern_federation::profile::platform_name,
    postern_gateway::Gateway,
};

/// Receives every decided sign-in (allowed, warned or denied) as the portal's report.
pub(crate) type SignInSink = Arc<dyn Fn(SignIn) + Send + Sync>;

/// The sink of this gateway: one tracing event per sign-in, and the report queued
/// durably for the portal (A3) before the sign-in's answer goes out.
pub(crate) fn reporting_sink(reports: Arc<crate::sign_in_reports::SignInReports>) -> SignInSink {
    Arc::new(move |sign_in: SignIn| {
        tracing::info!(
            id = %sign_in.id,
            time_unix = sign_in.time_unix,
            user = sign_in.user.as_deref(),
            device = sign_in.device.as_deref(),
            app = sign_in.app.as_deref(),
            pairing = %sign_in.pairing,
            rule = sign_in.rule.as_deref(),
            result = ?sign_in.result,
            reason = sign_in.reason.as_deref(),
            code = sign_in.code.as_deref(),
            "sign-in recorded"
        );
        reports.record(sign_in);
    })
}

/// The reason code of a sign-in a conditional access rule denied.
#[cfg(feature = "federation")]
pub(crate) const DENIED_BY_RULE: &str = "denied-by-rule";

/// The report of a decided sign-in, with a fresh unique id.
#[cfg(feature = "federation")]
pub(crate) fn sign_in(record: &SignInRecord, time_unix: u64) -> SignIn {
    let (result, reason, code) = match &record.outcome {
        Outcome::Allow(_) => (SignInResult::Allowed, None, None),
        Outcome::Warn { message, .. } => (SignInResult::Warned, Some(message.clone()), None),
        Outcome::Deny { reason, .. } => (SignInResult::Denied, Some(reason.clone()), Some(DENIED_BY_RULE.to_owned())),
    };
    SignIn {
        id: format!("{:032x}", rand::random::<u128>()),
        time_unix,
        user: Some(record.user.clone()),
        device: record.device_id.clone(),
        app: record.app.clone(),
        pairing: record.pairing.clone(),
        rule: record.rule.clone(),
        result,
        reason,
        code,
    }
}

/// The device cache as the federation core's device directory: a UEM device is managed
/// when the cache holds an entry of it, and compliant when its most recently updated
/// entry is allowed (the state the proxies enforce).
#[cfg(feature = "federation")]
pub(crate) struct CacheDirectory {
    gateway: Arc<Gateway>,
}

#[cfg(feature = "federation")]
impl CacheDirectory {
    /// The directory over `gateway`'s device cache.
    pub(crate) fn new(gateway: Arc<Gateway>) -> Self {
        Self { gateway }
    }
}

#[cfg(feature = "federation")]
impl DeviceDirectory for CacheDirectory {
    fn lookup(&self, device_id: &str) -> Option<DeviceRecord> {
        let id = UemDeviceId::new(device_id).ok()?;
        let entries = match self.gateway.cache().entries_by_uem_tag(postern_device_cache::uem_tag(Some(&id))) {
            Ok(entries) => entries,
            Err(error) => {
                tracing::warn!(device = device_id, %error, "the device cache could not be read: the device counts as unmanaged");
                return None;
            }
        };
        let (_, newest) = entries
            .into_iter()
            .filter(|(_, record)| record.identity.uem_device_id.as_ref() == Some(&id))
            .max_by_key(|(_, record)| record.updated_ms)?;
        Some(DeviceRecord {
            platform: platform_name(newest.identity.platform).to_owned(),
            compliant: newest.state == DeviceState::Allowed,
        })
    }
}

/// `text` as the portal API takes free text: control characters as spaces, at most
/// [`postern_access_profile::MAX_TEXT`] bytes (cut at a character boundary); `None` when nothing is left.
#[cfg(feature = "federation")]
pub(crate) fn report_text(text: &str) -> Option<String> {
    let mut out = String::new();
    for c in text.chars().map(|c| if c.is_control() { ' ' } else { c }) {
        if out.len() + c.len_utf8() > postern_access_profile::MAX_TEXT {
            break;
        }
        out.push(c);
    }
    (!out.trim().is_empty()).then_some(out)
}

#[cfg(all(test, feature = "federation"))]
mod tests {
    use super::*;
    use postern_federation::sp_response::SpResponse;

    fn record(outcome: Outcome) -> SignInRecord {
        SignInRecord {
            pairing: "mail".into(),
            app: None,
            user: "alice@example.com".into(),
            device_id: Some("uem-0001".into()),
            rule: Some("compliant".into()),
            outcome,
        }
    }

    #[test]
    fn every_decided_sign_in_becomes_a_valid_report_with_its_own_id() {
        let response = SpResponse { acs_url: "https://sp.example/acs".into(), xml: String::new(), relay_state: None };
        let allowed = sign_in(&record(Outcome::Allow(response.clone())), 1_700_000_000);
        let warned = sign_in(&record(Outcome::Warn { message: "Update soon.".into(), response }), 1);
        let denied = sign_in(&record(Outcome::Deny { reason: "Not managed.".into(), remedy: String::new() }), 1);
        assert_eq!((allowed.result, allowed.reason.as_deref()), (SignInResult::Allowed, None));
        assert_eq!((warned.result, warned.reason.as_deref()), (SignInResult::Warned, Some("Update soon.")));
        assert_eq!((denied.result, denied.reason.as_deref()), (SignInResult::Denied, Some("Not managed.")));
        assert_eq!(
            (allowed.code.as_deref(), warned.code.as_deref(), denied.code.as_deref()),
            (None, None, Some(DENIED_BY_RULE))
        );
        assert_eq!((allowed.pairing.as_str(), allowed.device.as_deref()), ("mail", Some("uem-0001")));
        assert_eq!(allowed.time_unix, 1_700_000_000);
        assert!(allowed.id != warned.id && warned.id != denied.id);
        let batch = postern_access_profile::api::SignInBatch { sign_ins: vec![allowed, warned, denied] };
        assert!(batch.validate().is_ok(), "the portal's API accepts them");
    }
}
