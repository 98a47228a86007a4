//! The daemon's life: open the stores (the configuration store is the appliance's, shared
//! with the CLI sessions), serve the CLI, revert unconfirmed commits, stop or reload on
//! request.

use crate::args::Args;
use crate::as_root::AsRoot;
use crate::checkins::Checkins;
use crate::cli_sessions::Sessions;
use crate::data_plane::{DataPlane, PostureGates};
use crate::error::DaemonError;
use crate::host_checker::HostCheckerPlane;
use crate::live::LiveServices;
use crate::patch_list_store::PatchListStore;
use crate::state::{connector, connector_identity, open_cache, open_store};
use crate::tls::DaemonTls;
use crate::uem_settings::SettingsFile;
use postern_cli_commands::{Appliance, TlsControl, postern_grammar};
use postern_config_store::SharedStore;
use postern_gateway::Gateway;
use postern_logging::RecentEvents;
use postern_proxy_apptunnel::PostureRequirements;
use postern_update_agent::{AgentPaths, UpdateAgent};
use postern_update_bundle::ImageTrust;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{Notify, watch};

/// How the daemon ended.
pub(crate) enum Exit {
    /// Stopped by a signal or the console closing.
    Stopped,
    /// An administrator asked for `reload`: start again.
    Reload,
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Runs until stopped or reloaded.
pub(crate) async fn run(args: &Args, logs: RecentEvents) -> Result<Exit, DaemonError> {
    let AsRoot {
        management,
        sockets,
        host_checker_socket,
        agent_socket,
        federation_socket,
        metrics_addr,
        cli,
        ssh_addr,
        binder,
    } = crate::as_root::bind_then_drop_root(args).await?;
    tracing::info!(startup_ms = crate::serve::startup_ms(), "listeners bound");
    // The appliance owns the configuration store: sessions commit through it, and it
    // publishes every new running configuration to the services.
    let store = Arc::new(SharedStore::new(open_store(args, unix_now())?));
    let running = store.lock().running().clone();
    let cache = open_cache(args, &running)?;
    tracing::info!(startup_ms = crate::serve::startup_ms(), "stores opened");
    let tls = Arc::new(DaemonTls::open(&args.state_dir, &running)?);
    tracing::info!(startup_ms = crate::serve::startup_ms(), "TLS identity ready");
    let id = crate::setup::gateway_id(&running)?;
    let uem = connector(&running, &id);
    tracing::info!(connector = uem.kind(), "UEM connector ready");
    let registry = postern_metrics::Registry::new();
    let reasons: Vec<&str> = postern_decision::Reason::ALL.iter().map(|r| r.code()).collect();
    let decisions = registry
        .labelled_counter("postern_decisions_total", "Access decisions by reason", "reason", &reasons)
        .map_err(|e| DaemonError::Setting { setting: "metrics", reason: e.to_string() })?;
    postern_metrics::interface_counters::register(&registry, Path::new(postern_metrics::interface_counters::SYS_NET))
        .map_err(|e| DaemonError::Setting { setting: "metrics", reason: e.to_string() })?;
    let blocks = postern_gateway::BlockList::open(&args.state_dir.join("blocks"))
        .map_err(|e| DaemonError::Setting { setting: "blocks", reason: e.to_string() })?;
    tracing::info!(pinned = blocks.len(), "pinned blocks loaded");
    let gateway = Arc::new(
        crate::setup::gateway(&running, uem, cache)?.with_decision_counter(&decisions).with_block_list(blocks),
    );
    gateway
        .restore_at_startup()
        .map_err(|e| DaemonError::Setting { setting: "device_cache", reason: e.to_string() })?;
    let settings_file = SettingsFile::new(&args.state_dir, &connector_identity(&running));
    if let Some(settings) = settings_file.load() {
        gateway.set_uem_settings(&settings);
    }
    let checkins = Checkins::new(&running.uem.checkins, &gateway, settings_file, &registry)
        .map_err(|e| DaemonError::Setting { setting: "metrics", reason: e.to_string() })?;
    let checkins = Arc::new(checkins);
    let (stop_tx, stop_rx) = watch::channel(false);
    let checkin_task = tokio::spawn(checkins.clone().run(gateway.clone(), stop_rx.clone()));
    // Services that require Host Checker policies consult its results; with the verifier
    // off (a configuration commit refuses that), nobody passes them.
    let posture_results =
        Arc::new(crate::posture_results::PostureResults::open(&args.state_dir.join("host-checker/results")));
    let patch_list = Arc::new(PatchListStore::open(&args.state_dir.join("host-checker"), unix_now));
    let accs = Arc::new(crate::accs_store::AccsStore::open(&args.state_dir.join("accs"), unix_now));
    // Where the federation listener hands each sign-in (A3); uploaded by its own task.
    let sign_in_reports =
        Arc::new(crate::sign_in_reports::SignInReports::open(&args.state_dir.join("accs/sign-ins"), unix_now));
    let access_rules = Arc::new(std::sync::RwLock::new(running.host_checker.access_rules()));
    let access = Arc::new(crate::posture_access::PostureAccess::new(
        access_rules.clone(),
        posture_results.clone(),
        gateway.clone(),
    ));
    let posture = PostureGates {
        apptunnel: Some(PostureRequirements { gate: access.clone() }),
        activesync: Some(postern_proxy_activesync::ActiveSyncPosture { results: access }),
    };
    let (remediation_hook, remediation_pending) = crate::remediation_hook::RemediationHook::open(
        &args.state_dir.join("host-checker/webhook"),
        running.host_checker.remediation_webhook_url.is_some(),
    );
    let cut_on_failure =
        crate::posture_cuts::cut_on_failure(gateway.clone(), posture_results.clone(), access_rules.clone());
    let data_plane = DataPlane::start(
        &running,
        &tls.pair(&running),
        gateway.clone(),
        registry.clone(),
        sockets,
        management.metrics_allowed.clone(),
        posture,
    )?;
    // The verifier's state lives while it is disabled, so that a commit can start it; it
    // needs the device CA to identify devices.
    let host_checker_wanted = host_checker_socket.is_some() || running.apptunnel.client_ca_file.is_some();
    let host_checker = host_checker_wanted.then_some(()).and_then(|()| {
        HostCheckerPlane::start(
            &running,
            &tls.pair(&running),
            &registry,
            data_plane.front_metrics(),
            crate::host_checker_listener::Placement {
                tcp: host_checker_socket,
                flag: args.host_checker_listen,
                binder: binder.clone(),
            },
            unix_now,
            crate::host_checker::PostureStores {
                results: posture_results,
                patch_list: patch_list.clone(),
                on_failure: cut_on_failure,
                remediation: remediation_hook,
            },
        )
        .map_err(|error| tracing::error!(%error, "Host Checker verifier not started"))
        .ok()
        .map(Arc::new)
    });
    let agent = (agent_socket.is_some() || running.apptunnel.client_ca_file.is_some())
        .then_some(())
        .and_then(|()| start_agent(args, &running, &tls, &data_plane, &gateway, (agent_socket, binder.clone())));
    let sign_in_sink = crate::sign_ins::reporting_sink(sign_in_reports.clone());
    let federation = crate::federation::FederationPlane::new(
        gateway.clone(),
        sign_in_sink.clone(),
        crate::sign_in_failures::FailedSignIns::new(sign_in_sink, sign_in_reports.clone()),
        data_plane.front_metrics(),
        args.state_dir.join("accs/federation-tls"),
        data_plane.tunnel_proxy().map(|proxy| proxy.origins()),
    );
    let (accs_control, accs_forced) =
        crate::accs_sync::AccsSync::new(accs.clone(), sign_in_reports.clone(), federation.clone());
    let mut watchers = data_plane.watchers();
    watchers.extend(host_checker.as_ref().map(|verifier| verifier.watcher()));
    watchers.extend(agent.as_ref().map(|(plane, _)| plane.watcher()));
    tls.watch(watchers.clone());
    let reload = Arc::new(Notify::new());
    let on_reload = reload.clone();
    let status = checkins.clone();
    let live = LiveServices {
        gateway: gateway.clone(),
        checkins: checkins.clone(),
        state_dir: args.state_dir.clone(),
        tunnels: data_plane.tunnel_proxy(),
        activesync: data_plane.activesync_proxy(),
        watchers: watchers.clone(),
        interfaces: Some(binder.clone()).filter(|b| args.manage_interfaces && b.configures_interfaces()),
        balancers: data_plane.balancers(),
        common_name: [
            host_checker.as_ref().map(|verifier| verifier.common_name_fallback()),
            agent.as_ref().map(|(plane, _)| plane.common_name_fallback()),
        ]
        .into_iter()
        .flatten()
        .collect(),
        access_rules: access_rules.clone(),
    };
    let services = crate::cli_services::CliServices::new(gateway.clone(), tokio::runtime::Handle::current());
    let management_status = Arc::new(std::sync::Mutex::new(management.status(ssh_addr, metrics_addr)));
    // Commits move SSH and metrics when both run and no flag placed either.
    let flags = crate::management::Flags::of(args);
    let manages = flags.ssh_listen.is_none()
        && flags.metrics_listen.is_none()
        && ssh_addr.is_some()
        && data_plane.metrics_server().is_some();
    let management_binder = binder.clone();
    let appliance = Appliance::new(store.clone(), gateway, logs, unix_now, Box::new(move || on_reload.notify_one()))
        .with_checkins(Box::new(move || postern_checkin::render_table(&status.status())))
        .with_services(Arc::new(services))
        .with_updates(update_agent(args))
        .with_image_trust(image_trust())
        .with_tls(tls.clone())
        .with_live_settings(live_settings(&live, agent.is_some(), host_checker.is_some(), manages))
        .with_factory_reset(factory_reset_request(&args.state_dir))
        .with_management({
            let status = management_status.clone();
            Box::new(move || status.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone())
        })
        .with_patch_list(patch_list.clone())
        .with_accs(Arc::new(accs_control));
    let appliance = match host_checker.as_ref().map(|v| (v.results(), v.sessions())) {
        Some((results, sessions)) => appliance
            .with_host_checker(Box::new(move |device| results.render(device, unix_now())))
            .with_host_checker_sessions(Box::new(move || sessions.render(unix_now()))),
        None => appliance,
    };
    let appliance = match &agent {
        Some((plane, commits)) => {
            commits.send(store.subscribe());
            appliance.with_agent_sessions(plane.table())
        }
        None => appliance,
    };
    remediation_pending.send(store.subscribe(), stop_rx.clone());
    if let Some(verifier) = &host_checker {
        let follow = crate::host_checker_listener::follow_commits(verifier.clone(), store.subscribe(), stop_rx.clone());
        tokio::spawn(follow);
    }
    let fetch_task = tokio::spawn(crate::patch_list_fetch::run(patch_list, store.subscribe(), stop_rx.clone()));
    let accs_task = tokio::spawn(crate::accs_sync::run(accs.clone(), store.subscribe(), accs_forced, stop_rx.clone()));
    let upload_task =
        tokio::spawn(crate::sign_in_upload::run(sign_in_reports.clone(), store.subscribe(), stop_rx.clone()));
    let federation_task = tokio::spawn(crate::federation::run(
        federation,
        accs,
        store.subscribe(),
        (federation_socket, binder),
        stop_rx.clone(),
    ));
    let management_stop = stop_rx.clone();
    let live_task = tokio::spawn(crate::live::apply_commits(store.subscribe(), live, stop_rx));
    let mut proving = appliance.update_agent().ok().cloned();
    let appliance = Arc::new(appliance);
    let grammar = Arc::new(postern_grammar().map_err(|e| DaemonError::Grammar(e.to_string()))?);
    let server = cli.serve(Arc::new(Sessions::new(appliance.clone(), grammar)))?;
    if let Some(addr) = server.ssh_addr() {
        tracing::info!(%addr, "SSH CLI listening");
    }
    let follower = crate::management_live::ManagementLive::new(
        flags,
        management_binder,
        server.ssh_rebind(),
        data_plane.metrics_server(),
        management_status,
    );
    if let Some(follower) = follower.filter(|_| manages) {
        tokio::spawn(follower.follow(store.subscribe(), management_stop));
    }
    tracing::info!(socket = %args.socket.display(), version = postern_cli_commands::VERSION,
        startup_ms = crate::serve::startup_ms(), "posternd ready");

    let mut term =
        signal(SignalKind::terminate()).map_err(|source| DaemonError::Io { path: "SIGTERM".into(), source })?;
    let mut int =
        signal(SignalKind::interrupt()).map_err(|source| DaemonError::Io { path: "SIGINT".into(), source })?;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut revert = tokio::time::interval(crate::confirmations::CHECK_EVERY);
    let exit = loop {
        tokio::select! {
            _ = term.recv() => break Exit::Stopped,
            _ = int.recv() => break Exit::Stopped,
            () = reload.notified() => break Exit::Reload,
            _ = revert.tick() => {
                crate::confirmations::revert_if_due(&store, |running| tls.apply(running), unix_now());
            }
            _ = tick.tick() => {
                proving = still_proving(proving);
                let settings = store.lock().running().host_checker.clone();
                if let Some(verifier) = &host_checker {
                    verifier.follow(&settings);
                }
                let wanted = settings.access_rules();
                let mut rules = access_rules.write().unwrap_or_else(std::sync::PoisonError::into_inner);
                if *rules != wanted {
                    *rules = wanted;
                }
            }
        }
    };
    tracing::info!(reload = matches!(exit, Exit::Reload), "posternd stopping");
    // Balancers see the health answers turn first and stop sending new connections;
    // the listeners keep serving until the notice is over, then drain.
    data_plane.withdraw();
    // Read now, not at start: `shutdown-notice` applies at commit.
    let notice = Duration::from_secs(store.lock().running().gateway.shutdown_notice_secs.into());
    if !notice.is_zero() {
        tracing::info!(
            notice_secs = notice.as_secs(),
            "health withdrawn; serving until the notice ends, then draining"
        );
        tokio::time::sleep(notice).await;
    }
    data_plane.shutdown().await;
    if let Some(verifier) = host_checker {
        verifier.shutdown().await;
    }
    if let Some((plane, _)) = agent {
        plane.shutdown().await;
    }
    let _ = stop_tx.send(true);
    let _ = checkin_task.await;
    let _ = live_task.await;
    let _ = fetch_task.await;
    let _ = accs_task.await;
    let _ = upload_task.await;
    let _ = federation_task.await;
    server.shutdown().await?;
    Ok(exit)
}

/// The settings services apply at once: the agents' resources and listener, and the
/// verifier's listener, too while their planes run (they need the device CA), and the
/// management plane while commits can move it.
fn live_settings(live: &LiveServices, agent: bool, host_checker: bool, management: bool) -> Vec<&'static str> {
    let mut settings = live.settings();
    settings.push("accs");
    if management {
        settings.push("management");
    }
    if agent {
        settings.extend(["agent resource", "agent enabled", "agent port"]);
    }
    if host_checker {
        settings.extend(["host-checker enabled", "host-checker port", "host-checker sasl-mode"]);
    }
    settings
}

