//! The agent: install into the inactive slot, roll back by hand, report.

use crate::UpdateError;
use crate::helper_client::HelperClient;
use crate::helper_protocol::HelperAnswer;
use crate::image::read_image_trust;
use crate::installer::{Installer, Target};
use crate::progress::{Counted, InstallPhase, InstallProgress};
use crate::records::Records;
use crate::source::Source;
use crate::source::pump_reader;
use crate::staging::Staging;
use crate::status::{BootPartition, SoftwareStatus};
use postern_board::Board;
use postern_boot_slots::{EntryState, Esp, Slot, SlotVersion};
use postern_update_bundle::{ImageTrust, TEST_KEY_ID, TrustedKeys};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Where the agent finds what it works with.
#[derive(Debug, Clone)]
pub struct AgentPaths {
    /// The mounted EFI system partition.
    pub esp: PathBuf,
    /// The board file of the running image.
    pub board_file: PathBuf,
    /// The running image's `release` file (`NUMBER STRING`).
    pub release_file: PathBuf,
    /// The `*.pub` keys the running image trusts.
    pub keys_dir: PathBuf,
    /// The agent's records on the data area.
    pub state_dir: PathBuf,
    /// The anti-rollback floor's directory (on the appliance root's, written by init).
    pub floor_dir: PathBuf,
    /// The kernel command line (`/proc/cmdline`).
    pub cmdline_file: PathBuf,
    /// The CA of the update server, used when an install names no CA file.
    pub default_ca: PathBuf,
    /// The image file saying whether this is a production or a test image; an image without
    /// one is treated as production.
    pub image_file: PathBuf,
    /// The privileged install helper's socket. With one, the agent never writes `esp`
    /// itself (it is read-only for the daemon): the helper verifies the bundle again and
    /// writes it. Without one (development, tests), the agent writes `esp` directly.
    pub install_helper: Option<PathBuf>,
}

impl AgentPaths {
    /// The appliance's layout, with `esp` mounted and `state_dir` on the data area.
    pub fn appliance(esp: &Path, state_dir: &Path) -> Self {
        Self {
            esp: esp.to_owned(),
            board_file: "/etc/postern/board.toml".into(),
            release_file: "/etc/postern/release".into(),
            keys_dir: "/etc/postern/update-keys".into(),
            state_dir: state_dir.to_owned(),
            floor_dir: crate::FLOOR_DIR.into(),
            cmdline_file: "/proc/cmdline".into(),
            default_ca: "/etc/postern/update-ca.pem".into(),
            image_file: crate::IMAGE_FILE.into(),
            install_helper: Some(crate::HELPER_SOCKET.into()),
        }
    }
}

/// A finished install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// The slot written.
    pub slot: Slot,
    /// The version it now holds.
    pub version: SlotVersion,
    /// Boots it gets to pass its health check.
    pub tries: u32,
}

/// The update agent of a running appliance.
#[derive(Debug)]
pub struct UpdateAgent {
    esp: Esp,
    board: Board,
    running: Slot,
    running_version: SlotVersion,
    keys: TrustedKeys,
    records: Records,
    default_ca: PathBuf,
    trust: ImageTrust,
    proven: AtomicBool,
    busy: AtomicBool,
    helper: Option<HelperClient>,
    staging_file: PathBuf,
}

impl UpdateAgent {
    /// The agent of the appliance laid out as `paths` says.
    pub fn open(paths: &AgentPaths) -> Result<Self, UpdateError> {
        let board = Board::load(&paths.board_file).map_err(|e| UpdateError::NoSlots(e.to_string()))?;
        let cmdline =
            std::fs::read_to_string(&paths.cmdline_file).map_err(UpdateError::io("reading", &paths.cmdline_file))?;
        let running = Slot::from_cmdline(&cmdline)
            .ok_or_else(|| UpdateError::NoSlots("no postern.slot= on the kernel command line".into()))?;
        let release =
            std::fs::read_to_string(&paths.release_file).map_err(UpdateError::io("reading", &paths.release_file))?;
        let running_version = parse_release(&release)
            .ok_or_else(|| UpdateError::NoSlots(format!("{} is not `NUMBER STRING`", paths.release_file.display())))?;
        let keys = TrustedKeys::from_dir(&paths.keys_dir)?;
        let trust = read_image_trust(&paths.image_file)?.unwrap_or_else(|| {
            tracing::warn!(path = %paths.image_file.display(), "no image file: treating this image as a production image");
            ImageTrust::Production
        });
        if trust == ImageTrust::Production && keys.get(TEST_KEY_ID).is_some() {
            tracing::warn!(key_id = %TEST_KEY_ID, "the trusted keys include the public TEST key; this production image refuses bundles it signs");
        }
        // The floor is not touched here: the daemon opens the agent before it drops its
        // privileges, and files written now would belong to root. `note_proven` runs later.
        Ok(Self {
            esp: Esp::new(&paths.esp),
            board,
            running,
            running_version,
            keys,
            records: Records::new(&paths.state_dir, &paths.floor_dir),
            default_ca: paths.default_ca.clone(),
            trust,
            proven: AtomicBool::new(false),
            busy: AtomicBool::new(false),
            helper: paths.install_helper.as_deref().map(HelperClient::new),
            staging_file: paths.state_dir.join("incoming.bundle"),
        })
    }

