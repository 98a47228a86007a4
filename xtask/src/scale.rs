//! `cargo xtask scale`: three posternd gateways behind HAProxy with the reference UEM (the
//! scale-out end-to-end test), then requests per second and CPU per request through one,
//! two and three gateways, in a release build.

use crate::packages::ensure;
use crate::shell::{Result, cargo, exec, say};

/// What the scale-out run needs besides a Rust toolchain.
const SCALE_TOOLS: &[(&str, &str)] =
    &[("haproxy", "haproxy"), ("wrk", "wrk"), ("curl", "curl"), ("openssl", "openssl"), ("python3", "python3")];

/// Runs `cargo xtask scale`.
pub(crate) fn run() -> Result {
    ensure(SCALE_TOOLS)?;
    say("building posternd, the postern client and the reference UEM (release)");
    exec(cargo().args([
        "build",
        "--release",
        "-p",
        "posternd",
        "-p",
        "postern-uem-reference",
        "-p",
        "postern-cli-transport",
        "--bins",
    ]))?;
    say("three gateways behind HAProxy, then the benchmark through 1, 2 and 3 of them");
    exec(cargo().args([
        "test",
        "--release",
        "-p",
        "posternd",
        "--test",
        "scale_out_end_to_end",
        "--",
        "--include-ignored",
        "--nocapture",
        "--test-threads=1",
    ]))
}
