//! One connection: who asks, what, and the answer. A request from anyone but root or the
//! daemon's user, a malformed line, or an install without a regular file attached is
//! refused with an answer, and nothing is written.

use crate::args::Args;
use crate::esp_window::EspWindow;
use nix::sys::socket::{getsockopt, sockopt::PeerCredentials};
use nix::unistd::Uid;
use postern_update_agent::{AgentPaths, HELPER_MAX_LINE, HelperAnswer, HelperRequest, UpdateAgent, UpdateError};
use rustix::net::{RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, ReturnFlags, recvmsg};
use std::fs::File;
use std::io::{IoSliceMut, Write};
use std::mem::MaybeUninit;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a client may take to send its request line.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves one connection and closes it.
pub(crate) fn serve(mut stream: UnixStream, args: &Args, daemon: Uid) {
    let answer = answer(&stream, args, daemon);
    match &answer {
        HelperAnswer::Error(reason) => tracing::warn!(reason = %reason, "request refused"),
        done => tracing::info!(answer = ?done, "request served"),
    }
    if let Err(e) = stream.write_all(answer.emit().as_bytes()) {
        tracing::warn!(error = %e, "the client left before the answer");
    }
}

fn answer(stream: &UnixStream, args: &Args, daemon: Uid) -> HelperAnswer {
    let peer = match getsockopt(stream, PeerCredentials) {
        Ok(cred) => Uid::from_raw(cred.uid()),
        Err(e) => return HelperAnswer::Error(format!("cannot tell who is asking: {e}")),
    };
    // Read first (bounded), so that every client gets its answer rather than a reset.
    let received = receive(stream);
    if !peer.is_root() && peer != daemon {
        return HelperAnswer::Error(format!(
            "refused: uid {peer} may not ask for installs, only the daemon's user may"
        ));
    }
    let (line, mut fds) = match received {
        Ok(received) => received,
        Err(reason) => return HelperAnswer::Error(reason),
    };
    let Some(request) = HelperRequest::parse(&line) else {
        return HelperAnswer::Error(format!("refused: unknown request {:?}", line.trim_end()));
    };
    let agent = match UpdateAgent::open(&agent_paths(args)) {
        Ok(agent) => agent,
        Err(e) => return HelperAnswer::Error(e.to_string()),
    };
    match request {
        HelperRequest::Install => {
            if fds.len() != 1 {
                return HelperAnswer::Error(format!(
                    "refused: an install carries exactly one open bundle, this one {}",
                    fds.len()
                ));
            }
            let file = File::from(fds.remove(0));
            match file.metadata() {
                Ok(meta) if meta.is_file() => {}
                Ok(_) => return HelperAnswer::Error("refused: the bundle handed over is not a regular file".into()),
                Err(e) => return HelperAnswer::Error(format!("cannot read the bundle handed over: {e}")),
            }
            let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
            writing(args, || agent.install_file(file, now))
                .map(|installed| HelperAnswer::Installed {
                    slot: installed.slot,
                    tries: installed.tries,
                    version: installed.version,
                })
                .unwrap_or_else(HelperAnswer::Error)
        }
        HelperRequest::Rollback => {
            if !fds.is_empty() {
                return HelperAnswer::Error("refused: a rollback carries no file".into());
            }
            writing(args, || agent.rollback()).map(HelperAnswer::RolledBack).unwrap_or_else(HelperAnswer::Error)
        }
    }
}

/// Runs `write` with the partition writable; either failure becomes the answer's message.
fn writing<T>(args: &Args, write: impl FnOnce() -> Result<T, UpdateError>) -> Result<T, String> {
    let _writable = EspWindow::open(&args.esp, &args.lock).map_err(|e| e.to_string())?;
    write().map_err(|e| e.to_string())
}

/// The request line and the descriptors that came with it (closed when dropped).
fn receive(stream: &UnixStream) -> Result<(String, Vec<OwnedFd>), String> {
    stream.set_read_timeout(Some(REQUEST_TIMEOUT)).map_err(|e| format!("cannot time the request: {e}"))?;
    let mut buf = vec![0u8; HELPER_MAX_LINE];
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(4))];
    let mut ancillary = RecvAncillaryBuffer::new(&mut space);
    let msg = recvmsg(stream, &mut [IoSliceMut::new(&mut buf)], &mut ancillary, RecvFlags::CMSG_CLOEXEC)
        .map_err(|e| format!("cannot read the request: {e}"))?;
    let mut fds = Vec::new();
    for message in ancillary.drain() {
        if let RecvAncillaryMessage::ScmRights(received) = message {
            fds.extend(received);
        }
    }
    if msg.flags.contains(ReturnFlags::CTRUNC) {
        return Err("refused: too many descriptors".into());
    }
    let line = std::str::from_utf8(&buf[..msg.bytes]).map_err(|_| "refused: the request is not text".to_owned())?;
    if !line.ends_with('\n') {
        return Err("refused: the request is not one whole line".into());
    }
    Ok((line.to_owned(), fds))
}

/// The image's files under `args.image_root`, the partition and records as given; the
/// agent writes the partition itself (it is the helper).
fn agent_paths(args: &Args) -> AgentPaths {
    let image = |path: &str| args.image_root.join(path.trim_start_matches('/'));
    AgentPaths {
        esp: args.esp.clone(),
        board_file: image("/etc/postern/board.toml"),
        release_file: image("/etc/postern/release"),
        keys_dir: image("/etc/postern/update-keys"),
        state_dir: args.state_dir.clone(),
        floor_dir: args.floor_dir.clone(),
        cmdline_file: image("/proc/cmdline"),
        default_ca: image("/etc/postern/update-ca.pem"),
        image_file: image(postern_update_agent::IMAGE_FILE),
        install_helper: None,
    }
}
