//! `cargo xtask bench`: the criterion benchmarks, and a summary of their medians.

use crate::shell::{Result, StepError, cargo, exec, root, say};
use std::path::Path;

/// Options of `cargo xtask bench`.
#[derive(clap::Args)]
pub(crate) struct BenchArgs {
    /// Only benchmarks whose name contains this text; `proxy` runs Postern and nginx side
    /// by side instead (see docs/performance-proxy.md); `image` measures the appliance's
    /// size, boot time and idle memory under qemu; `pings` holds 20 000 Pings through
    /// Postern and nginx (see docs/performance.md); `host-checker` times checks and
    /// endpoint changes against a real posternd (see docs/host-checker.md); `nic` measures
    /// the proxy on qemu's NICs with and without receive/transmit steering.
    filter: Option<String>,
    #[command(flatten)]
    proxy: crate::bench_proxy::ProxyArgs,
    #[command(flatten)]
    pings: crate::bench_proxy::PingArgs,
    #[command(flatten)]
    boots: crate::bench_image::BootArgs,
}

/// Packages that carry benchmarks.
const BENCHED: &[&str] =
    &["postern-activesync", "postern-decision", "postern-device-cache", "postern-gateway", "postern-logging"];

/// Runs every benchmark, then prints median and spread of each from criterion's reports.
pub(crate) fn run(args: &BenchArgs) -> Result {
    if args.filter.as_deref() == Some("proxy") {
        return crate::bench_proxy::run(&args.proxy);
    }
    if args.filter.as_deref() == Some("pings") {
        return crate::bench_proxy::run_pings(&args.pings);
    }
    if args.filter.as_deref() == Some("image") {
        return crate::bench_image::run(&args.boots);
    }
    if args.filter.as_deref() == Some("host-checker") {
        return host_checker();
    }
    if args.filter.as_deref() == Some("nic") {
        return crate::bench_nic::run();
    }
    for krate in BENCHED {
        say(&format!("benchmarking {krate}"));
        let mut cmd = cargo();
        cmd.args(["bench", "--package", krate, "--"]);
        if let Some(filter) = &args.filter {
            cmd.arg(filter);
        }
        exec(&mut cmd)?;
    }
    say("summary (median, median absolute deviation)");
    let dir = root().join("target/criterion");
    let mut rows = Vec::new();
    collect(&dir, &mut rows).map_err(|e| StepError(format!("reading {}: {e}", dir.display())))?;
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, median, mad) in rows {
        println!("{name:<60} {:>12} ± {}", human(median), human(mad));
    }
    Ok(())
}

/// The Host Checker benchmark: posternd, `postern-posture` and `openssl s_client` as
/// real processes (firmware/posternd/tests/host_checker_bench.rs), release builds.
fn host_checker() -> Result {
    say("building posternd, postern-posture and postern (release)");
    exec(cargo().args([
        "build",
        "--release",
        "--package",
        "posternd",
        "--package",
        "postern-posture",
        "--package",
        "postern-cli-transport",
        "--bins",
    ]))?;
    say("benchmarking Host Checker (see docs/host-checker.md)");
    exec(cargo().args([
        "test",
        "--release",
        "--package",
        "posternd",
        "--test",
        "host_checker_bench",
        "--",
        "--ignored",
        "--nocapture",
    ]))
}

/// Finds every `new/estimates.json` under `dir` and reads its median and MAD (ns).
fn collect(dir: &Path, rows: &mut Vec<(String, f64, f64)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        let estimates = path.join("new/estimates.json");
        if estimates.is_file() {
            let text = std::fs::read_to_string(&estimates)?;
            if let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) {
                let point = |k: &str| json[k]["point_estimate"].as_f64().unwrap_or(f64::NAN);
                let bench = root().join("target/criterion");
                let name = path.strip_prefix(&bench).unwrap_or(&path).display().to_string();
                rows.push((name, point("median"), point("median_abs_dev")));
            }
        } else {
            collect(&path, rows)?;
        }
    }
    Ok(())
}

/// Formats nanoseconds with a readable unit.
fn human(ns: f64) -> String {
    match ns {
        n if n >= 1e9 => format!("{:.2} s", n / 1e9),
        n if n >= 1e6 => format!("{:.2} ms", n / 1e6),
        n if n >= 1e3 => format!("{:.2} µs", n / 1e3),
        n => format!("{n:.1} ns"),
    }
}
