//! `cargo xtask fuzz`: bounded fuzzing of the parsers with cargo-fuzz.
//!
//! Every target is a binary of the one fuzz crate in `fuzz/`, so the sanitizer-instrumented
//! dependencies are built once (`cargo fuzz build`) and each run reuses that build.

use crate::shell::{Result, StepError, cargo, ensure_cargo_tool, exec, root, say};

/// Options of `cargo xtask fuzz`.
#[derive(clap::Args)]
pub(crate) struct FuzzArgs {
    /// How long to fuzz each target, in seconds.
    #[arg(long, default_value_t = 300)]
    seconds: u64,
}

/// The fuzz crate's directory, relative to the repository root.
const FUZZ_DIR: &str = "fuzz";

/// Fuzz targets: the fuzz crate's binaries (`fuzz/fuzz_targets/<name>.rs`), each with its
/// seed corpus in `fuzz/corpus/<name>`.
const TARGETS: &[&str] = &[
    "parse_profile",
    "parse_target",
    "feed_bytes",
    "feed_bundle",
    "parse_header",
    "layers",
    "parse_message",
    "parse_query",
];

/// Runs `cargo xtask fuzz`.
pub(crate) fn run(args: &FuzzArgs) -> Result {
    fuzz_all(args.seconds)
}

/// A `cargo fuzz` command. cargo-fuzz needs unstable compiler flags (sanitizers); the
/// stable toolchain accepts them with RUSTC_BOOTSTRAP, so no nightly toolchain is required.
fn cargo_fuzz(subcommand: &str) -> std::process::Command {
    let mut command = cargo();
    command.env("RUSTC_BOOTSTRAP", "1").args(["fuzz", subcommand, "--fuzz-dir", FUZZ_DIR]);
    command
}

/// Builds every target once, then fuzzes each for `seconds`, starting from its committed
/// seed corpus.
pub(crate) fn fuzz_all(seconds: u64) -> Result {
    ensure_cargo_tool("cargo-fuzz", "cargo-fuzz")?;
    say("building the fuzz targets");
    exec(&mut cargo_fuzz("build"))?;
    for target in TARGETS {
        say(&format!("fuzzing {target} for {seconds} s"));
        // New inputs go to a scratch corpus so the committed seeds stay as they are.
        let scratch = root().join("target/fuzz-corpus").join(target);
        std::fs::create_dir_all(&scratch).map_err(|e| StepError(format!("creating {}: {e}", scratch.display())))?;
        let seeds = root().join(FUZZ_DIR).join("corpus").join(target);
        // `run` builds with the same flags as `build` above, so it finds the build up to date.
        exec(
            cargo_fuzz("run").arg(target).arg(&scratch).arg(&seeds).arg("--").arg(format!("-max_total_time={seconds}")),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every fuzz target file is listed in `TARGETS` and has a seed corpus, and the other way round.
    #[test]
    fn targets_match_the_fuzz_crate() {
        let dir = root().join(FUZZ_DIR).join("fuzz_targets");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .expect("fuzz targets directory")
            .map(|e| e.expect("entry").file_name().to_string_lossy().trim_end_matches(".rs").to_owned())
            .collect();
        files.sort();
        let mut listed: Vec<String> = TARGETS.iter().map(|t| (*t).to_owned()).collect();
        listed.sort();
        assert_eq!(files, listed);
        for target in TARGETS {
            let seeds = root().join(FUZZ_DIR).join("corpus").join(target);
            assert!(std::fs::read_dir(&seeds).map(|mut d| d.next().is_some()).unwrap_or(false), "{target}: no seeds");
        }
    }
}
