//! `test activesync TARGET` and `test apptunnel UEM-ID APP SERVICE`: an access decided by
//! the real access service, as the proxy would decide it (and recorded like one).

use crate::actions::TEST_ACTIVESYNC;
use crate::backend::{CliBackend, Outcome, failed};
use core::fmt::Write;
use postern_activesync::{ActiveSyncRequest, Method};
use postern_cli_engine::{Invocation, Value};
use postern_decision::{EasDeviceId, EasRequest, Platform, UemDeviceId, UserId};

fn text<'a>(inv: &Invocation<'a>, name: &str) -> Result<&'a str, postern_cli_engine::CommandError> {
    inv.arg(name).and_then(Value::as_str).ok_or_else(|| failed(format!("{name} is missing")))
}

/// Runs the test command.
pub(crate) fn run(session: &mut CliBackend, inv: &Invocation<'_>, out: &mut dyn Write) -> Outcome {
    let services = session.appliance().services().ok_or_else(|| failed("the access service is not running"))?;
    let decision = if inv.action() == TEST_ACTIVESYNC {
        let target = text(inv, "TARGET")?;
        let parsed = ActiveSyncRequest::parse(Method::Post, target.as_bytes())
            .map_err(|e| failed(format!("malformed request: {e}")))?;
        let device = parsed.device_id().ok_or_else(|| failed("the request names no device"))?;
        let request = EasRequest {
            eas_device_id: EasDeviceId::new(device).map_err(|e| failed(e.to_string()))?,
            user: parsed.user().map(UserId::new).transpose().map_err(|e| failed(e.to_string()))?,
            platform: parsed.device_type().map_or(Platform::Other, Platform::from_device_type),
        };
        services.activesync_access(request)
    } else {
        let device = UemDeviceId::new(text(inv, "UEM-ID")?).map_err(|e| failed(e.to_string()))?;
        let (app, service) = (text(inv, "APP")?.to_owned(), text(inv, "SERVICE")?.to_owned());
        services.apptunnel_access(device, app, service)
    };
    let decision = decision.map_err(failed)?;
    writeln!(out, "{} reason={} basis={}", decision.verdict.code(), decision.reason.code(), decision.basis)?;
    Ok(())
}
