//! The check-in driver (S8): three independent loops, one per check-in, each asking the
//! sans-IO scheduler when to run and telling it how the run ended.

use crate::uem_settings::SettingsFile;
use postern_checkin::{CheckinKind, HealthEvent, Outcome, Scheduler, StatusReport};
use postern_gateway::Gateway;
use postern_uem_api::Cursor;
use postern_uem_connector::Features;
use postern_uem_connector::UemError;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, watch};

/// The scheduler shared by the three loops and `show checkins`.
pub(crate) struct Checkins {
    scheduler: Mutex<Scheduler<Cursor>>,
    epoch: Instant,
    wake: Notify,
    registered: AtomicBool,
    full_resync: AtomicBool,
    settings_file: Mutex<SettingsFile>,
    /// Bumped when a commit puts another UEM in place: runs under way for the old one
    /// end, and their answers are dropped.
    generation: watch::Sender<u64>,
    runs: [postern_metrics::LabelledCounter; 3],
    last_refresh: Mutex<Instant>,
    /// A compliance check-in brought changes that no refresh has followed yet.
    refresh_pending: AtomicBool,
    /// How often devices without a UEM device id are asked about again.
    refresh_every: Duration,
    /// The gateway changed the inventory since the last inventory run started.
    inventory_dirty: AtomicBool,
}

/// Devices decided without a UEM device id (no match, an ambiguous match) are asked about
/// again at least this often...
const REFRESH_UNMATCHED: Duration = Duration::from_secs(300);
/// ...and after a compliance check-in that brought changes, at most this often.
const REFRESH_ON_CHANGES: Duration = Duration::from_secs(30);
/// Overrides [`REFRESH_UNMATCHED`] (whole seconds, at least 1). For the end-to-end tests,
/// which cannot wait five minutes; not a setting of the appliance.
const REFRESH_ENV: &str = "POSTERN_TEST_REFRESH_UNMATCHED_SECS";

/// The refresh interval: [`REFRESH_UNMATCHED`] unless the test override is set.
fn refresh_every() -> Duration {
    match std::env::var(REFRESH_ENV).ok().and_then(|v| v.parse::<u64>().ok()).filter(|&secs| secs >= 1) {
        Some(secs) => {
            tracing::warn!(
                secs,
                variable = REFRESH_ENV,
                "test override: devices without a UEM device id are asked about again at this interval"
            );
            Duration::from_secs(secs)
        }
        None => REFRESH_UNMATCHED,
    }
}

/// Whether the devices without a UEM device id are to be asked about again, `since` the
/// last time: every `every`, or sooner when a check-in brought changes (`pending`), but
/// not within [`REFRESH_ON_CHANGES`] of the last time (nor of `every`, when shorter).
fn refresh_due(since: Duration, every: Duration, pending: bool) -> bool {
    since >= every || (pending && since >= REFRESH_ON_CHANGES.min(every))
}

/// The results a check-in run is counted under.
const RESULTS: [&str; 4] = ["success", "failed", "cursor-refused", "unsupported"];

fn result_name<C>(outcome: &Outcome<C>) -> &'static str {
    match outcome {
        Outcome::Success { .. } => "success",
        Outcome::CursorRefused => "cursor-refused",
        Outcome::Unsupported => "unsupported",
        _ => "failed",
    }
}

impl Checkins {
    /// Check-ins on the configured schedules, with what the connector supports.
    pub(crate) fn new(
        settings: &postern_config::CheckinSettings,
        gateway: &Gateway,
        settings_file: SettingsFile,
        registry: &postern_metrics::Registry,
    ) -> Result<Self, postern_metrics::MetricsError> {
        let counter = |kind: &str| {
            registry.labelled_counter(
                &format!("postern_checkin_{kind}_runs_total"),
                &format!("Runs of the {kind} check-in by result"),
                "result",
                &RESULTS,
            )
        };
        let runs = [counter("compliance")?, counter("tunnel_actions")?, counter("inventory")?];
        let scheduler = scheduler_for(settings, gateway.connector().features());
        Ok(Self {
            scheduler: Mutex::new(scheduler),
            epoch: Instant::now(),
            wake: Notify::new(),
            registered: AtomicBool::new(false),
            full_resync: AtomicBool::new(false),
            settings_file: Mutex::new(settings_file),
            generation: watch::Sender::new(0),
            runs,
            last_refresh: Mutex::new(Instant::now()),
            refresh_pending: AtomicBool::new(false),
            refresh_every: refresh_every(),
            inventory_dirty: AtomicBool::new(false),
        })
    }

