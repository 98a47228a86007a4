//! `cargo xtask test`: everything CI checks, in one command.

use crate::image::{self, VerifyArgs};
use crate::shell::{Result, cargo, exec, root, say};
use crate::{fuzz, packages};

/// Options of `cargo xtask test`.
#[derive(clap::Args)]
pub(crate) struct TestArgs {
    /// Seconds to fuzz each fuzz target (0 skips fuzzing; `cargo xtask fuzz` runs longer).
    #[arg(long, default_value_t = 20)]
    fuzz_seconds: u64,
    /// Skip building the appliance image twice and booting it under qemu.
    #[arg(long)]
    no_image: bool,
}

/// Crates that must build without `std`; each is built alone so that no other crate's
/// features can hide a dependency that pulls `std` in.
const NO_STD_CRATES: &[&str] = &[
    "postern-decision",
    "postern-activesync",
    "postern-cli-engine",
    "postern-tnc-wire",
    "postern-agent-wire",
    "postern-agent-dns",
    "postern-proxy-protocol",
];
/// Crates whose `std` feature is on by default; built alone without it as well.
const NO_STD_WITHOUT_DEFAULTS: &[&str] = &["postern-update-bundle"];

/// Runs the whole test suite.
pub(crate) fn run(args: &TestArgs) -> Result {
    say("checking the tools the tests use (ssh, tmux, curl, openssl, setpriv, e2fsprogs, losetup, python3)");
    packages::ensure(packages::TEST_TOOLS)?;
    say("checking the Python packages the tests use (a real ActiveSync client)");
    for python in packages::TEST_PYTHON {
        packages::ensure_python(*python)?;
    }
    say("checking the formatting (cargo fmt --check; rustfmt.toml holds the house style)");
    if !cargo().args(["fmt", "--version"]).output().is_ok_and(|o| o.status.success()) {
        say("installing rustfmt (needed and not found)");
        exec(std::process::Command::new("rustup").args(["component", "add", "rustfmt"]))?;
    }
    exec(cargo().args(["fmt", "--all", "--check"]))?;
    crate::check_docs::run()?;
    crate::check_vocabulary::run()?;
    for krate in NO_STD_CRATES {
        say(&format!("building {krate} on its own (no_std + alloc)"));
        exec(cargo().args(["build", "--package", krate]))?;
    }
    for krate in NO_STD_WITHOUT_DEFAULTS {
        say(&format!("building {krate} on its own without its std feature (no_std + alloc)"));
        exec(cargo().args(["build", "--package", krate, "--no-default-features"]))?;
    }
    // Within the workspace, features unify: only a build of its own shows that the
    // appliance's set-up builds and lints without the daemon (feature `daemon`).
    say("linting postern-demo on its own (postern-appliance without its daemon feature)");
    exec(cargo().args(["clippy", "--package", "postern-demo", "--all-targets", "--", "-D", "warnings"]))?;
    say("linting the workspace (clippy, warnings are errors)");
    exec(cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    say("running unit, property, integration and crash tests");
    // Benchmarks are compiled by clippy above; running them (even in test mode, which
    // builds million-device caches) is `cargo xtask bench`'s job.
    // The end-to-end tests start the workspace's binaries (posternd, postern, postern-uem).
    exec(cargo().args(["build", "--workspace", "--bins"]))?;
    exec(cargo().args(["test", "--workspace", "--lib", "--bins", "--tests", "--examples"]))?;
    // posternd's SAML federation listener is a feature the appliance image leaves out until
    // it ships libxmlsec1 (firmware/appliance/Cargo.toml): linted and tested here with it.
    say("linting and testing posternd with the federation listener (feature `federation`)");
    exec(cargo().args([
        "clippy",
        "--package",
        "postern-appliance",
        "--package",
        "posternd",
        "--features",
        "federation",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    exec(cargo().args(["test", "--package", "postern-appliance", "--features", "federation", "--lib"]))?;
    for test in [
        "federation_end_to_end",
        "federation_browser_end_to_end",
        "federation_revocation_end_to_end",
        "accs_sync_end_to_end",
    ] {
        exec(cargo().args(["test", "--package", "posternd", "--features", "federation", "--test", test]))?;
    }
    say("building the documentation (broken links are errors)");
    exec(cargo().env("RUSTDOCFLAGS", "-D warnings").args(["doc", "--workspace", "--no-deps"]))?;
    say("running documentation tests");
    exec(cargo().args(["test", "--workspace", "--doc"]))?;
    if args.fuzz_seconds > 0 {
        fuzz::fuzz_all(args.fuzz_seconds)?;
    }
    if !args.no_image {
        test_image()?;
    }
    say("all tests passed");
    Ok(())
}

/// The image: built twice from empty target directories with identical hashes (F1), then
/// booted under qemu by the end-to-end tests (F2); then a production image with throwaway
/// keys (F3).
fn test_image() -> Result {
    say("building the appliance image twice and comparing (reproducibility)");
    packages::ensure(&[("qemu-system-x86_64", "qemu-system-x86")])?;
    packages::ensure_file(std::path::Path::new(packages::OVMF), "ovmf")?;
    image::verify(&VerifyArgs::for_board("qemu-x86_64"))?;
    say("booting the image under qemu (software emulation)");
    for test in ["image_boot", "image_update"] {
        exec(cargo().env("POSTERN_IMAGE_DIR", root().join(image::FIRST_BUILD)).args([
            "test",
            "--package",
            "postern-e2e",
            "--test",
            test,
            "--",
            "--ignored",
            "--nocapture",
        ]))?;
    }
    test_generic_image(&root().join("target/repro/a/target"))?;
    crate::test_production::run(&root().join("target/repro/a/target"))
}

/// The generic x86_64 board's image (from the binaries already built), booted on an Intel
/// NIC with a SATA disk, a VMware NIC with an NVMe disk, and virtio.
fn test_generic_image(binaries: &std::path::Path) -> Result {
    say("building the generic x86_64 image and booting it on three machines");
    let out = root().join("target/image/x86_64-generic-test");
    let args = image::ImageArgs::test_image("x86_64-generic", Some(out.clone()), Some(binaries.to_owned()));
    image::build(&args)?;
    exec(cargo().env("POSTERN_GENERIC_IMAGE_DIR", &out).args([
        "test",
        "--package",
        "postern-e2e",
        "--test",
        "image_generic",
        "--",
        "--ignored",
        "--nocapture",
        "--test-threads",
        "1",
    ]))
}
