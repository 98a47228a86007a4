//! `cargo xtask fuzz`: bounded fuzzing of the parsers with cargo-fuzz.

use crate::shell::{Result, StepError, cargo, ensure_cargo_tool, exec, root, say};

/// Options of `cargo xtask fuzz`.
#[derive(clap::Args)]
pub(crate) struct FuzzArgs {
    /// How long to fuzz each target, in seconds.
    #[arg(long, default_value_t = 300)]
    seconds: u64,
}

/// Fuzz targets: (fuzz directory, target name).
const TARGETS: &[(&str, &str)] = &[
    ("firmware/access-profile/fuzz", "parse_profile"),
    ("firmware/activesync/fuzz", "parse_target"),
    ("cli/engine/fuzz", "feed_bytes"),
    ("firmware/update-bundle/fuzz", "feed_bundle"),
    ("firmware/proxy-protocol/fuzz", "parse_header"),
    ("firmware/tnc-wire/fuzz", "layers"),
    ("firmware/dhcp-client/fuzz", "parse_message"),
    ("firmware/agent-dns/fuzz", "parse_query"),
];

/// Runs `cargo xtask fuzz`.
pub(crate) fn run(args: &FuzzArgs) -> Result {
    fuzz_all(args.seconds)
}

/// Fuzzes every target for `seconds` each, starting from its committed seed corpus.
pub(crate) fn fuzz_all(seconds: u64) -> Result {
    ensure_cargo_tool("cargo-fuzz", "cargo-fuzz")?;
    for (dir, target) in TARGETS {
        say(&format!("fuzzing {target} for {seconds} s"));
        // New inputs go to a scratch corpus so the committed seeds stay as they are.
        let scratch = root().join("target/fuzz-corpus").join(target);
        std::fs::create_dir_all(&scratch).map_err(|e| StepError(format!("creating {}: {e}", scratch.display())))?;
        let seeds = root().join(dir).join("corpus").join(target);
        // cargo-fuzz needs unstable compiler flags (sanitizers); the stable toolchain
        // accepts them with RUSTC_BOOTSTRAP, so no nightly toolchain is required.
        exec(
            cargo()
                .env("RUSTC_BOOTSTRAP", "1")
                .args(["fuzz", "run", "--fuzz-dir", dir, target])
                .arg(&scratch)
                .arg(&seeds)
                .arg("--")
                .arg(format!("-max_total_time={seconds}")),
        )?;
    }
    Ok(())
}
