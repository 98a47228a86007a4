//! `cargo xtask bundle`: a signed update bundle of an image's kernel and root file system.

use super::check::{show, verify_file};
use crate::shell::{Result, StepError, root, say};
use postern_update_bundle::{BundleInfo, SigningKey, write_bundle};
use std::path::{Path, PathBuf};

/// Seconds in a day.
const DAY: u64 = 24 * 60 * 60;

/// Options of `cargo xtask bundle`.
#[derive(clap::Args)]
pub(crate) struct BundleArgs {
    /// The image directory made by `cargo xtask image` (holds `manifest.json` and the payloads).
    #[arg(long, default_value = "target/image/qemu-x86_64")]
    image: PathBuf,
    /// The signing key file (the ed25519 seed as 64 hex digits).
    #[arg(long)]
    key: PathBuf,
    /// The product version number; every release must use a larger one (anti-rollback).
    #[arg(long)]
    version: u64,
    /// The version as people read it; default: the image manifest's `version`.
    #[arg(long)]
    version_string: Option<String>,
    /// The board; default: the image manifest's `board`.
    #[arg(long)]
    board: Option<String>,
    /// The creation time, unix seconds; default: `SOURCE_DATE_EPOCH`, else now.
    #[arg(long)]
    created_unix: Option<u64>,
    /// How many days after its creation the bundle expires.
    #[arg(long, default_value_t = 90)]
    expires_days: u64,
    /// The payload files of the image to include, in order.
    #[arg(long = "payload", default_values = ["vmlinuz", "rootfs.cpio.gz"])]
    payloads: Vec<String>,
    /// Where to write the bundle; default `target/bundle/<board>-<version>.bundle`.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// `cargo xtask bundle`.
pub(crate) fn run(args: &BundleArgs) -> Result {
    let image = root().join(&args.image);
    let (image_board, image_version) = read_image_manifest(&image.join("manifest.json"))?;
    let key = SigningKey::from_file(&root().join(&args.key)).map_err(|e| StepError(e.to_string()))?;
    let created_unix = match args.created_unix {
        Some(t) => t,
        None => default_created()?,
    };
    let info = BundleInfo {
        version: args.version,
        version_string: args.version_string.clone().unwrap_or(image_version),
        board: args.board.clone().unwrap_or(image_board),
        created_unix,
        expires_unix: created_unix.saturating_add(args.expires_days.saturating_mul(DAY)),
    };
    let out = match &args.out {
        Some(out) => root().join(out),
        None => root().join("target/bundle").join(format!("{}-{}.bundle", info.board, info.version)),
    };
    let files: Vec<(&str, PathBuf)> = args.payloads.iter().map(|name| (name.as_str(), image.join(name))).collect();
    let list: Vec<(&str, &Path)> = files.iter().map(|(name, path)| (*name, path.as_path())).collect();
    say(&format!("signing version {} for {} with key {}", info.version, info.board, key.key_id()));
    write_atomically(&out, |file| {
        write_bundle(&info, &list, &key, file).map(|_| ()).map_err(|e| StepError(e.to_string()))
    })?;
    let verified = verify_file(&out, key.public_key())?;
    show(&out, &verified)
}

/// The image manifest's `board` and `version`.
fn read_image_manifest(path: &Path) -> Result<(String, String)> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        StepError(format!("reading {} (build the image first: cargo xtask image): {e}", path.display()))
    })?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| StepError(format!("{}: {e}", path.display())))?;
    let field = |name: &str| {
        json.get(name)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .ok_or_else(|| StepError(format!("{}: no string field {name:?}", path.display())))
    };
    Ok((field("board")?, field("version")?))
}

/// `SOURCE_DATE_EPOCH` if set (a reproducible bundle), else the time now.
fn default_created() -> Result<u64> {
    if let Ok(text) = std::env::var("SOURCE_DATE_EPOCH") {
        return text.trim().parse().map_err(|_| StepError(format!("SOURCE_DATE_EPOCH {text:?} is not a number")));
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|e| StepError(format!("the clock is before 1970: {e}")))
}

/// Writes `out` through a temporary file beside it, renamed into place only when complete.
pub(super) fn write_atomically(out: &Path, write: impl FnOnce(&mut dyn std::io::Write) -> Result) -> Result {
    let fail = |what: &str, e: std::io::Error| StepError(format!("{what} {}: {e}", out.display()));
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| fail("creating the directory of", e))?;
    }
    let partial = out.with_extension("partial");
    let file = std::fs::File::create(&partial).map_err(|e| fail("creating", e))?;
    let mut writer = std::io::BufWriter::new(file);
    write(&mut writer)?;
    let file = writer.into_inner().map_err(|e| fail("writing", e.into_error()))?;
    file.sync_all().map_err(|e| fail("syncing", e))?;
    std::fs::rename(&partial, out).map_err(|e| fail("renaming into", e))
}
