//! The production image in the test suite: built like an operator would (`--update-keys`,
//! `--update-ca`) with a throwaway signing key and update CA made for the run, reusing the
//! first reproducible build's binaries, then booted by the `image_production` test.

use crate::bundle::new_key;
use crate::image::{self, ImageArgs};
use crate::shell::{Result, StepError, cargo, exec, root, say};
use std::path::Path;
use std::process::Command;

/// Where the run's throwaway operator material and image go, relative to the workspace.
const DIR: &str = "target/repro/production";

/// Builds the production image with fresh throwaway keys and boots it under qemu.
pub(crate) fn run(binaries: &Path) -> Result {
    let dir = root().join(DIR);
    let _ = std::fs::remove_dir_all(&dir);
    let keys = dir.join("update-keys");
    std::fs::create_dir_all(&keys).map_err(|e| StepError(format!("creating {}: {e}", keys.display())))?;
    say("making a throwaway operator signing key and update CA for the production image");
    new_key(&dir.join("operator.key"))?;
    std::fs::rename(dir.join("operator.pub"), keys.join("operator.pub"))
        .map_err(|e| StepError(format!("placing the public key: {e}")))?;
    exec(
        Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2"])
            .args(["-subj", "/CN=throwaway update CA", "-keyout", "ca.key", "-out", "ca.pem"])
            .current_dir(&dir),
    )?;
    say("building a production image with them");
    let args = ImageArgs {
        board: "qemu-x86_64".into(),
        out: Some(dir.join("image")),
        target_dir: Some(binaries.to_owned()),
        release: None,
        update_keys: Some(keys),
        update_ca: Some(dir.join("ca.pem")),
        test_keys: false,
        formats: Vec::new(),
    };
    image::build(&args)?;
    say("booting the production image under qemu");
    exec(cargo().env("POSTERN_IMAGE_DIR", dir.join("image")).env("POSTERN_OPERATOR_DIR", &dir).args([
        "test",
        "--package",
        "postern-e2e",
        "--test",
        "image_production",
        "--",
        "--ignored",
        "--nocapture",
    ]))
}
