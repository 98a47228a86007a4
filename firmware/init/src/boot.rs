//! The boot sequence, from the kernel's hand-over to the supervised daemon.

use crate::error::InitError;
use crate::paths::{BOARD_FILE, DAEMON_USER, DATA, INITIAL_CONFIG, LOG_DIR, RUNNING_CONFIG, STATE_DIR};
use crate::supervisor::Ending;
use crate::{data_area, kernel_modules, mounts, network, shutdown, supervisor};
use nix::unistd::{Gid, Uid, User, chown};
use postern_board::Board;
use postern_config::Config;
use std::path::Path;
use std::process::ExitCode;

/// Where posternd's command line is kept in the image: one argument per line.
const POSTERND_ARGS: &str = "/etc/postern/posternd.args";

/// Boots the appliance and supervises it; only returns by powering off or rebooting.
pub(crate) fn run() -> ExitCode {
    let _logs = postern_logging::init("info", false);
    let ending = match boot() {
        Ok(args) => supervisor::supervise(args).unwrap_or_else(|e| {
            tracing::error!(error = %e, "supervision failed; rebooting");
            Ending::Reboot
        }),
        Err(e) => {
            tracing::error!(error = %e, "boot failed; powering off so that the failure stays visible");
            Ending::PowerOff
        }
    };
    shutdown::finish(ending)
}

/// Everything before the daemon starts; returns posternd's arguments.
fn boot() -> Result<Vec<String>, InitError> {
    mounts::mount_system()?;
    // Ctrl-Alt-Del becomes SIGINT to init (an orderly reboot), not an instant reset.
    nix::sys::reboot::set_cad_enabled(false).map_err(InitError::sys("disabling Ctrl-Alt-Del"))?;
    let board = Board::load(Path::new(BOARD_FILE))?;
    tracing::info!(board = %board.name, "booting");
    kernel_modules::load(&board.kernel.modules)?;
    data_area::mount_data(&board.disk.data_device)?;
    prepare_state()?;
    let config = load_config();
    network::configure(&config.interfaces)?;
    let text = std::fs::read_to_string(POSTERND_ARGS).map_err(InitError::io(format!("reading {POSTERND_ARGS}")))?;
    Ok(text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect())
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
fn prepare_state() -> Result<(), InitError> {
    let owner = User::from_name(DAEMON_USER)
        .map_err(InitError::sys(format!("looking up user {DAEMON_USER}")))?
        .map(|u| (u.uid, u.gid))
        .ok_or_else(|| InitError::Failed { step: "preparing the data area".into(), reason: format!("no user {DAEMON_USER} in the image") })?;
    // posternd opens these as root before it drops to its user: made here, they are the
    // user's from the first boot on.
    let config_dir = format!("{STATE_DIR}/config");
    let cache_dir = format!("{STATE_DIR}/device-cache");
    for dir in [STATE_DIR, &config_dir, &cache_dir, LOG_DIR, "/run/postern"] {
        std::fs::create_dir_all(dir).map_err(InitError::io(format!("creating {dir}")))?;
    }
    chown_tree(Path::new(STATE_DIR), owner)?;
    chown_tree(Path::new("/run/postern"), owner)?;
    chown(Path::new(DATA), Some(Uid::from_raw(0)), Some(Gid::from_raw(0))).map_err(InitError::sys("owning /data"))?;
    Ok(())
}

fn chown_tree(path: &Path, (uid, gid): (Uid, Gid)) -> Result<(), InitError> {
    chown(path, Some(uid), Some(gid)).map_err(InitError::sys(format!("owning {}", path.display())))?;
    if path.is_dir() && !path.is_symlink() {
        for entry in std::fs::read_dir(path).map_err(InitError::io(format!("listing {}", path.display())))? {
            let entry = entry.map_err(InitError::io(format!("listing {}", path.display())))?;
            chown_tree(&entry.path(), (uid, gid))?;
        }
    }
    Ok(())
}
