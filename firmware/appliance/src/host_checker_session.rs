//! One PT-TLS session of the verifier: messages read whole (cancel-safe, so a scheduled
//! re-check can interrupt the wait), the sans-IO [`Verifier`] driven, each decision
//! recorded and counted, and — between assessments — a PB-TNC SRETRY on the gateway's
//! schedule (`host_checker.recheck_interval_secs`).

use crate::host_checker::Shared;
use crate::host_checker_sasl::{Identity, method};
use crate::posture_results::CheckRecord;
use postern_host_checker::{SaslAccounts, Verifier, VerifierConfig, VerifierOutput};
use postern_proxy_front::PeerInfo;
use postern_tnc_wire::pt_tls::{HEADER_LEN, frame_len};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;

/// How long the verifier waits for the collector's next message during an assessment.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a decided session may stay open, idle, for a collector that asks for a new
/// assessment when the endpoint changes (PB-TNC CRETRY).
const WATCH_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// Reads whole PT-TLS messages; what was read of an unfinished one is kept, so a read
/// may be abandoned (a timer fired) and resumed.
#[derive(Default)]
struct FrameReader {
    buf: Vec<u8>,
}

impl FrameReader {
    /// The next message, `None` at the end of the stream between messages.
    async fn next(
        &mut self,
        tls: &mut TlsStream<TcpStream>,
        limits: &postern_tnc_wire::Limits,
    ) -> Result<Option<Vec<u8>>, String> {
        loop {
            if let Some(header) = self.buf.first_chunk::<HEADER_LEN>() {
                let len = frame_len(header, limits).map_err(|e| e.to_string())?;
                if self.buf.len() >= len {
                    let rest = self.buf.split_off(len);
                    return Ok(Some(std::mem::replace(&mut self.buf, rest)));
                }
            }
            let mut chunk = [0u8; 16 * 1024];
            match tls.read(&mut chunk).await {
                Ok(0) if self.buf.is_empty() => return Ok(None),
                Ok(0) => return Err("the collector stopped mid-message".into()),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && self.buf.is_empty() => return Ok(None),
                Err(e) => return Err(e.to_string()),
            }
        }
    }
}

/// How often a decided session looks at its schedule (a commit changes it at once).
const TICK: Duration = Duration::from_secs(1);

/// What waiting between assessments ended with.
enum Wait {
    Message(Result<Option<Vec<u8>>, String>),
    Recheck,
    Idle,
    Tick,
}

