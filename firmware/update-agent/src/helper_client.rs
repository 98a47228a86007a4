//! The daemon's side of the install helper: the privileged process that alone may write the
//! EFI system partition. The daemon hands it an open bundle (its file descriptor, so the
//! helper never opens a path the daemon chose) and reads one answer.

use crate::UpdateError;
use crate::helper_protocol::{HelperAnswer, HelperRequest, MAX_LINE};
use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
use std::fs::File;
use std::io::{IoSlice, Read};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long an install may take in the helper (verify and write a whole system).
const INSTALL_TIMEOUT: Duration = Duration::from_secs(600);

/// A connection point to the install helper.
#[derive(Debug, Clone)]
pub(crate) struct HelperClient {
    socket: PathBuf,
}

impl HelperClient {
    pub(crate) fn new(socket: &Path) -> Self {
        Self { socket: socket.to_owned() }
    }

    /// Asks the helper to verify `bundle` again and write it into the inactive slot.
    pub(crate) fn install(&self, bundle: &File) -> Result<HelperAnswer, UpdateError> {
        self.ask(HelperRequest::Install, Some(bundle))
    }

    /// Asks the helper to switch to the other slot.
    pub(crate) fn rollback(&self) -> Result<HelperAnswer, UpdateError> {
        self.ask(HelperRequest::Rollback, None)
    }

    fn ask(&self, request: HelperRequest, bundle: Option<&File>) -> Result<HelperAnswer, UpdateError> {
        let unreachable = |e: std::io::Error| {
            UpdateError::Helper(format!("the install helper at {} cannot be reached: {e}", self.socket.display()))
        };
        let mut stream = UnixStream::connect(&self.socket).map_err(unreachable)?;
        stream.set_read_timeout(Some(INSTALL_TIMEOUT)).map_err(unreachable)?;
        let line = request.emit();
        let fds: Vec<i32> = bundle.iter().map(|f| f.as_raw_fd()).collect();
        let control: Vec<ControlMessage<'_>> =
            if fds.is_empty() { Vec::new() } else { vec![ControlMessage::ScmRights(&fds)] };
        let sent =
            sendmsg::<()>(stream.as_raw_fd(), &[IoSlice::new(line.as_bytes())], &control, MsgFlags::empty(), None)
                .map_err(|e| unreachable(e.into()))?;
        if sent != line.len() {
            return Err(UpdateError::Helper("the install helper took part of the request".into()));
        }
        let mut answer = Vec::new();
        (&mut stream).take(MAX_LINE as u64).read_to_end(&mut answer).map_err(unreachable)?;
        let text = String::from_utf8_lossy(&answer);
        HelperAnswer::parse(&text)
            .ok_or_else(|| UpdateError::Helper(format!("the install helper answered {:?}", text.trim())))
    }
}
