//! `cargo xtask run`: runs what Postern has so far, for real: sample traffic through the
//! decision core and device cache, then the gateway daemon with its CLI on this terminal.

use crate::packages;
use crate::shell::{Result, StepError, cargo, exec, root, say};
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
    packages::ensure(&[("ssh-keygen", "openssh-client")])?;
    let key = state.join("admin-key");
    if !key.is_file() {
        say("creating an SSH key for the demo administrator");
        exec(Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-C", "postern-demo-admin", "-f"]).arg(&key))?;
    }
    let initial = state.join("initial.toml");
    write_initial_config(args.config.as_deref(), &key, &initial)?;
    say("building posternd and the postern client");
    exec(cargo().args(["build", "--quiet", "--release", "--package", "posternd", "--package", "postern-cli-transport"]))?;
    let socket = state.join("cli.sock");
    eprintln!();
    eprintln!("posternd is starting with its CLI on this terminal (type `enable`, then `show device-cache`).");
    eprintln!("  over SSH:    ssh -i {} -p {} admin@127.0.0.1", key.display(), args.ssh_port);
    eprintln!("  scripted:    target/release/postern --socket {} -c \"show version\"", socket.display());
    eprintln!("  stop:        Ctrl-C");
    eprintln!();
    exec(Command::new(root().join("target/release/posternd"))
        .arg("--state-dir")
        .arg(state.join("state"))
        .arg("--device-cache")
        .arg(state.join("device-cache"))
        .arg("--initial-config")
        .arg(&initial)
        .arg("--socket")
        .arg(&socket)
        .args(["--ssh-listen", &format!("127.0.0.1:{}", args.ssh_port), "--console", "--log-filter", "warn"]))
}

/// The daemon's first configuration: the demo (or the given file) plus an administrator
/// who logs in with the demo key. Used only until a configuration is committed.
fn write_initial_config(config: Option<&Path>, key: &Path, to: &Path) -> Result {
    let base_path = config.map_or_else(|| root().join("firmware/config/demo.toml"), Path::to_path_buf);
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| StepError(format!("reading {}: {e}", p.display())));
    let base = read(&base_path)?;
    let public = read(&key.with_extension("pub"))?;
    let text = format!(
        "{base}\n# Added by cargo xtask run: the demo administrator.\n[[users]]\nname = \"admin\"\nprivilege = \"administrator\"\nssh_keys = [\"{}\"]\n",
        public.trim()
    );
    std::fs::write(to, text).map_err(|e| StepError(format!("writing {}: {e}", to.display())))
}