/// Serves one collector, identified as `identity`, with SASL PLAIN first when `sasl`.
pub(crate) async fn serve(
    mut tls: TlsStream<TcpStream>,
    peer: PeerInfo,
    identity: Identity,
    sasl: Option<SaslAccounts>,
    shared: Arc<Shared>,
) {
    // While SASL is under way a message may cost a password hash (tens of milliseconds):
    // it is checked off the runtime's worker.
    let mut sasl_pending = sasl.is_some();
    let config = VerifierConfig { sasl, ..VerifierConfig::default() };
    let limits = config.limits;
    let mut verifier = Verifier::new(config, shared.current_policies());
    // A session without a certificate is named by its SASL user once authenticated.
    let mut device = match &identity {
        Identity::Device(device) => device.clone(),
        Identity::UserOnly => "-".to_owned(),
    };
    let session = shared.sessions.open(&device, peer.addr, (shared.clock)(), &method(&identity, None));
    let user_only = identity == Identity::UserOnly;
    let record = |device: &str, outcome: Result<postern_host_checker::Decision, String>, started: Instant| {
        let millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        shared.millis.add(millis);
        let label = match &outcome {
            Ok(d) if d.compliant => "compliant",
            Ok(_) => "noncompliant",
            Err(_) => "failed",
        };
        shared.checks.inc(label);
        session.checked((shared.clock)(), label);
        match &outcome {
            Ok(d) => {
                tracing::info!(device = %device, peer = %peer.addr, compliant = d.compliant, failed = ?d.failed_policies, millis, "host check decided")
            }
            Err(reason) => tracing::warn!(device = %device, peer = %peer.addr, %reason, "host check failed"),
        }
        if user_only {
            // No device: nothing is recorded that a device's access could follow.
            return;
        }
        let failed = !matches!(&outcome, Ok(d) if d.compliant);
        if let Ok(decision) = &outcome {
            shared.remediation.failed(device, peer.addr, (shared.clock)(), decision);
        }
        shared.results.record(device, CheckRecord { at: (shared.clock)(), peer: peer.addr, outcome });
        if failed {
            (shared.on_failure)(device);
        }
    };
    let mut reader = FrameReader::default();
    // An assessment is timed from its first message: the session's, or the first after
    // the last decision (a retry).
    let mut started = Instant::now();
    let mut decided = false;
    let mut decided_at = Instant::now();
    loop {
        let wait = if decided {
            tokio::select! {
                message = reader.next(&mut tls, &limits) => Wait::Message(message),
                () = tokio::time::sleep(TICK) => {
                    if shared.recheck_interval().is_some_and(|every| decided_at.elapsed() >= every) {
                        Wait::Recheck
                    } else if decided_at.elapsed() >= WATCH_TIMEOUT {
                        Wait::Idle
                    } else {
                        Wait::Tick
                    }
                }
            }
        } else {
            match tokio::time::timeout(READ_TIMEOUT, reader.next(&mut tls, &limits)).await {
                Ok(message) => Wait::Message(message),
                Err(_) => Wait::Message(Err("the collector sent nothing for 30 s".into())),
            }
        };
        let message = match wait {
            Wait::Idle => return,
            Wait::Tick => continue,
            Wait::Recheck => {
                let Some(bytes) = verifier.recheck() else { continue };
                tracing::info!(device = %device, peer = %peer.addr, "asking the collector for a new assessment (SRETRY)");
                session.rechecked();
                started = Instant::now();
                decided = false;
                if let Err(e) = tls.write_all(&bytes).await {
                    return record(&device, Err(format!("writing to the collector: {e}")), started);
                }
                continue;
            }
            Wait::Message(Ok(Some(m))) => m,
            Wait::Message(Ok(None)) => return,
            Wait::Message(Err(reason)) => return record(&device, Err(reason), started),
        };
        if decided {
            started = Instant::now();
            decided = false;
        }
        let outputs = if sasl_pending {
            tokio::task::block_in_place(|| verifier.receive(&message))
        } else {
            verifier.receive(&message)
        };
        for output in outputs {
            match output {
                VerifierOutput::Send(bytes) => {
                    if let Err(e) = tls.write_all(&bytes).await {
                        return record(&device, Err(format!("writing to the collector: {e}")), started);
                    }
                }
                VerifierOutput::Decided(decision) => {
                    decided = true;
                    decided_at = Instant::now();
                    record(&device, Ok(decision), started);
                }
                VerifierOutput::Close => {
                    let _ = tls.shutdown().await;
                    return;
                }
                VerifierOutput::Failed(reason) => {
                    let _ = tls.flush().await;
                    let _ = tls.shutdown().await;
                    return record(&device, Err(reason), started);
                }
                VerifierOutput::Authenticated { user } => {
                    sasl_pending = false;
                    tracing::info!(device = %device, peer = %peer.addr, user = %user, "Host Checker SASL PLAIN authenticated");
                    session.authenticated(&method(&identity, Some(&user)), user_only.then_some(user.as_str()));
                    if user_only {
                        device = format!("sasl:{user}");
                    }
                }
                VerifierOutput::SaslRejected { user, why, attempt } => {
                    tracing::warn!(
                        device = %device,
                        peer = %peer.addr,
                        user = user.as_deref().unwrap_or("-"),
                        %why,
                        attempt,
                        "Host Checker SASL PLAIN refused"
                    );
                }
            }
        }
    }
}
