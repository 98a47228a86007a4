//! The demo's script: a line-based list of steps (UEM up/down, requests, check-ins).

use crate::error::DemoError;
use postern_activesync::Method;
use postern_decision::{ComplianceAction, UemDeviceId, UemStatus};

/// The embedded sample scenario.
pub(crate) const SAMPLE: &str = include_str!("../scenario.txt");

/// One step of a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// `say TEXT`: print a heading.
    Say(String),
    /// `uem up` / `uem down`: whether the UEM answers.
    Uem(bool),
    /// `request METHOD TARGET`: an ActiveSync request line from a device.
    Request {
        /// The HTTP method.
        method: Method,
        /// The request target (path and query), exactly as sent.
        target: String,
    },
    /// `uem-report UEM_ID STATUS`: the UEM changes what it reports for a device.
    Report {
        /// The UEM's device id.
        device: UemDeviceId,
        /// The new status.
        status: UemStatus,
    },
    /// `checkin`: the compliance check-in runs (S6).
    Checkin,
    /// `recheck`: devices admitted by the outage rule or restored at start-up are
    /// evaluated again as first accesses (S3, S7).
    Recheck,
    /// `apptunnel UEM_ID APP SERVICE`: an app asks for a tunnel (S4, S5).
    AppTunnel {
        /// The UEM's device id from the device certificate.
        device: UemDeviceId,
        /// The app.
        app: String,
        /// The service.
        service: String,
    },
}

/// Parses a scenario; `#` starts a comment line, blank lines are skipped.
pub(crate) fn parse(text: &str) -> Result<Vec<Step>, DemoError> {
    let mut steps = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |message: String| DemoError::Scenario { line: i + 1, message };
        let (verb, rest) = line.split_once(' ').unwrap_or((line, ""));
        let words: Vec<&str> = rest.split_whitespace().collect();
        let step = match (verb, words.as_slice()) {
            ("say", _) => Step::Say(rest.to_owned()),
            ("uem", ["up"]) => Step::Uem(true),
            ("uem", ["down"]) => Step::Uem(false),
            ("request", [method, target]) => Step::Request {
                method: Method::parse(method.as_bytes()).map_err(|e| bad(format!("method {method:?}: {e}")))?,
                target: (*target).to_owned(),
            },
            ("uem-report", [device, status]) => Step::Report {
                device: UemDeviceId::new(device).map_err(|e| bad(e.to_string()))?,
                status: parse_status(status).ok_or_else(|| bad(format!("unknown status {status:?}")))?,
            },
            ("checkin", []) => Step::Checkin,
            ("recheck", []) => Step::Recheck,
            ("apptunnel", [device, app, service]) => Step::AppTunnel {
                device: UemDeviceId::new(device).map_err(|e| bad(e.to_string()))?,
                app: (*app).to_owned(),
                service: (*service).to_owned(),
            },
            _ => return Err(bad(format!("cannot read {line:?}"))),
        };
        steps.push(step);
    }
    Ok(steps)
}

/// `compliant`, `blocked`, `wiped`, or `noncompliant:ACTION` (block, quarantine, email,
/// monitor, notify).
fn parse_status(s: &str) -> Option<UemStatus> {
    Some(match s {
        "compliant" => UemStatus::Compliant,
        "blocked" => UemStatus::Blocked,
        "wiped" => UemStatus::Wiped,
        _ => {
            let action = match s.strip_prefix("noncompliant:")? {
                "block" => ComplianceAction::Block,
                "quarantine" => ComplianceAction::Quarantine,
                "email" => ComplianceAction::Email,
                "monitor" => ComplianceAction::Monitor,
                "notify" => ComplianceAction::Notify,
                _ => return None,
            };
            UemStatus::NonCompliant(action)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_scenario_parses() {
        let steps = parse(SAMPLE).expect("sample parses");
        assert!(steps.iter().any(|s| matches!(s, Step::Request { .. })));
        assert!(steps.contains(&Step::Uem(false)));
    }

    #[test]
    fn a_bad_line_is_named() {
        let err = parse("uem up\nuem sideways\n").expect_err("must fail");
        assert!(err.to_string().starts_with("scenario line 2:"), "{err}");
    }

    #[test]
    fn statuses_read_as_written() {
        assert_eq!(parse_status("noncompliant:monitor"), Some(UemStatus::NonCompliant(ComplianceAction::Monitor)));
        assert_eq!(parse_status("wiped"), Some(UemStatus::Wiped));
        assert_eq!(parse_status("noncompliant:"), None);
        assert_eq!(parse_status("gone"), None);
    }
}
