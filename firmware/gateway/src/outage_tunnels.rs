//! S5: app tunnels let in because the UEM's authorisation could not be had (the UEM was
//! unreachable, or one call timed out while check-ins stayed healthy) get their real state
//! at the next compliance check-in: from their device's report when the check-in brings
//! one, otherwise by asking the UEM's authorisation again. Until the UEM answers, they
//! stay marked and are asked again at every check-in.

use crate::error::GatewayError;
use crate::gateway::{Cut, Gateway};
use postern_decision::{AccessKey, AppTunnelLookup, Channel, Provenance, awaits_checkin, decide_first_apptunnel};
use postern_device_cache::DeviceRecord;

/// What asking again about outage-admitted tunnels did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TunnelsRechecked {
    /// Tunnels the UEM answered for: they now have their real state.
    pub decided: usize,
    /// Of those, tunnels that no longer let traffic through: cut.
    pub cut: usize,
    /// Tunnels the UEM still did not answer for: asked again at the next check-in.
    pub pending: usize,
}

impl Gateway {
    /// Asks the UEM again about every app tunnel admitted without its answer and stores
    /// the real state; a tunnel that no longer permits traffic is cut (A7).
    pub async fn recheck_outage_tunnels(&self) -> Result<TunnelsRechecked, GatewayError> {
        let keys = {
            let cache = self.cache();
            let capacity = cache.capacity().get() as usize;
            cache.keys_where(Channel::AppTunnel, capacity, |s| s.provenance == Provenance::OutageAppTunnel)?
        };
        let waiting: Vec<(AccessKey, DeviceRecord)> = self
            .records_of(&keys)?
            .into_iter()
            .filter(|(key, stored)| awaits_checkin(&stored.to_decision(key)))
            .collect();
        let mut done = TunnelsRechecked::default();
        for (key, stored) in waiting {
            let AccessKey::AppTunnel(tunnel) = &key else { continue };
            let answer = match self
                .ask(self.connector().authorise_app(&tunnel.uem_device_id, &tunnel.app_id, &tunnel.service))
                .await
            {
                Ok(answer) => answer,
                Err(error) => {
                    tracing::info!(device = %tunnel.uem_device_id, app = tunnel.app_id.as_str(), service = tunnel.service.as_str(), %error, "outage-admitted tunnel: still no answer from the UEM");
                    done.pending += 1;
                    continue;
                }
            };
            let previous = stored.to_decision(&key);
            let outcome =
                decide_first_apptunnel(previous.identity.clone(), AppTunnelLookup::Reachable(answer), Some(&previous));
            let cut = previous.state.permits() && !outcome.record.state.permits();
            self.cache()
                .upsert(&key, &DeviceRecord::from_decision(outcome.record, Some(&stored), (self.clock_ms)()))?;
            tracing::info!(
                device = %tunnel.uem_device_id,
                app = tunnel.app_id.as_str(),
                service = tunnel.service.as_str(),
                decision = outcome.decision.verdict.code(),
                reason = outcome.decision.reason.code(),
                "outage-admitted tunnel decided by the UEM"
            );
            done.decided += 1;
            if cut {
                done.cut += 1;
                self.announce_cut(Cut { key, reason: outcome.decision.reason });
            }
        }
        Ok(done)
    }
}
