//! `cargo xtask sign`: sign an existing bundle again with another key, or make a new key pair.

use super::check::{show, verify_file};
use super::make::write_atomically;
use crate::shell::{Result, StepError, root, say};
use postern_update_bundle::{MAX_HEADER_LEN, SigningKey, resign_header};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Options of `cargo xtask sign`.
#[derive(clap::Args)]
pub(crate) struct SignArgs {
    /// Make a new key pair instead: the seed in FILE (mode 0600), the public key beside it in
    /// FILE.pub (NAME.key gives NAME.pub).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["key", "input", "output"])]
    new_key: Option<PathBuf>,
    /// The key to sign with (the ed25519 seed as 64 hex digits).
    #[arg(long, required_unless_present = "new_key")]
    key: Option<PathBuf>,
    /// The bundle to sign again (its old signature is not checked).
    #[arg(long = "in", required_unless_present = "new_key")]
    input: Option<PathBuf>,
    /// Where to write the bundle signed with `--key`.
    #[arg(long = "out", required_unless_present = "new_key")]
    output: Option<PathBuf>,
}

/// `cargo xtask sign`.
pub(crate) fn sign(args: &SignArgs) -> Result {
    match (&args.new_key, &args.key, &args.input, &args.output) {
        (Some(file), ..) => new_key(&root().join(file)),
        (None, Some(key), Some(input), Some(output)) => {
            resign(&root().join(key), &root().join(input), &root().join(output))
        }
        _ => Err(StepError("give --new-key FILE, or --key, --in and --out".into())),
    }
}

/// Replaces the header of `input` by one signed with the key in `key_file`; copies the payloads.
fn resign(key_file: &Path, input: &Path, output: &Path) -> Result {
    let key = SigningKey::from_file(key_file).map_err(|e| StepError(e.to_string()))?;
    let fail = |e: std::io::Error| StepError(format!("reading {}: {e}", input.display()));
    let mut file = std::fs::File::open(input).map_err(fail)?;
    let mut head = Vec::with_capacity(MAX_HEADER_LEN);
    (&mut file).take(MAX_HEADER_LEN as u64).read_to_end(&mut head).map_err(fail)?;
    let resigned = resign_header(&head, &key).map_err(|e| StepError(format!("{}: {e}", input.display())))?;
    say(&format!("signing {} again with key {}", input.display(), key.key_id()));
    write_atomically(output, |out| {
        let werr = |e: std::io::Error| StepError(format!("writing {}: {e}", output.display()));
        out.write_all(&resigned.header.bytes).map_err(werr)?;
        out.write_all(head.get(resigned.old_header_len..).unwrap_or_default()).map_err(werr)?;
        std::io::copy(&mut file, out).map_err(fail)?;
        Ok(())
    })?;
    let verified = verify_file(output, key.public_key())?;
    show(output, &verified)
}

/// Writes a new key pair: the seed (from the operating system's random source) and the public key.
pub(crate) fn new_key(file: &Path) -> Result {
    let public_file = match file.extension() {
        Some(ext) if ext == "key" => file.with_extension("pub"),
        _ => PathBuf::from(format!("{}.pub", file.display())),
    };
    let mut seed = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut seed))
        .map_err(|e| StepError(format!("reading /dev/urandom: {e}")))?;
    let key = SigningKey::from_seed(&seed);
    let create = |path: &Path, mode: u32, text: String| {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()))
            .map_err(|e| StepError(format!("writing {}: {e}", path.display())))
    };
    create(file, 0o600, key.to_text("Postern update signing key (ed25519 seed). Secret: never commit it."))?;
    create(&public_file, 0o644, key.public_key().to_text("Postern update signing public key"))?;
    say(&format!("key {} in {}, public key in {}", key.key_id(), file.display(), public_file.display()));
    Ok(())
}