/// Starts the agents' control channel, or logs why not; the commits reach it once the
/// appliance exists (the returned sender).
fn start_agent(
    args: &Args,
    running: &postern_config::Config,
    tls: &DaemonTls,
    data_plane: &DataPlane,
    gateway: &Arc<Gateway>,
    (tcp, binder): (Option<tokio::net::TcpListener>, crate::binder::Binder),
) -> Option<(crate::agent::AgentPlane, crate::agent::CommitsLater)> {
    let (commits, later) = crate::agent::CommitsLater::new();
    crate::agent::AgentPlane::start(crate::agent::AgentInputs {
        config: running,
        pair: &tls.pair(running),
        front: data_plane.front_metrics(),
        tcp,
        binder,
        gateway: gateway.clone(),
        state_dir: &args.state_dir,
        clock: unix_now,
        commits: later,
    })
    .map(|plane| (plane, commits))
    .map_err(|error| tracing::error!(%error, "agent control channel not started"))
    .ok()
}

/// Writes the factory-reset request into the state directory (on the appliance
/// `/data/postern/factory-reset`, where init looks for it at the next boot).
fn factory_reset_request(state_dir: &std::path::Path) -> postern_cli_commands::FactoryReset {
    let request = state_dir.join("factory-reset");
    Box::new(move || {
        let file = std::fs::File::create(&request).map_err(|e| format!("cannot write {}: {e}", request.display()))?;
        file.sync_all().map_err(|e| format!("cannot write {}: {e}", request.display()))?;
        tracing::warn!(request = %request.display(), "factory reset requested: the data area is erased at the next boot");
        Ok(())
    })
}

