//! `cargo xtask`: the single entry point for running, testing and benchmarking Postern.

mod bench;
mod bench_image;
mod bench_nic;
mod bench_proxy;
mod bundle;
mod check_docs;
mod check_vocabulary;
mod debian;
mod demo_backend;
mod demo_uem;
mod fuzz;
mod image;
mod other_host;
mod packages;
mod pins;
mod run;
mod run_vm;
mod scale;
mod shell;
mod stress;
mod test;
mod test_production;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Run, test and benchmark Postern")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the appliance image if needed and boot it under qemu, the console on this terminal.
    Run(run_vm::VmArgs),
    /// Run Postern on this machine instead: sample traffic, then the daemon with its CLI over SSH.
    RunHost(run::RunArgs),
    /// Install what the tests need, then run every test, lint and a bounded fuzz run.
    Test(test::TestArgs),
    /// Run the criterion benchmarks and print where the reports are.
    Bench(bench::BenchArgs),
    /// Three gateways behind HAProxy with the reference UEM, then requests/s through 1, 2 and 3.
    Scale,
    /// Fuzz the ActiveSync parser for a bounded time.
    Fuzz(fuzz::FuzzArgs),
    /// Build the appliance image for a board (kernel, root file system, manifest).
    Image(image::ImageArgs),
    /// Build the image twice from empty target directories and compare the hashes.
    VerifyReproducible(image::VerifyArgs),
    /// Build the image here and in a Debian 12 chroot with other packages; compare the manifests.
    ImageInChroot(other_host::ChrootArgs),
    /// Make a signed update bundle of an image (see docs/update-bundle.md).
    Bundle(bundle::BundleArgs),
    /// Run the test suite N times while busy threads load every core; print each failure.
    Stress(stress::StressArgs),
    /// Move a board's pinned Debian packages (kernel, systemd-boot, userland) to what the archive serves now.
    Pins(pins::PinsArgs),
    /// Check that every crate README and the contract index (docs/contracts.md) are true.
    CheckDocs,
    /// Sign an update bundle again with another key, or make a new signing key pair.
    Sign(bundle::SignArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run_vm::run(&args),
        Command::RunHost(args) => run::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Scale => scale::run(),
        Command::Fuzz(args) => fuzz::run(&args),
        Command::Image(args) => image::run(&args),
        Command::VerifyReproducible(args) => image::verify(&args),
        Command::ImageInChroot(args) => other_host::run(&args),
        Command::Bundle(args) => bundle::run(&args),
        Command::Sign(args) => bundle::sign(&args),
        Command::Stress(args) => stress::run(&args),
        Command::Pins(args) => pins::run(&args),
        Command::CheckDocs => check_docs::run().and_then(|()| check_vocabulary::run()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}
