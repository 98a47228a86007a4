//! Waiting for a change of the posture's files with inotify: the directories holding
//! them are watched, because dpkg and editors replace a file by renaming a new one
//! over it.

use std::ffi::OsString;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};

/// Quiet time after a change before it counts as done (dpkg writes several files).
const SETTLE: Duration = Duration::from_millis(200);

/// What ended [`FileWatcher::wait_change_or`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Woken {
    /// A watched file changed.
    Changed,
    /// The other descriptor has something to read.
    Readable,
}

/// Watches a set of files.
pub struct FileWatcher {
    inotify: Inotify,
    names: Vec<OsString>,
}

/// The watch cannot be set up or read.
#[derive(Debug, thiserror::Error)]
#[error("watching {path}: {source}")]
pub struct WatchError {
    path: PathBuf,
    source: nix::Error,
}

impl FileWatcher {
    /// Watches `files` (through their directories).
    pub fn new(files: &[&Path]) -> Result<Self, WatchError> {
        let inotify = Inotify::init(InitFlags::IN_CLOEXEC | InitFlags::IN_NONBLOCK)
            .map_err(|source| WatchError { path: "inotify".into(), source })?;
        let flags = AddWatchFlags::IN_CLOSE_WRITE
            | AddWatchFlags::IN_MOVED_TO
            | AddWatchFlags::IN_CREATE
            | AddWatchFlags::IN_DELETE;
        let mut names = Vec::new();
        for file in files {
            let dir = file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            inotify.add_watch(dir, flags).map_err(|source| WatchError { path: dir.into(), source })?;
            names.extend(file.file_name().map(OsString::from));
        }
        Ok(Self { inotify, names })
    }

    /// Whether an event concerns a watched file, draining what is queued.
    fn drain(&self) -> Result<bool, WatchError> {
        let mut hit = false;
        loop {
            match self.inotify.read_events() {
                Ok(events) => hit |= events.iter().any(|e| e.name.as_ref().is_some_and(|n| self.names.contains(n))),
                Err(nix::Error::EAGAIN) => return Ok(hit),
                Err(source) => return Err(WatchError { path: "inotify".into(), source }),
            }
        }
    }

    fn wait_readable(&self, timeout: PollTimeout) -> Result<bool, WatchError> {
        let mut fds = [PollFd::new(self.inotify.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, timeout) {
            Ok(n) => Ok(n > 0),
            Err(nix::Error::EINTR) => Ok(false),
            Err(source) => Err(WatchError { path: "inotify".into(), source }),
        }
    }

    /// Blocks until a watched file changed and then stayed quiet for a moment.
    pub fn wait_change(&self) -> Result<(), WatchError> {
        loop {
            self.wait_readable(PollTimeout::NONE)?;
            if self.drain()? {
                break;
            }
        }
        self.settle()
    }

    /// Blocks until a watched file changed (and then stayed quiet for a moment):
    /// `Changed`, or until `other` (the verifier's socket) is readable: `Readable`.
    pub fn wait_change_or(&self, other: BorrowedFd<'_>) -> Result<Woken, WatchError> {
        loop {
            let mut fds = [PollFd::new(self.inotify.as_fd(), PollFlags::POLLIN), PollFd::new(other, PollFlags::POLLIN)];
            match poll(&mut fds, PollTimeout::NONE) {
                Ok(_) => {}
                Err(nix::Error::EINTR) => continue,
                Err(source) => return Err(WatchError { path: "inotify".into(), source }),
            }
            let ready = |fd: &PollFd<'_>| fd.revents().is_some_and(|r| !r.is_empty());
            if ready(&fds[1]) {
                return Ok(Woken::Readable);
            }
            if ready(&fds[0]) && self.drain()? {
                self.settle()?;
                return Ok(Woken::Changed);
            }
        }
    }

    fn settle(&self) -> Result<(), WatchError> {
        let mut quiet_since = Instant::now();
        while quiet_since.elapsed() < SETTLE {
            if self.wait_readable(PollTimeout::from(50u16))? && self.drain()? {
                quiet_since = Instant::now();
            }
        }
        Ok(())
    }
}
