//! `software install SOURCE [ca-file PATH]`, `software rollback` and `show software`.

use crate::backend::{CliBackend, Outcome, failed};
use core::fmt::Write;
use postern_cli_engine::{Invocation, Value};
use postern_update_agent::{InstallPhase, InstallProgress, Source};
use std::path::Path;
use std::time::{Duration, Instant};

/// How often a running install's progress is looked at.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);
/// How often the bytes received are printed while they arrive.
const BYTES_EVERY: Duration = Duration::from_secs(2);

/// `software install`: verifies the bundle while writing the inactive slot, printing each
/// step and, while the bundle arrives, how much of it has.
pub(crate) fn install(session: &mut CliBackend, inv: &Invocation<'_>, out: &mut dyn Write) -> Outcome {
    let appliance = session.appliance();
    let agent = appliance.update_agent().map_err(failed)?.clone();
    let services = appliance.services().ok_or_else(|| failed("software install needs the running daemon"))?;
    let text = inv.arg("SOURCE").and_then(Value::as_str).ok_or_else(|| failed("SOURCE is missing"))?;
    let ca = inv.arg("PATH").and_then(Value::as_str).map(Path::new);
    let source = Source::parse(text).map_err(|e| failed(e.to_string()))?;
    let now = appliance.now();
    writeln!(out, "Installing {text} into the inactive slot.")?;
    let progress = InstallProgress::default();
    let result = std::thread::scope(|scope| {
        let install = scope.spawn(|| services.install(&agent, &source, ca, now, &progress));
        let (mut seen, mut bytes_shown_at, mut bytes_shown) = (0, Instant::now(), 0);
        while !install.is_finished() {
            std::thread::sleep(PROGRESS_EVERY);
            show_progress(&progress, &mut seen, out)?;
            let received = progress.received();
            if received != bytes_shown && bytes_shown_at.elapsed() >= BYTES_EVERY {
                writeln!(out, "  {}", received_line(received, progress.total()))?;
                (bytes_shown_at, bytes_shown) = (Instant::now(), received);
            }
        }
        show_progress(&progress, &mut seen, out)?;
        install.join().map_err(|_| failed("the install could not run"))
    })?;
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

/// Prints each phase reached since `seen`, with the bytes received when a phase ends them.
fn show_progress(progress: &InstallProgress, seen: &mut u8, out: &mut dyn Write) -> Outcome {
    let (phases, now) = progress.phases_since(*seen);
    for phase in phases {
        if phase == InstallPhase::Verifying && progress.received() > 0 {
            writeln!(out, "  {}", received_line(progress.received(), progress.total()))?;
        }
        let mut text = phase.to_string();
        text[..1].make_ascii_uppercase();
        writeln!(out, "{text}...")?;
    }
    *seen = now;
    Ok(())
}

/// `12.5 MiB received`, or `12.5 of 40.0 MiB received (31%)` when the length is known.
fn received_line(received: u64, total: Option<u64>) -> String {
    let mib = |bytes: u64| bytes as f64 / f64::from(1 << 20);
    match total.filter(|t| *t > 0) {
        Some(total) => {
            format!("{:.1} of {:.1} MiB received ({}%)", mib(received), mib(total), received * 100 / total)
        }
        None => format!("{:.1} MiB received", mib(received)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn received_bytes_read_in_mebibytes_with_a_share_when_the_length_is_known() {
        assert_eq!(received_line(3 << 19, None), "1.5 MiB received");
        assert_eq!(received_line(1 << 20, Some(4 << 20)), "1.0 of 4.0 MiB received (25%)");
        assert_eq!(received_line(0, Some(0)), "0.0 MiB received");
    }
}
