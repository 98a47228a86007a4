//! `cargo xtask image`: the appliance image (kernel, initramfs root, manifest), built
//! reproducibly from the workspace at the last commit's time.

mod binaries;
mod debs;
mod disk;
mod elf;
mod factory_config;
mod formats;
mod hashing;
mod kernel;
mod manifest;
mod reproducible;
mod rootfs;
mod tree;
mod trust;
mod userland;

use crate::packages;
use crate::shell::{Result, StepError, root, say};
pub(crate) use binaries::output;
use postern_board::Board;
use postern_boot_slots::SlotVersion;
use postern_update_bundle::ImageTrust;
use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) use debs::Debs;
pub(crate) use disk::LOADER_EFI;
pub(crate) use hashing::sha256_file;
pub(crate) use kernel::from_unpacked as kernel_from_unpacked;
pub(crate) use reproducible::{FIRST_BUILD, VerifyArgs, verify};
pub(crate) use userland::check_pins as check_userland_pins;

/// Tools the image build uses, and their Debian packages.
const IMAGE_TOOLS: &[(&str, &str)] =
    &[("cpio", "cpio"), ("gzip", "gzip"), ("dpkg-deb", "dpkg"), ("mformat", "mtools"), ("sfdisk", "fdisk")];

/// Options of `cargo xtask image`.
#[derive(clap::Args)]
pub(crate) struct ImageArgs {
    /// The board to build for (a file `board/<name>.toml`).
    #[arg(long, default_value = "qemu-x86_64")]
    pub(crate) board: String,
    /// Where to write the artefacts; default `target/image/<board>`.
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// The cargo target directory of the image's binaries; default `target/image-build`.
    #[arg(long)]
    pub(crate) target_dir: Option<PathBuf>,
    /// The release number updates compare (must grow from one image to the next);
    /// default: the number of commits up to the one built.
    #[arg(long)]
    pub(crate) release: Option<u64>,
    /// Directory of `*.pub` update-signing public keys the image trusts (yours: see README,
    /// "Making a production image"). Needed, with `--update-ca`, for a production image.
    #[arg(long, value_name = "DIR")]
    pub(crate) update_keys: Option<PathBuf>,
    /// The CA certificate (PEM) of your HTTPS update server, trusted when `software install`
    /// is given no ca-file. Needed, with `--update-keys`, for a production image.
    #[arg(long, value_name = "FILE")]
    pub(crate) update_ca: Option<PathBuf>,
    /// Build a test image instead: it trusts the committed, public TEST key and CA in `keys/`,
    /// says so on its console and in `show version`, and must never be shipped.
    #[arg(long, conflicts_with_all = ["update_keys", "update_ca"])]
    pub(crate) test_keys: bool,
    /// Also write the disk in these formats (repeat or comma-separate): qcow2, vmdk, vhdx,
    /// ova; raw (`disk.img`) is always written. Each is as reproducible as the raw disk.
    #[arg(long = "format", value_enum, value_delimiter = ',')]
    pub(crate) formats: Vec<formats::DiskFormat>,
}

impl ImageArgs {
    /// A test image for `board` (trusting the committed TEST keys), built in `out` with
    /// binaries in `target_dir`: what development and the tests boot.
    pub(crate) fn test_image(board: &str, out: Option<PathBuf>, target_dir: Option<PathBuf>) -> Self {
        Self {
            board: board.to_owned(),
            out,
            target_dir,
            release: None,
            update_keys: None,
            update_ca: None,
            test_keys: true,
            formats: Vec::new(),
        }
    }
}

/// A built image.
pub(crate) struct Image {
    /// The directory holding the artefacts.
    pub(crate) dir: PathBuf,
    /// The board it was built for.
    pub(crate) board: Board,
}

/// The artefacts of an image, in its directory.
pub(crate) const ARTEFACTS: &[&str] = &["vmlinuz", "rootfs.cpio.gz", "cmdline", "disk.img"];

/// `cargo xtask image`.
pub(crate) fn run(args: &ImageArgs) -> Result {
    let image = build(args)?;
    say(&format!("image for {} in {}", image.board.name, image.dir.display()));
    let mut written: Vec<PathBuf> =
        ARTEFACTS.iter().chain(&["manifest.json"]).map(|name| image.dir.join(name)).collect();
    let version = std::fs::read_to_string(image.dir.join("root/etc/postern/version")).unwrap_or_default();
    for &format in &args.formats {
        if format != formats::DiskFormat::Raw {
            say(&format!("writing the disk as {format:?}"));
            written.push(formats::convert(
                &image.dir.join("disk.img"),
                &image.dir,
                format,
                &image.board.name,
                &version,
                source_date_epoch()?,
            )?);
        }
    }
    for path in written {
        println!("{:>12}  {}  {}", human_size(&path), sha256_file(&path)?, path.display());
    }
    Ok(())
}

