//! The boot sequence, from the kernel's hand-over to the supervised daemon.

use crate::error::InitError;
use crate::esp::{self, BootedSlot};
use crate::health::HealthWatch;
use crate::paths::{
    BOARD_FILE, DAEMON_USER, DATA, FACTORY_RESET_REQUEST, FLOOR_DIR, INITIAL_CONFIG, LOG_DIR, RELEASE_FILE,
    RUNNING_CONFIG, STATE_DIR,
};
use crate::supervisor::Ending;
use crate::{
    block_devices, data_area, factory_reset, install_helper, kernel_modules, mounts, naming, network, nic_queues,
    owner_tree, shutdown, supervisor, timing,
};
use nix::unistd::{Gid, Uid, User, chown};
use postern_board::Board;
use postern_boot_slots::RollbackFloor;
use postern_config::Config;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Where posternd's command line is kept in the image: one argument per line.
const POSTERND_ARGS: &str = "/etc/postern/posternd.args";

/// Boots the appliance and supervises it; only returns by powering off or rebooting.
pub(crate) fn run() -> ExitCode {
    let _logs = postern_logging::init("info", false);
    let mut on_trial = false;
    let ending = match boot(&mut on_trial) {
        Ok((args, booted)) => {
            let health = HealthWatch::new(Instant::now(), on_trial);
            supervisor::supervise(args, health, mark_good_when_healthy(booted)).unwrap_or_else(|e| {
                tracing::error!(error = %e, "supervision failed; rebooting");
                Ending::Reboot
            })
        }
        // A slot on trial that cannot boot uses up a try; a proven one stops visibly.
        Err(e) if on_trial => {
            tracing::error!(error = %e, "boot failed on a slot on trial; rebooting");
            Ending::Reboot
        }
        Err(e) => {
            tracing::error!(error = %e, "boot failed; powering off so that the failure stays visible");
            Ending::PowerOff
        }
    };
    shutdown::finish(ending)
}

/// How long init waits for a disk the board names to appear.
const DISK_WAIT: Duration = Duration::from_secs(10);

/// Everything before the daemon starts; returns posternd's arguments and the booted slot.
fn boot(on_trial: &mut bool) -> Result<(Vec<String>, Option<BootedSlot>), InitError> {
    use timing::step;
    step("kernel file systems", mounts::mount_system)?;
    tracing::info!(since_kernel_ms = timing::since_kernel_start().as_millis() as u64, "init started");
    // Ctrl-Alt-Del becomes SIGINT to init (an orderly reboot), not an instant reset.
    nix::sys::reboot::set_cad_enabled(false).map_err(InitError::sys("disabling Ctrl-Alt-Del"))?;
    let board = Board::load(Path::new(BOARD_FILE))?;
    tracing::info!(board = %board.name, "booting");
    step("board modules", || kernel_modules::load(&board.kernel.modules))?;
    let drivers = step("hardware drivers", || kernel_modules::load_for_hardware(&board.kernel.modules));
    tracing::info!(count = drivers.len(), "drivers loaded for the hardware present");
    let owner = daemon_user()?;
    let booted = step("boot partition", || esp::mount_esp(&board.boot.esp_device, owner.1))?;
    *on_trial = booted.as_ref().is_some_and(|b| b.on_trial);
    let data = step("data disk", || block_devices::resolve(&board.disk.data_device, DISK_WAIT))?;
    step("data area", || mount_data(&data.to_string_lossy(), *on_trial))?;
    step("state directories", || prepare_state(owner))?;
    let config = load_config();
    step("network", || {
        naming::apply(&config.interfaces);
        network::configure(&config.interfaces)?;
        let unsteered: Vec<&str> = config.interfaces.iter().filter(|i| !i.steering).map(|i| i.name.as_str()).collect();
        nic_queues::spread(&unsteered);
        // The refused driver settings are recorded again when a commit changes them, by
        // posternd's helper, which runs as the daemon's user.
        let refused = Path::new(postern_rtnetlink::REFUSED_DIR);
        std::fs::create_dir_all(refused).map_err(InitError::io(format!("creating {}", refused.display())))?;
        owner_tree::chown_tree(refused, owner.0, owner.1)?;
        Ok::<(), InitError>(())
    })?;
    if booted.is_some() {
        install_helper::start();
    }
    let text = std::fs::read_to_string(POSTERND_ARGS).map_err(InitError::io(format!("reading {POSTERND_ARGS}")))?;
    let args =
        text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect();
    Ok((args, booted))
}

