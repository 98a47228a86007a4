//! Failed sign-ins as reports (A3): a refused AuthnRequest or Response becomes a `failed`
//! report with a reason code, queued like every other sign-in. Anyone can send garbage
//! to the federation listener, so a source address (an IPv6 source by its /64) causes at
//! most [`FAILURES_PER_SOURCE_PER_MINUTE`] such reports a minute; the rest are counted
//! (`show accs reports`, and a log line when a source first goes over in a minute), not
//! queued.
#![cfg_attr(
    not(feature = "federation"),
    allow(dead_code, reason = "without the federation listener nothing is refused")
)]

use crate::sign_in_reports::SignInReports;
use crate::sign_ins::SignInSink;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};

/// Failed-sign-in reports one source may cause in a minute.
pub(crate) const FAILURES_PER_SOURCE_PER_MINUTE: u32 = 10;
/// Sources tracked in one minute; a source beyond them is counted, not reported.
const MAX_SOURCES: usize = 4096;

/// What to do with one failed sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Report it.
    Report,
    /// Count it only; `first` when it is its source's first over the bound this minute.
    Suppressed { first: bool },
}

/// Per-source counts of failed-sign-in reports in the current minute (sans-IO: the
/// caller gives the time).
#[derive(Debug, Default)]
pub(crate) struct FailureBudget {
    minute: u64,
    counts: HashMap<IpAddr, u32>,
}

impl FailureBudget {
    /// Whether a failed sign-in from `source` at `now_unix` is reported.
    pub(crate) fn admit(&mut self, source: IpAddr, now_unix: u64) -> Admission {
        let minute = now_unix / 60;
        if minute != self.minute {
            self.minute = minute;
            self.counts.clear();
        }
        let key = source_key(source);
        if !self.counts.contains_key(&key) && self.counts.len() >= MAX_SOURCES {
            return Admission::Suppressed { first: false };
        }
        let count = self.counts.entry(key).or_default();
        *count = count.saturating_add(1);
        match (*count).cmp(&FAILURES_PER_SOURCE_PER_MINUTE) {
            std::cmp::Ordering::Less | std::cmp::Ordering::Equal => Admission::Report,
            std::cmp::Ordering::Greater => {
                Admission::Suppressed { first: *count == FAILURES_PER_SOURCE_PER_MINUTE + 1 }
            }
        }
    }
}

/// The address a source is counted under: IPv4 (an IPv4-mapped address as IPv4), or the
/// /64 of an IPv6 address (one host usually holds a whole /64).
fn source_key(source: IpAddr) -> IpAddr {
    match source {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
    }
}

/// Hands failed sign-ins to the sign-in sink within the per-source bound.
pub(crate) struct FailedSignIns {
    budget: Mutex<FailureBudget>,
    sink: SignInSink,
    reports: Arc<SignInReports>,
}

impl FailedSignIns {
    /// Failed sign-ins go to `sink`; those over the bound are counted in `reports`.
    pub(crate) fn new(sink: SignInSink, reports: Arc<SignInReports>) -> Arc<Self> {
        Arc::new(Self { budget: Mutex::new(FailureBudget::default()), sink, reports })
    }

    /// Reports `sign_in` (a `failed` report) from `source` unless the source is over the bound.
    pub(crate) fn report(&self, sign_in: postern_access_profile::api::SignIn, source: IpAddr) {
        let admission = self.budget.lock().unwrap_or_else(PoisonError::into_inner).admit(source, sign_in.time_unix);
        match admission {
            Admission::Report => (self.sink)(sign_in),
            Admission::Suppressed { first } => {
                let total = self.reports.suppressed.fetch_add(1, Ordering::Relaxed).saturating_add(1);
                if first {
                    tracing::warn!(
                        %source,
                        limit = FAILURES_PER_SOURCE_PER_MINUTE,
                        suppressed_total = total,
                        code = sign_in.code.as_deref(),
                        "failed sign-ins from this source are over the bound: the rest this minute are counted, not reported"
                    );
                } else {
                    tracing::debug!(%source, suppressed_total = total, "failed sign-in counted, not reported");
                }
            }
        }
    }
}

/// The report of a refused sign-in step, with a fresh unique id.
#[cfg(feature = "federation")]
pub(crate) fn failed(
    refusal: &postern_federation::flow::Refusal,
    time_unix: u64,
) -> postern_access_profile::api::SignIn {
    use postern_access_profile::api::{SignIn, SignInResult, UNKNOWN_PAIRING};
    SignIn {
        id: format!("{:032x}", rand::random::<u128>()),
        time_unix,
        user: None,
        device: refusal.device_id.as_deref().and_then(crate::sign_ins::report_text),
        app: None,
        pairing: refusal.pairing.clone().unwrap_or_else(|| UNKNOWN_PAIRING.to_owned()),
        rule: None,
        result: SignInResult::Failed,
        reason: crate::sign_ins::report_text(&refusal.error.to_string()),
        code: Some(refusal.code().to_owned()),
    }
}

#[cfg(test)]
mod tests;
