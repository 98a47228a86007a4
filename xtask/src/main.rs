//! `cargo xtask`: the single entry point for running, testing and benchmarking Postern.

mod bench;
mod demo_uem;
mod fuzz;
mod packages;
mod run;
mod shell;
mod test;

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
    /// Run Postern: sample traffic through the decision core and device cache, then the daemon with its CLI.
    Run(run::RunArgs),
    /// Install what the tests need, then run every test, lint and a bounded fuzz run.
    Test(test::TestArgs),
    /// Run the criterion benchmarks and print where the reports are.
    Bench(bench::BenchArgs),
    /// Fuzz the ActiveSync parser for a bounded time.
    Fuzz(fuzz::FuzzArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Fuzz(args) => fuzz::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}
