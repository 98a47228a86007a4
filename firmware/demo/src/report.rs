//! One printed line per decision, and the structured log event behind it.

use postern_activesync::{ActiveSyncRequest, QueryForm};
use postern_decision::{Decision, DeviceIdentity, DeviceState, Reason};

/// What happened to one request or one device, as printed.
pub(crate) struct Row {
    what: String,
    device: String,
    user: String,
    outcome: String,
    reason: String,
    by: String,
}

impl Row {
    /// A row for a parsed ActiveSync request.
    pub(crate) fn for_request(request: &ActiveSyncRequest) -> Self {
        let form = match request.form() {
            QueryForm::Plain => "plain",
            QueryForm::Base64 => "base64",
            _ => "no query",
        };
        let command = request.command().map_or("-", |c| c.as_str());
        Self::new(format!("{command} ({form})"), request.device_id().unwrap_or("-"), request.user().unwrap_or("-"))
    }

    /// A row for a device known by its identity.
    pub(crate) fn for_identity(what: &str, identity: &DeviceIdentity) -> Self {
        let device = match (&identity.eas_device_id, &identity.uem_device_id) {
            (Some(eas), _) => eas.to_string(),
            (None, Some(uem)) => uem.to_string(),
            (None, None) => "-".into(),
        };
        let user = identity.user.as_ref().map_or("-".into(), |u| u.to_string());
        Self::new(what.into(), &device, &user)
    }

    /// A request refused before any decision because it could not be parsed.
    pub(crate) fn rejected(target: &str, error: &str) -> Self {
        let query = target.split_once('?').map_or(target, |(_, q)| q);
        let shown: String = query.chars().take(18).collect();
        let mut row = Self::new("malformed".into(), &shown, "-");
        row.outcome = "reject 400".into();
        row.reason = error.into();
        row.by = "parser".into();
        tracing::warn!(target = %shown, error, "request refused: malformed");
        row
    }

    fn new(what: String, device: &str, user: &str) -> Self {
        Self {
            what,
            device: device.into(),
            user: user.into(),
            outcome: String::new(),
            reason: String::new(),
            by: String::new(),
        }
    }

    /// Records a decision, and logs it.
    pub(crate) fn decided(&mut self, decision: Decision, by: &str) {
        self.outcome = decision.verdict.code().into();
        self.reason = decision.reason.code().into();
        self.by = by.into();
        tracing::info!(
            what = %self.what,
            device = %self.device,
            user = %self.user,
            decision = decision.verdict.code(),
            reason = decision.reason.code(),
            basis = %decision.basis,
            by,
            "decision"
        );
    }

    /// Records a state change made by a check-in, and logs it.
    pub(crate) fn changed(&mut self, from: DeviceState, to: DeviceState, reason: Reason, cut: bool) {
        self.outcome = format!("{} -> {}", from.code(), to.code());
        self.reason = reason.code().into();
        self.by = if cut { "check-in, live connections cut".into() } else { "check-in".into() };
        tracing::info!(
            device = %self.device,
            user = %self.user,
            from = from.code(),
            to = to.code(),
            reason = reason.code(),
            cut_connections = cut,
            "check-in changed a device"
        );
    }

    /// The column headings.
    pub(crate) fn heading() -> String {
        format!("{:<22} {:<18} {:<20} {:<14} {:<28} {}", "step", "device", "user", "outcome", "reason", "decided by")
    }

    /// The row as one line.
    pub(crate) fn line(&self) -> String {
        format!(
            "{:<22} {:<18} {:<20} {:<14} {:<28} {}",
            self.what, self.device, self.user, self.outcome, self.reason, self.by
        )
    }
}