/// Builds the image for `args.board`.
pub(crate) fn build(args: &ImageArgs) -> Result<Image> {
    let trust =
        trust::resolve(args.test_keys, args.update_keys.as_deref(), args.update_ca.as_deref(), &root().join("keys"))
            .map_err(|e| StepError(e.to_string()))?;
    match trust.kind {
        ImageTrust::Test => say("a TEST image: it trusts the public test keys in keys/ (never ship it)"),
        ImageTrust::Production => say(&format!("a production image trusting update keys {}", trust.key_ids.join(", "))),
    }
    packages::ensure(IMAGE_TOOLS)?;
    let board_file = root().join("board").join(format!("{}.toml", args.board));
    let board = Board::load(&board_file).map_err(|e| StepError(e.to_string()))?;
    let out = args.out.clone().unwrap_or_else(|| root().join("target/image").join(&board.name));
    let target_dir = args.target_dir.clone().unwrap_or_else(|| root().join("target/image-build"));
    let epoch = source_date_epoch()?;
    let commit = output(Command::new("git").args(["rev-parse", "HEAD"]).current_dir(root()))?;
    let release = match args.release {
        Some(n) => n,
        None => output(Command::new("git").args(["rev-list", "--count", "HEAD"]).current_dir(root()))?
            .parse()
            .map_err(|e| StepError(format!("counting commits: {e}")))?,
    };
    let version = format!("postern {} ({})\n", env!("CARGO_PKG_VERSION"), commit.get(..12).unwrap_or(&commit));
    let slot_version = SlotVersion { number: release, string: format!("{}-r{release}", env!("CARGO_PKG_VERSION")) };
    let debs = Debs::new(&board_file, &root().join("target/image-cache"))?;
    let kernel = kernel::fetch(&board, &debs)?;
    let userland = userland::unpack(&board.userland, &debs)?;
    let mut placed = binaries::build(&target_dir, epoch)?;
    userland::add(&mut placed, &userland, &board_file)?;
    std::fs::create_dir_all(&out).map_err(|e| StepError(format!("creating {}: {e}", out.display())))?;
    let stage = out.join("root");
    say(&format!("assembling the root file system in {}", stage.display()));
    rootfs::stage(&stage, &placed, &kernel, &board_file, &version)?;
    rootfs::add_release(&stage, &slot_version, &trust)?;
    factory_config::apply(&stage, trust.kind)?;
    rootfs::pack(&stage, &out.join("rootfs.cpio.gz"), epoch)?;
    std::fs::copy(&kernel.image, out.join("vmlinuz")).map_err(|e| StepError(format!("copying the kernel: {e}")))?;
    std::fs::write(out.join("cmdline"), format!("{}\n", board.kernel.command_line))
        .map_err(|e| StepError(format!("writing the command line: {e}")))?;
    say("assembling the factory disk (EFI system partition with slot A, blank data partition)");
    disk::build(&board, &disk::SlotContents { image: &out, version: &slot_version }, &debs, &out, epoch)?;
    let rustc = output(Command::new("rustc").arg("-V"))?;
    let inputs = manifest::Inputs {
        board: &board.name,
        version: version.trim(),
        release,
        commit: &commit,
        epoch,
        rustc: &rustc,
        kernel: (&board.kernel.package, &board.kernel.version, &board.kernel.deb_sha256),
        userland: &board.userland,
        trust: &trust,
    };
    manifest::write(&out, &stage, ARTEFACTS, &inputs)?;
    say(&format!(
        "kernel release {}, {} modules, {} driver modules, {} files placed",
        kernel.release,
        kernel.modules.len(),
        kernel.drivers.files.len(),
        placed.len()
    ));
    Ok(Image { dir: out, board })
}

/// `SOURCE_DATE_EPOCH` if set, else the last commit's time.
fn source_date_epoch() -> Result<u64> {
    let text = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => v,
        Err(_) => output(Command::new("git").args(["log", "-1", "--format=%ct"]).current_dir(root()))?,
    };
    text.trim().parse().map_err(|_| StepError(format!("SOURCE_DATE_EPOCH {text:?} is not a number of seconds")))
}

fn human_size(path: &Path) -> String {
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    format!("{:.1} MiB", bytes as f64 / f64::from(1u32 << 20))
}
