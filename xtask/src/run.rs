//! `cargo xtask run`: runs what Postern has so far, for real: sample traffic through the
//! decision core and device cache, then the gateway daemon with its CLI on this terminal.

use crate::demo_uem::DemoUem;
use crate::packages;
use crate::shell::{Result, StepError, cargo, exec, root, say};
use postern_config::{Config, Connector, Privilege, User};
use std::path::Path;
use std::process::Command;

/// Options of `cargo xtask run`.
#[derive(clap::Args)]
pub(crate) struct RunArgs {
    /// A configuration file to use instead of the embedded demo configuration.
    #[arg(long)]
    config: Option<std::path::PathBuf>,
    /// Start from an empty device cache (the cache otherwise persists between runs).
    #[arg(long)]
    fresh: bool,
    /// Only run the sample traffic; do not start the daemon.
    #[arg(long)]
    traffic_only: bool,
    /// The loopback port of the daemon's SSH CLI.
    #[arg(long, default_value_t = 2222)]
    ssh_port: u16,
    /// The loopback port of the reference UEM server the daemon checks in with.
    #[arg(long, default_value_t = 8443)]
    uem_port: u16,
    /// Use the configuration's static UEM instead of the reference UEM server.
    #[arg(long)]
    static_uem: bool,
}

/// Runs the sample traffic, then posternd in the foreground.
pub(crate) fn run(args: &RunArgs) -> Result {
    let state = root().join("var/demo");
    say(&format!("running sample ActiveSync and AppTunnel traffic (state in {})", state.display()));
    let mut demo = cargo();
    demo.args(["run", "--quiet", "--release", "--package", "postern-demo", "--"]);
    demo.arg("--state-dir").arg(&state);
    if let Some(config) = &args.config {
        demo.arg("--config").arg(config);
    }
    if args.fresh {
        demo.arg("--fresh");
    }
    exec(&mut demo)?;
    if args.traffic_only {
        return Ok(());
    }
    packages::ensure(&[("ssh-keygen", "openssh-client"), ("ssh", "openssh-client")])?;
    let key = state.join("admin-key");
    if !key.is_file() {
        say("creating an SSH key for the demo administrator");
        exec(
            Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", "postern-demo-admin", "-f"])
                .arg(&key),
        )?;
    }
    say("building posternd, the postern client and the reference UEM server");
    exec(cargo().args([
        "build",
        "--quiet",
        "--release",
        "--package",
        "posternd",
        "--package",
        "postern-cli-transport",
        "--package",
        "postern-uem-reference",
    ]))?;
    let mut config = match &args.config {
        Some(path) => Config::load(path).map_err(|e| StepError(format!("{}: {e}", path.display())))?,
        None => Config::demo(),
    };
    let uem = if args.static_uem {
        None
    } else {
        let uem = DemoUem::start(&state.join("uem"), args.uem_port, &config)?;
        config.uem.connector = Connector::PosternApi(uem.connector.clone());
        Some(uem)
    };
    let initial = state.join("initial.toml");
    write_initial_config(config, &key, &initial)?;
    let socket = state.join("cli.sock");
    let gateway_state = if args.static_uem { "gateway-static" } else { "gateway" };
    let log_path = state.join("posternd.log");
    let log = std::fs::File::create(&log_path).map_err(|e| StepError(format!("{}: {e}", log_path.display())))?;
    say(&format!("starting posternd (log in {})", log_path.display()));
    let _ = std::fs::remove_file(&socket);
    let mut daemon = Command::new(root().join("target/release/posternd"))
        .arg("--state-dir")
        .arg(state.join(gateway_state))
        .arg("--device-cache")
        .arg(state.join("device-cache"))
        .arg("--initial-config")
        .arg(&initial)
        .arg("--socket")
        .arg(&socket)
        .args(["--ssh-listen", &format!("127.0.0.1:{}", args.ssh_port)])
        .stderr(log)
        .spawn()
        .map_err(|e| StepError(format!("starting posternd: {e}")))?;
    let ready = wait_for_file(&socket);
    eprintln!();
    eprintln!("You are now logged in to the gateway's CLI over SSH. Try `enable`, `show checkins`,");
    eprintln!("`show device-cache`, `?` anywhere, and (Ctrl-V before a `?` types it literally):");
    eprintln!(
        "  test activesync /Microsoft-Server-ActiveSync?Cmd=Sync&User=alice&DeviceId=ApplA1B2C3D4E5F6&DeviceType=iPhone"
    );
    eprintln!("From another terminal:");
    eprintln!("  scripted:    target/release/postern --socket {} -c \"show version\"", socket.display());
    if let Some(uem) = &uem {
        eprintln!("  the UEM:     {} status uem-0001 noncompliant --action block", uem.admin_hint());
    }
    eprintln!("`exit` leaves the CLI and stops the gateway.");
    eprintln!();
    let result = ready.and_then(|()| {
        exec(
            Command::new("ssh")
                .arg("-i")
                .arg(&key)
                .args(["-p", &args.ssh_port.to_string(), "-o", "StrictHostKeyChecking=accept-new"])
                .arg("-o")
                .arg(format!("UserKnownHostsFile={}", state.join("known_hosts").display()))
                .arg("admin@127.0.0.1"),
        )
    });
    say("stopping posternd");
    let _ = Command::new("kill").arg("-TERM").arg(daemon.id().to_string()).status();
    let _ = daemon.wait();
    drop(uem);
    result
}

/// Waits until posternd has created its CLI socket (it is then serving).
fn wait_for_file(path: &Path) -> Result {
    let start = std::time::Instant::now();
    while !path.exists() {
        if start.elapsed() > std::time::Duration::from_secs(30) {
            return Err(StepError(format!(
                "posternd did not start; see {}",
                path.with_file_name("posternd.log").display()
            )));
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Ok(())
}

/// The daemon's first configuration: the given one plus an administrator who logs in with
/// the demo key. Used only until a configuration is committed.
fn write_initial_config(mut config: Config, key: &Path, to: &Path) -> Result {
    let public = std::fs::read_to_string(key.with_extension("pub"))
        .map_err(|e| StepError(format!("reading the demo key: {e}")))?;
    config.users.retain(|u| u.name != "admin");
    config.users.push(User {
        name: "admin".into(),
        privilege: Privilege::Administrator,
        ssh_keys: vec![public.trim().to_owned()],
    });
    config.save(to).map_err(|e| StepError(format!("writing {}: {e}", to.display())))
}
