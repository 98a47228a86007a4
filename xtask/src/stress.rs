//! `cargo xtask stress N`: the test suite, N times over, while busy threads keep every core
//! loaded, so that a test that passes only on an idle machine is found before a release.
//! Every failure is printed with its test binary, its name and the run's seed.

use crate::image;
use crate::shell::{Result, StepError, cargo, root, say};
use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Options of `cargo xtask stress`.
#[derive(clap::Args)]
pub(crate) struct StressArgs {
    /// How many times to run the suite.
    runs: u32,
    /// Busy threads that load the machine while the tests run (default: two per core).
    #[arg(long)]
    hogs: Option<usize>,
    /// The first run's seed (run i uses seed + i): the property tests' random seed
    /// (PROPTEST_RNG_SEED), printed with every failure so that it can be repeated.
    #[arg(long)]
    seed: Option<u64>,
    /// Also boot and update the appliance under qemu in each run (builds the image first).
    #[arg(long)]
    image: bool,
}

/// One failed test: where it ran, its name, and the run's seed.
struct Failure {
    run: u32,
    seed: u64,
    binary: String,
    test: String,
}

/// Runs the suite `runs` times under load and reports every failure.
pub(crate) fn run(args: &StressArgs) -> Result {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let hogs = args.hogs.unwrap_or(cores * 2);
    let first_seed = args.seed.unwrap_or_else(seed_from_clock);
    say("building the tests once before loading the machine");
    crate::shell::exec(cargo().args(["build", "--workspace", "--bins"]))?;
    crate::shell::exec(cargo().args(["test", "--workspace", "--lib", "--bins", "--tests", "--examples", "--no-run"]))?;
    if args.image {
        image::verify(&image::VerifyArgs::for_board("qemu-x86_64"))?;
    }
    let logs = root().join("var/stress");
    std::fs::create_dir_all(&logs).map_err(|e| StepError(format!("cannot create {}: {e}", logs.display())))?;
    let load = Load::start(hogs);
    say(&format!("{hogs} busy threads on {cores} cores; runs {} to {}", 1, args.runs));
    let mut failures = Vec::new();
    let mut clean = 0;
    for run in 1..=args.runs {
        let seed = first_seed.wrapping_add(u64::from(run - 1));
        let log = logs.join(format!("run-{run}.log"));
        let mut found = suite(&log, seed, run)?;
        if args.image {
            found.extend(image_tests(&log, seed, run)?);
        }
        if found.is_empty() {
            clean += 1;
            say(&format!("run {run}: clean (seed {seed})"));
        } else {
            say(&format!("run {run}: {} failed (seed {seed}, log {})", found.len(), log.display()));
            for f in &found {
                eprintln!("    FAILED {} :: {}", f.binary, f.test);
            }
        }
        failures.extend(found);
    }
    drop(load);
    say(&format!("{clean} of {} runs clean", args.runs));
    for f in &failures {
        eprintln!("    run {} seed {}: {} :: {}", f.run, f.seed, f.binary, f.test);
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(StepError(format!("{} test failures under load (logs in {})", failures.len(), logs.display())))
    }
}

/// One run of the workspace's tests; the failures found in its output.
fn suite(log: &Path, seed: u64, run: u32) -> Result<Vec<Failure>> {
    let mut cmd = cargo();
    cmd.env("PROPTEST_RNG_SEED", seed.to_string()).args([
        "test",
        "--workspace",
        "--lib",
        "--bins",
        "--tests",
        "--examples",
        "--no-fail-fast",
    ]);
    let success = logged(&mut cmd, log)?;
    let failures = failures_in(&read(log)?, seed, run);
    if !success && failures.is_empty() {
        return Ok(vec![Failure {
            run,
            seed,
            binary: "(cargo)".into(),
            test: format!("the run failed without a test failing; see {}", log.display()),
        }]);
    }
    Ok(failures)
}

/// The qemu tests, appended to the run's log.
fn image_tests(log: &Path, seed: u64, run: u32) -> Result<Vec<Failure>> {
    let mut found = Vec::new();
    for test in ["image_boot", "image_update"] {
        let part = log.with_extension(format!("{test}.log"));
        let mut cmd = cargo();
        cmd.env("POSTERN_IMAGE_DIR", root().join(image::FIRST_BUILD)).args([
            "test",
            "--package",
            "postern-e2e",
            "--test",
            test,
            "--",
            "--ignored",
            "--nocapture",
        ]);
        let success = logged(&mut cmd, &part)?;
        let failures = failures_in(&read(&part)?, seed, run);
        if !success && failures.is_empty() {
            found.push(Failure { run, seed, binary: test.into(), test: format!("failed; see {}", part.display()) });
        }
        found.extend(failures);
    }
    Ok(found)
}

/// Runs `cmd` with stdout and stderr both in `log` (in the order they were written).
fn logged(cmd: &mut std::process::Command, log: &Path) -> Result<bool> {
    let file = File::create(log).map_err(|e| StepError(format!("cannot create {}: {e}", log.display())))?;
    let err = file.try_clone().map_err(|e| StepError(format!("cannot share {}: {e}", log.display())))?;
    let status =
        cmd.stdout(file).stderr(err).status().map_err(|e| StepError(format!("could not start {cmd:?}: {e}")))?;
    Ok(status.success())
}

fn read(log: &Path) -> Result<String> {
    std::fs::read(log)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .map_err(|e| StepError(format!("cannot read {}: {e}", log.display())))
}

/// The failed tests in cargo test's output: `test NAME ... FAILED` lines, each under the
/// `Running BINARY` line of its test binary.
fn failures_in(output: &str, seed: u64, run: u32) -> Vec<Failure> {
    let mut binary = String::from("(unknown binary)");
    let mut failures = Vec::new();
    for line in output.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("Running ") {
            binary = rest.to_owned();
        } else if let Some(test) = line.strip_prefix("test ").and_then(|l| l.strip_suffix(" ... FAILED")) {
            failures.push(Failure { run, seed, binary: binary.clone(), test: test.to_owned() });
        } else if line.starts_with("error: test failed, to rerun pass") && !failures.iter().any(|f| f.binary == binary)
        {
            // The binary died without reporting a test (a crash or an abort).
            failures.push(Failure { run, seed, binary: binary.clone(), test: line.to_owned() });
        }
    }
    failures
}

fn seed_from_clock() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_secs())
}

/// Busy threads that keep the cores loaded until dropped.
struct Load {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Load {
    fn start(hogs: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = (0..hogs)
            .map(|_| {
                let stop = Arc::clone(&stop);
                std::thread::spawn(move || {
                    let mut x = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
                    }
                })
            })
            .collect();
        Self { stop, threads }
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_tests_are_named_with_their_binary() {
        let output = "\
     Running tests/recovery.rs (target/debug/deps/recovery-1)
test a ... ok
test an_undecodable_record_is_reported ... FAILED
     Running tests/reopen.rs (target/debug/deps/reopen-2)
test b ... ok
     Running tests/crash.rs (target/debug/deps/crash-3)
error: test failed, to rerun pass `-p x --test crash`
";
        let found = failures_in(output, 7, 1);
        let named: Vec<_> = found.iter().map(|f| (f.binary.as_str(), f.test.as_str(), f.seed)).collect();
        assert_eq!(
            named,
            vec![
                ("tests/recovery.rs (target/debug/deps/recovery-1)", "an_undecodable_record_is_reported", 7),
                (
                    "tests/crash.rs (target/debug/deps/crash-3)",
                    "error: test failed, to rerun pass `-p x --test crash`",
                    7
                ),
            ]
        );
    }
}