    fn scheduler(&self) -> std::sync::MutexGuard<'_, Scheduler<Cursor>> {
        self.scheduler.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    /// Status for `show checkins`.
    pub(crate) fn status(&self) -> StatusReport {
        self.scheduler().status(self.now())
    }

    /// Runs the three loops until `stop` turns true.
    /// New check-in intervals, jitter and back-off from a commit; the loops wake and follow
    /// them at once.
    pub(crate) fn reconfigure(&self, settings: &postern_config::CheckinSettings) {
        self.scheduler().reconfigure(settings, self.now());
        self.wake.notify_waiters();
    }

    /// Starts again for another UEM (the gateway already uses its connector): a fresh
    /// schedule with what it supports, no cursors, registration first, its settings kept
    /// in `settings_file`. Runs under way with the old UEM end at once.
    pub(crate) fn switch_uem(
        &self,
        settings: &postern_config::CheckinSettings,
        features: Features,
        settings_file: SettingsFile,
    ) {
        *self.scheduler() = scheduler_for(settings, features);
        *self.settings_file.lock().unwrap_or_else(PoisonError::into_inner) = settings_file;
        self.registered.store(false, Ordering::SeqCst);
        self.full_resync.store(false, Ordering::SeqCst);
        self.generation.send_modify(|generation| *generation += 1);
        self.wake.notify_waiters();
    }

    pub(crate) async fn run(self: Arc<Self>, gateway: Arc<Gateway>, stop: watch::Receiver<bool>) {
        let loops =
            CheckinKind::ALL.map(|kind| tokio::spawn(self.clone().run_kind(kind, gateway.clone(), stop.clone())));
        let reports = tokio::spawn(self.clone().report_changes(gateway.clone(), stop.clone()));
        for handle in loops {
            let _ = handle.await;
        }
        reports.abort();
    }

