//! Writing a bundle into the inactive slot as it streams in: nothing is trusted before the
//! reader verified it, and nothing bootable changes until the whole bundle verified.
//!
//! Payloads go to `<name>.partial` files in the inactive slot's directory. Only after the
//! last byte verified is the slot's boot entry removed, the files renamed into place, its
//! version written and a new entry armed with a tries counter. A refusal or a power cut
//! before that leaves both slots' entries as they were.

use crate::UpdateError;
use crate::records::Records;
use postern_boot_slots::{Esp, Slot, SlotVersion};
use postern_update_bundle::{BundleReader, Event, ImageTrust, Manifest, Policy, TrustedKeys, check_policy};
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;

/// The payloads a system slot is made of.
pub(crate) const PAYLOADS: [&str; 3] = ["vmlinuz", "rootfs.cpio.gz", "cmdline"];

/// What an install needs to know about the appliance.
pub(crate) struct Target<'a> {
    pub(crate) esp: &'a Esp,
    pub(crate) slot: Slot,
    pub(crate) tries: u32,
    pub(crate) board: &'a str,
    pub(crate) now_unix: u64,
    pub(crate) running_version: u64,
    pub(crate) records: &'a Records,
    pub(crate) trust: ImageTrust,
}

/// A bundle being written into the inactive slot.
pub(crate) struct Installer<'a> {
    reader: Option<BundleReader<'a>>,
    target: Target<'a>,
    manifest: Option<Manifest>,
    files: Vec<(PathBuf, File)>,
    committed: bool,
}

impl<'a> Installer<'a> {
    pub(crate) fn new(trusted: &'a TrustedKeys, target: Target<'a>, len: Option<u64>) -> Self {
        let reader = BundleReader::new(trusted);
        let reader = match len {
            Some(len) => reader.with_input_len(len),
            None => reader,
        };
        Self { reader: Some(reader), target, manifest: None, files: Vec::new(), committed: false }
    }

    /// The manifest, once its signature verified.
    pub(crate) fn manifest(&self) -> Option<&Manifest> {
        self.manifest.as_ref()
    }

    /// Takes the next bytes of the bundle.
    fn feed_bytes(&mut self, mut chunk: &[u8]) -> Result<(), UpdateError> {
        loop {
            let reader =
                self.reader.as_mut().ok_or_else(|| UpdateError::Payloads("the bundle already ended".into()))?;
            let step = reader.feed(chunk)?;
            chunk = &chunk[step.consumed..];
            match step.event {
                None => return Ok(()),
                Some(Event::ManifestVerified(manifest)) => self.accept(manifest)?,
                Some(Event::PayloadData { index, data }) => {
                    let (path, file) = self.file(index)?;
                    file.write_all(data).map_err(UpdateError::io("writing", path.clone()))?;
                }
                Some(Event::PayloadComplete { index }) => {
                    let (path, file) = self.file(index)?;
                    file.sync_all().map_err(UpdateError::io("flushing", path.clone()))?;
                }
                Some(_) => {}
            }
        }
    }

    /// The end of the bundle: verifies it is complete, then switches the inactive slot to it.
    pub(crate) fn finish(mut self) -> Result<SlotVersion, UpdateError> {
        let reader = self.reader.take().ok_or_else(|| UpdateError::Payloads("the bundle already ended".into()))?;
        let verified = reader.finish()?;
        let manifest = verified.manifest;
        let (esp, slot) = (self.target.esp, self.target.slot);
        esp.remove_entry(slot)?;
        let dir = esp.slot_dir(slot);
        for (partial, _) in &self.files {
            let name = partial.file_stem().map(PathBuf::from).unwrap_or_default();
            std::fs::rename(partial, dir.join(&name)).map_err(UpdateError::io("renaming", partial.clone()))?;
        }
        self.committed = true;
        postern_durable_fs::sync_dir(&dir)?;
        let version = SlotVersion { number: manifest.version, string: manifest.version_string.clone() };
        esp.write_version(slot, &version)?;
        let cmdline_path = dir.join("cmdline");
        let cmdline = std::fs::read_to_string(&cmdline_path).map_err(UpdateError::io("reading", cmdline_path))?;
        esp.write_entry(slot, &version, &cmdline, Some(self.target.tries))?;
        // The anti-rollback floor stays: it rises once this system boots and is marked good.
        Ok(version)
    }

    fn accept(&mut self, manifest: Manifest) -> Result<(), UpdateError> {
        let t = &self.target;
        let floor = t.records.floor().unwrap_or(0);
        let policy = Policy {
            board: t.board,
            now_unix: t.now_unix,
            installed_version: t.running_version,
            highest_installed_version: floor,
            trust: t.trust,
        };
        check_policy(&manifest, &policy)?;
        let names: Vec<&str> = manifest.payloads.iter().map(|p| p.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        let mut wanted = PAYLOADS;
        wanted.sort_unstable();
        if sorted != wanted {
            return Err(UpdateError::Payloads(format!(
                "a system needs payloads {PAYLOADS:?}, the bundle has {names:?}"
            )));
        }
        let dir = t.esp.slot_dir(t.slot);
        std::fs::create_dir_all(&dir).map_err(UpdateError::io("creating", dir.clone()))?;
        for name in names {
            let path = dir.join(format!("{name}.partial"));
            let file = File::create(&path).map_err(UpdateError::io("creating", path.clone()))?;
            self.files.push((path, file));
        }
        tracing::info!(version = manifest.version, version_string = %manifest.version_string, slot = %t.slot, "bundle signature verified; writing the inactive slot");
        self.manifest = Some(manifest);
        Ok(())
    }

    fn file(&mut self, index: usize) -> Result<&mut (PathBuf, File), UpdateError> {
        self.files.get_mut(index).ok_or_else(|| UpdateError::Payloads(format!("payload {index} has no file")))
    }
}

impl crate::source::BundleSink for Installer<'_> {
    fn feed(&mut self, chunk: &[u8]) -> Result<(), UpdateError> {
        self.feed_bytes(chunk)
    }
}

impl Drop for Installer<'_> {
    fn drop(&mut self) {
        if !self.committed {
            for (path, _) in &self.files {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}
