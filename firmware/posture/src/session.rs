//! One PT-TLS session with a Host Checker: the posture read and sent, the verdicts
//! received, and (when kept open) new assessments when the endpoint changes or the
//! verifier asks. Used by `postern-posture` and by the endpoint agent.

use crate::{FileWatcher, SourceError, Sources, WatchError, Woken, gather};
use postern_host_checker::{Collector, CollectorOutput, CollectorResult};
use postern_tnc_wire::{
    Limits,
    pt_tls::{HEADER_LEN, frame_len},
};
use rustls::pki_types::ServerName;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::fd::AsFd;
use std::sync::Arc;
use std::time::Duration;

/// Why a session failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The endpoint's posture could not be read.
    #[error("{0}")]
    Source(#[from] SourceError),
    /// The session could not be set up (address, name, TLS, connection).
    #[error("{what}: {reason}")]
    Setup {
        /// What was being set up.
        what: String,
        /// Why it failed.
        reason: String,
    },
    /// The connection failed.
    #[error("talking to the verifier: {0}")]
    Io(#[from] std::io::Error),
    /// The verifier sent a malformed message.
    #[error("the verifier's message: {0}")]
    Wire(#[from] postern_tnc_wire::WireError),
    /// The exchange broke off.
    #[error("{0}")]
    Exchange(String),
    /// The endpoint's files could not be watched.
    #[error("{0}")]
    Watch(#[from] WatchError),
}

/// A session's settings.
pub struct SessionSettings {
    /// The verifier, `HOST:PORT`.
    pub server: String,
    /// The name its certificate must carry.
    pub server_name: String,
    /// The TLS client configuration (trusted authorities, the device certificate).
    pub tls: Arc<rustls::ClientConfig>,
    /// A SASL PLAIN user and password, offered when the verifier asks.
    pub sasl: Option<(String, Vec<u8>)>,
    /// Where the posture is read from.
    pub sources: Sources,
    /// Keep the session open after the first verdict and ask again when os-release or
    /// the package database changes.
    pub watch: bool,
    /// Keep the session open after the first verdict for the verifier's own re-checks.
    pub keep_open: bool,
}

/// What happens in a session, as it happens.
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionEvent<'a> {
    /// The posture was read: the product, version, kernel and number of packages.
    Read {
        /// What was read.
        report: &'a crate::PostureReport,
    },
    /// TLS is up.
    Connected {
        /// The version agreed.
        version: Option<rustls::ProtocolVersion>,
    },
    /// The verifier asks for a new assessment; `packages` were read again.
    RecheckAsked {
        /// Packages in the new reading.
        packages: usize,
    },
    /// The endpoint changed; a new assessment is asked for with `packages`.
    Changed {
        /// Packages in the new reading.
        packages: usize,
    },
    /// A verdict arrived.
    Verdict(&'a CollectorResult),
    /// The first verdict is in: whether a SASL user was authenticated.
    Authenticated {
        /// Whether SASL authenticated the session.
        sasl: bool,
    },
}

type Tls = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

/// Runs one session to its end; `seen` hears every event. Returns whether the last verdict
/// allowed access.
pub fn run_session(settings: &SessionSettings, mut seen: impl FnMut(SessionEvent<'_>)) -> Result<bool, SessionError> {
    let sources = &settings.sources;
    let report = gather(sources)?;
    seen(SessionEvent::Read { report: &report });
    let watcher =
        if settings.watch { Some(FileWatcher::new(&[&sources.os_release, sources.packages_file()])?) } else { None };
    let setup = |what: &str, reason: String| SessionError::Setup { what: what.to_owned(), reason };
    let name =
        ServerName::try_from(settings.server_name.clone()).map_err(|e| setup("the verifier's name", e.to_string()))?;
    let tcp = TcpStream::connect(&settings.server)
        .map_err(|e| setup(&format!("connecting to {}", settings.server), e.to_string()))?;
    tcp.set_read_timeout(Some(Duration::from_secs(30)))?;
    let connection =
        rustls::ClientConnection::new(settings.tls.clone(), name).map_err(|e| setup("TLS", e.to_string()))?;
    let mut tls = rustls::StreamOwned::new(connection, tcp);
    let limits = Limits::DEFAULT;
    let mut collector = Collector::new(report, limits);
    if let Some((user, password)) = &settings.sasl {
        collector = collector.with_sasl_plain(user.clone(), password.clone());
    }
    if watcher.is_some() || settings.keep_open {
        collector = collector.keep_open();
    }
    tls.write_all(&collector.start()?)?;
    seen(SessionEvent::Connected { version: tls.conn.protocol_version() });
    let result = until_result(&mut tls, &mut collector, &limits, sources, &mut seen)?
        .ok_or_else(|| SessionError::Exchange("the verifier closed without a result".into()))?;
    seen(SessionEvent::Authenticated { sasl: collector.sasl_authenticated() });
    let mut allowed = allows(&result);
    seen(SessionEvent::Verdict(&result));
    if !collector.keeps_open() {
        return Ok(allowed);
    }
    // Between assessments the verifier may stay quiet for hours.
    tls.sock.set_read_timeout(None)?;
    loop {
        let woken = match &watcher {
            Some(watcher) => watcher.wait_change_or(tls.sock.as_fd())?,
            None => Woken::Readable,
        };
        if woken == Woken::Changed {
            let report = gather(sources)?;
            seen(SessionEvent::Changed { packages: report.packages.len() });
            tls.write_all(&collector.retry(report)?)?;
        }
        match until_result(&mut tls, &mut collector, &limits, sources, &mut seen)? {
            Some(result) => {
                allowed = allows(&result);
                seen(SessionEvent::Verdict(&result));
            }
            None => return Ok(allowed),
        }
    }
}

/// Whether a verdict allows access.
pub fn allows(result: &CollectorResult) -> bool {
    result.access == Some(postern_tnc_wire::pb::AccessRecommendation::Allowed)
}

fn read_message(stream: &mut impl Read, limits: &Limits) -> Result<Vec<u8>, SessionError> {
    let mut header = [0u8; HEADER_LEN];
    stream.read_exact(&mut header)?;
    let len = frame_len(&header, limits)?;
    let mut message = header.to_vec();
    message.resize(len, 0);
    stream.read_exact(&mut message[HEADER_LEN..])?;
    Ok(message)
}

/// Exchanges messages until the next verdict (`Some`) or the end of the session (`None`);
/// a verifier's request for a new assessment is answered with the endpoint read again.
fn until_result(
    tls: &mut Tls,
    collector: &mut Collector,
    limits: &Limits,
    sources: &Sources,
    seen: &mut impl FnMut(SessionEvent<'_>),
) -> Result<Option<CollectorResult>, SessionError> {
    let mut result = None;
    loop {
        let message = read_message(tls, limits)?;
        for output in collector.receive(&message) {
            match output {
                CollectorOutput::Send(bytes) => tls.write_all(&bytes)?,
                CollectorOutput::Result(r) => result = Some(r),
                CollectorOutput::Close => {
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                    return Ok(result);
                }
                CollectorOutput::Failed(reason) => return Err(SessionError::Exchange(reason)),
                CollectorOutput::Recheck => {
                    let report = gather(sources)?;
                    seen(SessionEvent::RecheckAsked { packages: report.packages.len() });
                    tls.write_all(&collector.answer_recheck(report)?)?;
                }
            }
        }
        if result.is_some() && collector.keeps_open() {
            return Ok(result);
        }
    }
}