/// The update agent over the EFI system partition, or why there is none.
fn update_agent(args: &Args) -> Result<Arc<UpdateAgent>, String> {
    let esp = args.esp.as_ref().ok_or_else(|| "posternd runs without --esp".to_owned())?;
    let paths = AgentPaths::appliance(esp, &args.state_dir.join("update"));
    UpdateAgent::open(&paths).map(Arc::new).map_err(|e| {
        tracing::warn!(error = %e, "software updates unavailable");
        e.to_string()
    })
}

/// Whether this runs from a production or a test image, from the image file; none outside
/// an image.
fn image_trust() -> Option<ImageTrust> {
    match postern_update_agent::read_image_trust(std::path::Path::new(postern_update_agent::IMAGE_FILE)) {
        Ok(Some(ImageTrust::Test)) => {
            tracing::warn!(trust = "test", "this image trusts the public TEST update key: never use it in production");
            Some(ImageTrust::Test)
        }
        Ok(Some(trust)) => {
            tracing::info!(trust = trust.name(), "image");
            Some(trust)
        }
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %e, "the image file cannot be read");
            None
        }
    }
}

/// Until the running slot is marked good, asks the agent each tick whether it is, so the
/// anti-rollback floor follows it within a second; `None` once proven (or on an error, which
/// `software install` and `show software` report when they check again).
fn still_proving(agent: Option<Arc<UpdateAgent>>) -> Option<Arc<UpdateAgent>> {
    let agent = agent?;
    match agent.note_proven() {
        Ok(false) => Some(agent),
        Ok(true) => None,
        Err(e) => {
            tracing::warn!(error = %e, "cannot record the running version as proven good");
            None
        }
    }
}

/// Replaces this process with a fresh `posternd` with the same arguments.
pub(crate) fn reexec() -> ExitCode {
    use std::os::unix::process::CommandExt;
    let error = match std::env::current_exe() {
        Ok(exe) => std::process::Command::new(exe).args(std::env::args_os().skip(1)).exec(),
        Err(e) => e,
    };
    eprintln!("posternd: reload failed: {error}");
    ExitCode::FAILURE
}