    /// Whether this is a production or a test image.
    pub fn trust(&self) -> ImageTrust {
        self.trust
    }

    /// Once the running slot is marked good (it booted and passed its health check), raises
    /// the anti-rollback floor to the running version; returns whether the slot is proven.
    /// Cheap once proven: the daemon calls it every second until then; installs, rollbacks
    /// and the status call it first.
    pub fn note_proven(&self) -> Result<bool, UpdateError> {
        if self.proven.load(Ordering::Acquire) {
            return Ok(true);
        }
        if self.esp.entry(self.running)?.map(|e| e.state()) != Some(EntryState::Good) {
            return Ok(false);
        }
        let number = self.running_version.number;
        // With an install helper this is the appliance: init raises the floor (the daemon
        // cannot write it).
        if self.helper.is_none() && self.records.raise_floor(number)? {
            tracing::info!(slot = %self.running, version = number, "the running system is proven good: anti-rollback floor raised");
        }
        self.proven.store(true, Ordering::Release);
        Ok(true)
    }

    /// Installs the bundle at `source` into the inactive slot and arms it for the board's
    /// number of tries. An HTTPS source is checked against `ca_file`, or the image's update
    /// CA when none is given. A refusal changes nothing but the recorded last result.
    pub async fn install(
        &self,
        source: &Source,
        ca_file: Option<&Path>,
        now_unix: u64,
    ) -> Result<Installed, UpdateError> {
        self.install_reporting(source, ca_file, now_unix, &InstallProgress::default()).await
    }

    /// [`UpdateAgent::install`], reporting its phases and the bytes received to `progress`.
    pub async fn install_reporting(
        &self,
        source: &Source,
        ca_file: Option<&Path>,
        now_unix: u64,
        progress: &InstallProgress,
    ) -> Result<Installed, UpdateError> {
        let _busy =
            Busy::take(&self.busy).ok_or_else(|| UpdateError::Payloads("another install is in progress".into()))?;
        let result = self.install_now(source, ca_file, now_unix, progress).await;
        let line = match &result {
            Ok(i) => format!(
                "installed {} ({}) into slot {}; on trial for {} boot(s)",
                i.version.string, i.version.number, i.slot, i.tries
            ),
            Err(e) => format!("refused: {e}"),
        };
        tracing::info!(result = %line, "software install");
        self.records.set_last_result(&line)?;
        result
    }

    async fn install_now(
        &self,
        source: &Source,
        ca_file: Option<&Path>,
        now_unix: u64,
        progress: &InstallProgress,
    ) -> Result<Installed, UpdateError> {
        self.note_proven()?;
        let ca_file = ca_file.or_else(|| self.default_ca.is_file().then_some(self.default_ca.as_path()));
        progress.expect(source.file_len());
        let Some(helper) = &self.helper else {
            let mut installer = Installer::new(&self.keys, self.target(now_unix), source.file_len());
            progress.enter(InstallPhase::Receiving);
            source.pump(ca_file, &mut Counted { inner: &mut installer, progress }).await?;
            progress.enter(InstallPhase::Verifying);
            return self.finish(installer);
        };
        // The daemon only fetches: the helper opens nothing the daemon names, it reads the
        // descriptor handed to it, verifies every byte again and alone writes the slot.
        let bundle = match source {
            Source::File(path) => File::open(path).map_err(UpdateError::io("opening", path))?,
            Source::Https { .. } => {
                let mut staging = Staging::create(&self.staging_file, u64::from(self.board.boot.esp_size_mib) << 20)?;
                progress.enter(InstallPhase::Receiving);
                source.pump(ca_file, &mut Counted { inner: &mut staging, progress }).await?;
                staging.finish()?
            }
        };
        let helper = helper.clone();
        progress.enter(InstallPhase::Verifying);
        let answer = tokio::task::spawn_blocking(move || helper.install(&bundle))
            .await
            .map_err(|e| UpdateError::Helper(format!("the install did not finish: {e}")))??;
        let _ = std::fs::remove_file(&self.staging_file);
        match answer {
            HelperAnswer::Installed { slot, tries, version } => Ok(Installed { slot, version, tries }),
            HelperAnswer::Error(message) => Err(UpdateError::Helper(message)),
            other => Err(UpdateError::Helper(format!("the install helper answered {other:?} to an install"))),
        }
    }

