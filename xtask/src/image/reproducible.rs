//! `cargo xtask verify-reproducible`: the image built twice from the same commit, each
//! time from an empty target directory, must be bit-for-bit the same (F1). It builds test
//! images (the committed TEST keys), which the image tests then boot.

use super::{ARTEFACTS, ImageArgs, build, sha256_file};
use crate::shell::{Result, StepError, root, say};
use std::path::PathBuf;

/// Options of `cargo xtask verify-reproducible`.
#[derive(clap::Args)]
pub(crate) struct VerifyArgs {
    /// The board to build for.
    #[arg(long, default_value = "qemu-x86_64")]
    board: String,
}

impl VerifyArgs {
    /// Verification for `board`.
    pub(crate) fn for_board(board: &str) -> Self {
        Self { board: board.to_owned() }
    }
}

/// Where the first of the two builds leaves its image, relative to the workspace.
pub(crate) const FIRST_BUILD: &str = "target/repro/a/image";

/// Builds the image twice in fresh directories and compares every artefact's sha256.
/// The first build stays in `target/repro/a` for later use (the boot test boots it).
pub(crate) fn verify(args: &VerifyArgs) -> Result {
    let base = root().join("target/repro");
    let mut hashes = Vec::new();
    for run in ["a", "b"] {
        let dir = base.join(run);
        let _ = std::fs::remove_dir_all(&dir);
        say(&format!("build {run}: empty target directory {}", dir.join("target").display()));
        let image = build(&ImageArgs::test_image(&args.board, Some(dir.join("image")), Some(dir.join("target"))))?;
        let mut these = Vec::new();
        for name in ARTEFACTS.iter().chain(&["manifest.json"]) {
            these.push((*name, sha256_file(&image.dir.join(name))?));
        }
        hashes.push(these);
    }
    // The second target directory is large and served its purpose.
    let _ = std::fs::remove_dir_all(base.join("b/target"));
    let (a, b) = (&hashes[0], &hashes[1]);
    let mut differ = Vec::new();
    println!("{:<16} {:<64}  {:<64}", "artefact", "build a", "build b");
    for ((name, ha), (_, hb)) in a.iter().zip(b) {
        println!("{name:<16} {ha}  {hb}  {}", if ha == hb { "same" } else { "DIFFERENT" });
        if ha != hb {
            differ.push(*name);
        }
    }
    if differ.is_empty() {
        say("reproducible: both builds are bit-for-bit identical");
        Ok(())
    } else {
        let a_dir: PathBuf = root().join(FIRST_BUILD);
        Err(StepError(format!(
            "not reproducible: {} differ (compare {} with {})",
            differ.join(", "),
            a_dir.display(),
            base.join("b/image").display()
        )))
    }
}