    /// A state the gateway changed itself (an operator block) is pushed to the UEM at once:
    /// the inventory check-in runs now, and its back-off retries it until the UEM takes it.
    async fn report_changes(self: Arc<Self>, gateway: Arc<Gateway>, mut stop: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                () = gateway.inventory_changed() => {}
                _ = stop.changed() => return,
            }
            self.inventory_dirty.store(true, Ordering::SeqCst);
            if self.scheduler().run_now(CheckinKind::Inventory).is_ok() {
                tracing::info!("inventory changed here: pushing it to the UEM now");
                self.wake.notify_waiters();
            }
        }
    }

    async fn run_kind(self: Arc<Self>, kind: CheckinKind, gateway: Arc<Gateway>, mut stop: watch::Receiver<bool>) {
        loop {
            if *stop.borrow() {
                return;
            }
            // Registered before the scheduler is read, so a wake that comes in between
            // (a run brought forward) is not lost.
            let woken = self.wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            let mut switched = self.generation.subscribe();
            let wait = self.scheduler().next_due(kind).map(|due| due.saturating_sub(self.now()));
            let Some(wait) = wait else {
                // Unsupported: nothing to do until the end, or another UEM.
                tokio::select! {
                    _ = switched.changed() => continue,
                    _ = stop.changed() => return,
                }
            };
            if !wait.is_zero() {
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = &mut woken => continue,
                    _ = stop.changed() => return,
                }
            }
            let started = self.now();
            let (cursor, poll_wait) = {
                let mut s = self.scheduler();
                if !s.due(started).any(|k| k == kind) {
                    continue;
                }
                s.started(kind, started);
                if kind == CheckinKind::Inventory {
                    // This run reads the inventory as it is now: changes so far are in it.
                    self.inventory_dirty.store(false, Ordering::SeqCst);
                }
                (s.cursor(kind).cloned(), s.poll_wait(kind))
            };
            let outcome = tokio::select! {
                outcome = self.run_once(kind, &gateway, cursor, poll_wait) => outcome,
                _ = switched.changed() => continue,
                _ = stop.changed() => return,
            };
            if switched.has_changed().unwrap_or(true) {
                // Another UEM took over while this answer was being applied.
                continue;
            }
            let index = CheckinKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
            self.runs[index].inc(result_name(&outcome));
            let event = {
                let mut s = self.scheduler();
                let event = s.finished(kind, self.now(), outcome);
                // A change made while this run was under way is pushed by another run.
                if kind == CheckinKind::Inventory && self.inventory_dirty.load(Ordering::SeqCst) {
                    let _ = s.run_now(kind);
                }
                event
            };
            self.wake.notify_waiters();
            self.on_health(event, &gateway).await;
        }
    }

    async fn on_health(&self, event: Option<HealthEvent>, gateway: &Gateway) {
        match event {
            Some(HealthEvent::UemBack { .. }) => {
                tracing::info!("UEM reachable again: re-evaluating devices admitted during the outage");
                // The next compliance pull is a full snapshot, so AppTunnels allowed during
                // the outage get their real state even if their device did not change (S5).
                self.full_resync.store(true, Ordering::SeqCst);
                match gateway.reevaluate_first_accesses().await {
                    Ok(decided) => tracing::info!(count = decided.len(), "devices re-evaluated as first accesses"),
                    Err(error) => tracing::error!(%error, "re-evaluating devices failed"),
                }
            }
            Some(HealthEvent::UemLost { .. }) => tracing::warn!("UEM unreachable: new devices follow the outage rules"),
            _ => {}
        }
    }

    /// Asks the UEM again about the devices decided without a UEM device id (S1's no
    /// match and ambiguous matches, outage admissions, devices restored at start-up), when
    /// due: a candidate of an ambiguous match may have changed, or a device may have
    /// enrolled since. Due every `refresh_every`, and once [`REFRESH_ON_CHANGES`] has passed
    /// since the last refresh when a check-in brought changes (at once or at a later run).
    async fn refresh_unmatched(&self, gateway: &Gateway, changes: bool) {
        if changes {
            self.refresh_pending.store(true, Ordering::SeqCst);
        }
        let since = self.last_refresh.lock().unwrap_or_else(PoisonError::into_inner).elapsed();
        if !refresh_due(since, self.refresh_every, self.refresh_pending.load(Ordering::SeqCst)) {
            return;
        }
        *self.last_refresh.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
        self.refresh_pending.store(false, Ordering::SeqCst);
        match gateway.reevaluate_first_accesses().await {
            Ok(decided) if !decided.is_empty() => {
                tracing::info!(count = decided.len(), "devices without a UEM device id asked about again")
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "asking again about devices without a UEM device id failed"),
        }
    }

    /// S5: tunnels admitted without the UEM's answer get their real state now.
    async fn recheck_tunnels(&self, gateway: &Gateway) {
        match gateway.recheck_outage_tunnels().await {
            Ok(done) if done.decided + done.pending > 0 => tracing::info!(
                decided = done.decided,
                cut = done.cut,
                pending = done.pending,
                "outage-admitted tunnels asked about again"
            ),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "asking again about outage-admitted tunnels failed"),
        }
    }

    async fn run_once(
        &self,
        kind: CheckinKind,
        gateway: &Gateway,
        cursor: Option<Cursor>,
        wait: Duration,
    ) -> Outcome<Cursor> {
        let connector = gateway.connector();
        let result: Result<Outcome<Cursor>, RunError> = async {
            match kind {
                CheckinKind::Compliance => {
                    if !self.registered.load(Ordering::SeqCst) {
                        let settings = connector.register().await?;
                        gateway.set_uem_settings(&settings);
                        self.settings_file.lock().unwrap_or_else(PoisonError::into_inner).save(&settings);
                        self.registered.store(true, Ordering::SeqCst);
                    }
                    let cursor = if self.full_resync.swap(false, Ordering::SeqCst) { None } else { cursor };
                    let changes = connector.compliance_changes(cursor.as_ref(), wait).await?;
                    let applied = gateway.apply_compliance(&changes)?;
                    tracing::info!(
                        kind = kind.name(),
                        changes = changes.changes.len(),
                        full = changes.full,
                        changed = applied.changed,
                        cut = applied.cut,
                        "compliance check-in"
                    );
                    self.refresh_unmatched(gateway, !changes.changes.is_empty()).await;
                    self.recheck_tunnels(gateway).await;
                    Ok(Outcome::Success {
                        new_cursor: Some(changes.cursor.clone()),
                        items: changes.changes.len() as u64,
                        more: changes.more,
                    })
                }
                CheckinKind::TunnelActions => {
                    let actions = connector.tunnel_actions(cursor.as_ref(), Duration::ZERO).await?;
                    let applied = gateway.apply_tunnel_actions(&actions)?;
                    tracing::info!(
                        kind = kind.name(),
                        actions = actions.actions.len(),
                        changed = applied.changed,
                        cut = applied.cut,
                        "tunnel-actions check-in"
                    );
                    Ok(Outcome::Success {
                        new_cursor: Some(actions.cursor.clone()),
                        items: actions.actions.len() as u64,
                        more: actions.more,
                    })
                }
                _ => {
                    let inventory = gateway.inventory()?;
                    connector.push_inventory(&inventory).await?;
                    Ok(Outcome::Success { new_cursor: None, items: inventory.len() as u64, more: false })
                }
            }
        }
        .await;
        result.unwrap_or_else(|error| {
            tracing::warn!(kind = kind.name(), %error, "check-in failed");
            match error {
                RunError::Uem(UemError::CursorRefused { .. }) => Outcome::CursorRefused,
                RunError::Uem(UemError::Unsupported { .. }) => Outcome::Unsupported,
                RunError::Uem(other) => Outcome::Failed {
                    error: other.to_string(),
                    retry_after: other.retry_after(),
                    outage: other.is_outage(),
                },
                // The UEM answered; applying the answer failed here: not an outage.
                RunError::Local(local) => {
                    Outcome::Failed { error: local.to_string(), retry_after: None, outage: false }
                }
            }
        })
    }
}