    /// Verifies the bundle in `file` and writes it into the inactive slot, here and now:
    /// the install helper's entry point (it runs with the partition writable). Records
    /// nothing; the daemon that asked records the result.
    pub fn install_file(&self, file: File, now_unix: u64) -> Result<Installed, UpdateError> {
        let _busy =
            Busy::take(&self.busy).ok_or_else(|| UpdateError::Payloads("another install is in progress".into()))?;
        self.note_proven()?;
        let len = file.metadata().ok().map(|m| m.len());
        let mut installer = Installer::new(&self.keys, self.target(now_unix), len);
        pump_reader(file, Path::new("the bundle handed over"), &mut installer)?;
        self.finish(installer)
    }

    fn target(&self, now_unix: u64) -> Target<'_> {
        Target {
            esp: &self.esp,
            slot: self.running.other(),
            tries: self.board.boot.tries,
            board: &self.board.name,
            now_unix,
            running_version: self.running_version.number,
            records: &self.records,
            trust: self.trust,
        }
    }

    fn finish(&self, installer: Installer<'_>) -> Result<Installed, UpdateError> {
        if installer.manifest().is_none() {
            return Err(UpdateError::Payloads("the bundle ended before its manifest".into()));
        }
        let version = installer.finish()?;
        Ok(Installed { slot: self.running.other(), version, tries: self.board.boot.tries })
    }

    /// Switches back to the other slot by hand: it is marked good, the running one bad,
    /// and the other boots at the next reload.
    pub fn rollback(&self) -> Result<Slot, UpdateError> {
        let _busy = Busy::take(&self.busy).ok_or_else(|| UpdateError::Payloads("an install is in progress".into()))?;
        if let Some(helper) = &self.helper {
            self.note_proven()?;
            return match helper.rollback()? {
                HelperAnswer::RolledBack(slot) => Ok(slot),
                HelperAnswer::Error(message) => Err(UpdateError::Helper(message)),
                other => Err(UpdateError::Helper(format!("the install helper answered {other:?} to a rollback"))),
            };
        }
        let other = self.running.other();
        if self.esp.entry(other)?.is_none() || self.esp.version(other).is_none() {
            return Err(UpdateError::NoSlots(format!("slot {other} holds no system to roll back to")));
        }
        // A running system that proved good keeps its version as the floor after the switch.
        self.note_proven()?;
        self.esp.mark_good(other)?;
        self.esp.mark_bad(self.running)?;
        tracing::info!(from = %self.running, to = %other, "software rollback");
        Ok(other)
    }

    /// Both slots and the records.
    pub fn status(&self) -> Result<SoftwareStatus, UpdateError> {
        self.note_proven()?;
        Ok(SoftwareStatus {
            running: self.running,
            trust: self.trust,
            slots: self.esp.slots()?,
            floor: self.records.floor(),
            last_install: self.records.last_result(),
            boot_partition: BootPartition {
                through_helper: self.helper.is_some(),
                read_only: crate::mount_state::read_only(self.esp.root()),
            },
        })
    }

    /// The version running now.
    pub fn running_version(&self) -> &SlotVersion {
        &self.running_version
    }
}

fn parse_release(text: &str) -> Option<SlotVersion> {
    let (number, string) = text.trim().split_once(' ')?;
    Some(SlotVersion { number: number.parse().ok()?, string: string.to_owned() })
}

/// One install or rollback at a time.
struct Busy<'a>(&'a AtomicBool);

impl<'a> Busy<'a> {
    fn take(flag: &'a AtomicBool) -> Option<Self> {
        flag.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).ok().map(|_| Self(flag))
    }
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}
