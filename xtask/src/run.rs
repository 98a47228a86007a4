//! `cargo xtask run`: runs what Postern has so far, for real.

use crate::shell::{Result, cargo, root, exec, say};

/// Options of `cargo xtask run`.
#[derive(clap::Args)]
pub(crate) struct RunArgs {
    /// A configuration file to use instead of the embedded demo configuration.
    #[arg(long)]
    config: Option<std::path::PathBuf>,
    /// Start from an empty device cache (the cache otherwise persists between runs).
    #[arg(long)]
    fresh: bool,
}

/// Builds and runs the demo gateway over sample ActiveSync traffic.
pub(crate) fn run(args: &RunArgs) -> Result {
    let state = root().join("var/demo");
    say(&format!("building and running postern-demo (state in {})", state.display()));
    let mut cmd = cargo();
    cmd.args(["run", "--quiet", "--release", "--package", "postern-demo", "--"]);
    cmd.arg("--state-dir").arg(&state);
    if let Some(config) = &args.config {
        cmd.arg("--config").arg(config);
    }
    if args.fresh {
        cmd.arg("--fresh");
    }
    exec(&mut cmd)
}
