//! `software install SOURCE [ca-file PATH]`, `software rollback` and `show software`.

use crate::backend::{CliBackend, Outcome, failed};
use core::fmt::Write;
use postern_cli_engine::{Invocation, Value};
use postern_update_agent::Source;
use std::path::Path;

/// `software install`: verifies the bundle while writing the inactive slot.
pub(crate) fn install(session: &mut CliBackend, inv: &Invocation<'_>, out: &mut dyn Write) -> Outcome {
    let appliance = session.appliance();
    let agent = appliance.update_agent().map_err(failed)?.clone();
    let text = inv.arg("SOURCE").and_then(Value::as_str).ok_or_else(|| failed("SOURCE is missing"))?;
    let ca = inv.arg("PATH").and_then(Value::as_str).map(Path::new);
    let source = Source::parse(text).map_err(|e| failed(e.to_string()))?;
    let now = appliance.now();
    writeln!(out, "Verifying and writing the bundle into the inactive slot...")?;
    let result = appliance
        .block_on(async move { agent.install(&source, ca, now).await })
        .ok_or_else(|| failed("the install could not run"))?;
    match result {
        Ok(installed) => {
            writeln!(
                out,
                "Installed {} ({}) into slot {}. `reload` boots it; it is kept once it passes its health check, within {} boot(s), else the current system comes back by itself.",
                installed.version.string, installed.version.number, installed.slot, installed.tries
            )?;
            Ok(())
        }
        Err(e) => Err(failed(format!("{e}. Nothing was changed."))),
    }
}

/// `software rollback`: the other slot boots from the next reload.
pub(crate) fn rollback(session: &mut CliBackend, out: &mut dyn Write) -> Outcome {
    let agent = session.appliance().update_agent().map_err(failed)?.clone();
    let slot = agent.rollback().map_err(|e| failed(e.to_string()))?;
    writeln!(out, "Slot {slot} boots from the next `reload`; this slot is marked bad.")?;
    Ok(())
}

/// `show software`.
pub(crate) fn show(session: &mut CliBackend, out: &mut dyn Write) -> Outcome {
    let appliance = session.appliance();
    match appliance.update_agent() {
        Ok(agent) => {
            let v = agent.running_version();
            writeln!(out, "Running {} ({})", v.string, v.number)?;
            let status = agent.status().map_err(|e| failed(e.to_string()))?;
            writeln!(out, "{status}")?;
        }
        Err(reason) => {
            if let Some(trust) = appliance.image_trust() {
                writeln!(out, "Image: {}", trust.summary())?;
            }
            writeln!(out, "Update slots: none ({reason}).")?;
        }
    }
    Ok(())
}