/// Mounts the data area, applying a factory reset posternd asked for. A damaged area
/// that nothing mounts is erased only when the operator confirms it on the console; a
/// slot on trial does not ask but reboots, using up a try.
fn mount_data(device: &str, on_trial: bool) -> Result<(), InitError> {
    match data_area::mount_data(device) {
        Ok(()) => {
            factory_reset::apply_if_requested(device, Path::new(DATA), Path::new(FACTORY_RESET_REQUEST)).map(drop)
        }
        Err(damage @ InitError::DataAreaDamaged { .. }) if !on_trial => {
            tracing::error!(device, error = %damage, "the data area is damaged and was not formatted: asking on the console");
            let confirmed = factory_reset::confirm(&damage, &mut std::io::stdin().lock(), &mut std::io::stdout())
                .unwrap_or_else(|e| {
                    tracing::error!(error = %e, "no console to ask on");
                    false
                });
            if !confirmed {
                return Err(damage);
            }
            tracing::warn!(device, "factory reset confirmed on the console: erasing the damaged data area");
            data_area::format(device)?;
            data_area::mount_primary(device, Path::new(DATA))
        }
        Err(e) => Err(e),
    }
}

/// Once healthy, a slot on trial is marked good (the boot loader keeps it from then on),
/// and the anti-rollback floor rises to the running version: init alone writes it.
fn mark_good_when_healthy(booted: Option<BootedSlot>) -> supervisor::OnHealthy {
    Box::new(move || {
        let Some(booted) = &booted else { return };
        match booted.mark_good() {
            Ok(true) => tracing::info!(slot = %booted.slot, "slot passed its health check: marked good"),
            Ok(false) => {}
            Err(e) => {
                tracing::error!(slot = %booted.slot, error = %e, "cannot mark the slot good");
                return;
            }
        }
        let running =
            std::fs::read_to_string(RELEASE_FILE).ok().and_then(|t| t.split_whitespace().next()?.parse::<u64>().ok());
        let Some(running) = running else {
            tracing::error!(file = RELEASE_FILE, "no release number: the anti-rollback floor stays");
            return;
        };
        match RollbackFloor::new(FLOOR_DIR).raise(running) {
            Ok(true) => tracing::info!(version = running, "anti-rollback floor raised"),
            Ok(false) => {}
            Err(e) => tracing::error!(error = %e, "cannot raise the anti-rollback floor"),
        }
    })
}

fn daemon_user() -> Result<(Uid, Gid), InitError> {
    User::from_name(DAEMON_USER)
        .map_err(InitError::sys(format!("looking up user {DAEMON_USER}")))?
        .map(|u| (u.uid, u.gid))
        .ok_or_else(|| InitError::Failed {
            step: "looking up the daemon's user".into(),
            reason: format!("no user {DAEMON_USER} in the image"),
        })
}

/// The running configuration if one was committed, else the image's initial one; a
/// damaged file falls back to the initial configuration (posternd reports it).
fn load_config() -> Config {
    for path in [RUNNING_CONFIG, INITIAL_CONFIG] {
        if !Path::new(path).exists() {
            continue;
        }
        match Config::load(Path::new(path)) {
            Ok(config) => return config,
            Err(e) => tracing::error!(path, error = %e, "configuration unusable for networking"),
        }
    }
    tracing::warn!("no usable configuration: networking left down");
    Config::default()
}

/// Creates the state and log directories on the data area, owned by the daemon's user so
/// that it can write them after dropping root.
fn prepare_state(owner: (Uid, Gid)) -> Result<(), InitError> {
    // posternd opens these as root before it drops to its user: made here, they are the
    // user's from the first boot on.
    let config_dir = format!("{STATE_DIR}/config");
    let cache_dir = format!("{STATE_DIR}/device-cache");
    for dir in [STATE_DIR, &config_dir, &cache_dir, LOG_DIR, "/run/postern"] {
        std::fs::create_dir_all(dir).map_err(InitError::io(format!("creating {dir}")))?;
    }
    let (uid, gid) = owner;
    owner_tree::chown_tree(Path::new(STATE_DIR), uid, gid)?;
    owner_tree::chown_tree(Path::new("/run/postern"), uid, gid)?;
    chown(Path::new(DATA), Some(Uid::from_raw(0)), Some(Gid::from_raw(0))).map_err(InitError::sys("owning /data"))?;
    Ok(())
}