/// A schedule for `settings`, with the check-ins a connector of `features` cannot do marked
/// unsupported.
fn scheduler_for(settings: &postern_config::CheckinSettings, features: Features) -> Scheduler<Cursor> {
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    let mut scheduler = Scheduler::new(settings, seed ^ u64::from(std::process::id()));
    scheduler.set_long_poll(CheckinKind::Compliance, features.long_poll);
    if !features.tunnel_actions {
        scheduler.mark_unsupported(CheckinKind::TunnelActions);
    }
    if !features.inventory_push {
        scheduler.mark_unsupported(CheckinKind::Inventory);
    }
    scheduler
}

/// Why a check-in run failed: the UEM, or the gateway applying the answer.
#[derive(Debug, thiserror::Error)]
enum RunError {
    #[error(transparent)]
    Uem(#[from] UemError),
    #[error("applying the answer: {0}")]
    Local(#[from] postern_gateway::GatewayError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refresh_is_due_on_the_schedule_and_soon_after_changes() {
        let secs = Duration::from_secs;
        assert!(!refresh_due(secs(10), REFRESH_UNMATCHED, false), "not before the schedule");
        assert!(refresh_due(secs(300), REFRESH_UNMATCHED, false), "on the schedule, changes or not");
        assert!(!refresh_due(secs(10), REFRESH_UNMATCHED, true), "changes within 30 s of the last refresh wait");
        assert!(refresh_due(secs(31), REFRESH_UNMATCHED, true), "changes that waited are acted on at a later run");
        assert!(refresh_due(secs(2), secs(2), true), "a shorter schedule bounds the wait after changes too");
    }
}
