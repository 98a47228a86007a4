//! `postern-demo`: the decision core and the persistent device cache over sample
//! ActiveSync and AppTunnel traffic, with a static UEM from the configuration.

mod error;
mod gateway;
mod report;
mod scenario;

use clap::Parser;
use error::DemoError;
use gateway::Demo;
use postern_appliance::setup;
use postern_config::{Config, Connector};
use postern_uem_connector::StaticUem;
use report::Row;
use scenario::Step;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Writes one line of the demo's output; a reader that went away ends the run.
macro_rules! say {
    ($out:expr) => { writeln!($out).map_err(DemoError::Output)? };
    ($out:expr, $($arg:tt)*) => { writeln!($out, $($arg)*).map_err(DemoError::Output)? };
}

/// Command-line options.
#[derive(Parser)]
#[command(about = "Runs Postern's decision core and device cache over sample traffic")]
struct Args {
    /// Where the device cache lives (it persists between runs).
    #[arg(long, default_value = "var/demo")]
    state_dir: PathBuf,
    /// A configuration file (TOML) instead of the embedded demo configuration.
    #[arg(long)]
    config: Option<PathBuf>,
    /// A scenario file instead of the embedded sample traffic.
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Empty the device cache before running.
    #[arg(long)]
    fresh: bool,
}

fn main() -> ExitCode {
    // The appliance's log lines (as posternd's) on stderr; the printed rows are the output.
    let _recent = postern_logging::init("error", false);
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        // Piped into `head` or the like: the reader has what it wanted.
        Err(DemoError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("postern-demo: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), DemoError> {
    let (config, source) = match &args.config {
        Some(path) => (
            Config::load(path).map_err(|source| DemoError::Config { path: path.display().to_string(), source })?,
            path.display().to_string(),
        ),
        None => (Config::demo(), "embedded demo configuration".to_owned()),
    };
    let Connector::Static(static_config) = &config.uem.connector else {
        return Err(DemoError::NotStatic);
    };
    let id = setup::gateway_id(&config)?;
    let uem = StaticUem::from_config(static_config, &id)?;
    let steps = match &args.scenario {
        Some(path) => scenario::parse(
            &std::fs::read_to_string(path).map_err(|source| DemoError::Io { path: path.clone(), source })?,
        )?,
        None => scenario::parse(scenario::SAMPLE)?,
    };

    let mut out = std::io::stdout().lock();
    let cache_dir = args.state_dir.join("device-cache");
    let mut opened = setup::open_device_cache(&cache_dir, &config)?;
    if args.fresh {
        opened.cache.clear()?;
    }
    if let Some(recovery) = &opened.recovery {
        say!(
            out,
            "device cache was damaged ({}); kept at {}; starting empty",
            recovery.damage,
            recovery.moved_to.display()
        );
    }
    say!(out, "Postern demo: gateway {id}, {source}, {} UEM devices", uem.device_count());
    say!(out, "device cache: {} (capacity {})", cache_dir.display(), opened.cache.capacity());
    let gateway = Demo::new(&config, uem, opened.cache)?;
    let (devices, tunnels) = gateway.restore()?;
    say!(
        out,
        "start-up: {devices} ActiveSync devices restored (asked again as first accesses), {tunnels} AppTunnels reloaded"
    );
    say!(out);
    say!(out, "{}", Row::heading());
    for step in steps {
        match step {
            Step::Say(text) => say!(out, "\n-- {text}"),
            Step::Uem(up) => {
                gateway.set_uem(up);
                say!(out, "-- UEM is {}", if up { "reachable" } else { "unreachable" });
            }
            Step::Request { method, target } => {
                say!(out, "{}", gateway.request(method, &target)?.line());
            }
            Step::Report { device, status } => {
                if !gateway.uem_report(&device, status) {
                    say!(out, "-- the UEM has no device {device}");
                }
            }
            Step::Checkin => {
                for row in gateway.checkin()? {
                    say!(out, "{}", row.line());
                }
            }
            Step::Recheck => {
                for row in gateway.recheck()? {
                    say!(out, "{}", row.line());
                }
            }
            Step::AppTunnel { device, app, service } => {
                say!(out, "{}", gateway.app_tunnel(&device, &app, &service)?.line());
            }
        }
    }
    say!(out, "\ndevice cache now holds {} entries; run again to see them restored", gateway.cached());
    Ok(())
}
