//! `postern-posture`: reports this Linux endpoint's posture to a Postern gateway's Host
//! Checker over PT-TLS (RFC 6876), authenticated by the device certificate and/or a SASL
//! PLAIN user, and prints the verdict and what to fix. Exit status: 0 access allowed, 2 not allowed, 1 error.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use postern_host_checker::{Collector, CollectorOutput, CollectorResult};
use postern_posture::{FileWatcher, Sources, Woken, gather};
use postern_tnc_wire::{
    Limits,
    pb::AccessRecommendation,
    pt_tls::{HEADER_LEN, frame_len},
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, pem::PemObject};
use std::os::fd::AsFd;

/// Options of `postern-posture`.
#[derive(Parser, Debug)]
#[command(name = "postern-posture", version, about = "Report this endpoint's posture to a Postern Host Checker")]
struct Args {
    /// The verifier, HOST:PORT (PT-TLS; the port is 271 unless configured otherwise).
    #[arg(long)]
    server: String,
    /// The name the verifier's certificate must carry; default: HOST of --server.
    #[arg(long)]
    server_name: Option<String>,
    /// PEM file of the authority that signs the verifier's certificate.
    #[arg(long)]
    ca: PathBuf,
    /// This device's certificate (PEM, issued by the gateway's device authority); may be
    /// left out with --sasl-user when the gateway takes a password instead.
    #[arg(long, requires = "key", required_unless_present = "sasl_user")]
    cert: Option<PathBuf>,
    /// This device's private key (PEM).
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
    /// Authenticate as this SASL PLAIN user when the verifier asks for it. The password
    /// comes from --sasl-password-file or the POSTERN_SASL_PASSWORD environment variable,
    /// never from the command line.
    #[arg(long)]
    sasl_user: Option<String>,
    /// File whose first line is the SASL password.
    #[arg(long, requires = "sasl_user")]
    sasl_password_file: Option<PathBuf>,
    /// Use only this TLS version: 1.2 or 1.3 (default: either, 1.3 preferred).
    #[arg(long, value_parser = ["1.2", "1.3"])]
    tls_version: Option<String>,
    /// The os-release file.
    #[arg(long, default_value = "/etc/os-release")]
    os_release: PathBuf,
    /// The dpkg status database.
    #[arg(long, default_value = "/var/lib/dpkg/status")]
    dpkg_status: PathBuf,
    /// Read the installed packages from this list instead of the dpkg database: one
    /// `NAME VERSION` per line, as `rpm -qa --queryformat '%{NAME}
    /// %{EPOCHNUM}:%{VERSION}-%{RELEASE}\n'` writes it (the RPM database itself is not
    /// read). Versions are compared in Debian's order, not RPM's.
    #[arg(long)]
    rpm_list: Option<PathBuf>,
    /// The file holding the kernel release.
    #[arg(long, default_value = "/proc/sys/kernel/osrelease")]
    kernel_release: PathBuf,
    /// The file holding the IPv4 forwarding switch.
    #[arg(long, default_value = "/proc/sys/net/ipv4/ip_forward")]
    ip_forward: PathBuf,
    /// After the first verdict, keep the session open and ask for a new assessment
    /// (PB-TNC retry) whenever os-release or the package database changes; prints each
    /// verdict. Runs until the verifier closes the session or an error.
    #[arg(long)]
    watch: bool,
    /// After the first verdict, keep the session open and answer the verifier's own
    /// requests for a new assessment (PB-TNC SRETRY, on the gateway's schedule) by
    /// reading the endpoint again; prints each verdict. `--watch` answers them too.
    #[arg(long)]
    keep_open: bool,
}

/// Why the exchange failed.
#[derive(Debug, thiserror::Error)]
enum PostureError {
    #[error("{0}")]
    Source(#[from] postern_posture::SourceError),
    #[error("{what}: {reason}")]
    Setup { what: String, reason: String },
    #[error("talking to the verifier: {0}")]
    Io(#[from] std::io::Error),
    #[error("the verifier's message: {0}")]
    Wire(#[from] postern_tnc_wire::WireError),
    #[error("{0}")]
    Exchange(String),
    #[error("{0}")]
    Watch(#[from] postern_posture::WatchError),
}

fn setup(what: impl Into<String>, reason: impl ToString) -> PostureError {
    PostureError::Setup { what: what.into(), reason: reason.to_string() }
}

fn tls_config(args: &Args) -> Result<Arc<rustls::ClientConfig>, PostureError> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(&args.ca).map_err(|e| setup(args.ca.display().to_string(), e))? {
        roots
            .add(cert.map_err(|e| setup(args.ca.display().to_string(), e))?)
            .map_err(|e| setup(args.ca.display().to_string(), e))?;
    }
    let versions: &[&rustls::SupportedProtocolVersion] = match args.tls_version.as_deref() {
        Some("1.2") => &[&rustls::version::TLS12],
        Some(_) => &[&rustls::version::TLS13],
        None => &[&rustls::version::TLS13, &rustls::version::TLS12],
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .map_err(|e| setup("TLS", e))?
        .with_root_certificates(roots);
    let (Some(cert), Some(key)) = (&args.cert, &args.key) else {
        return Ok(Arc::new(builder.with_no_client_auth()));
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|e| setup(cert.display().to_string(), e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| setup(cert.display().to_string(), e))?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| setup(key.display().to_string(), e))?;
    let config = builder.with_client_auth_cert(chain, key).map_err(|e| setup("the device certificate", e))?;
    Ok(Arc::new(config))
}

/// The environment variable that may hold the SASL password.
const PASSWORD_ENV: &str = "POSTERN_SASL_PASSWORD";

/// The SASL PLAIN password: the first line of --sasl-password-file, else the environment.
fn sasl_password(args: &Args) -> Result<Vec<u8>, PostureError> {
    let password = match &args.sasl_password_file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| setup(path.display().to_string(), e))?
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned(),
        None => std::env::var(PASSWORD_ENV)
            .map_err(|_| setup("--sasl-user", format!("needs --sasl-password-file or {PASSWORD_ENV}")))?,
    };
    if password.is_empty() {
        return Err(setup("the SASL password", "is empty"));
    }
    Ok(password.into_bytes())
}

fn read_message(stream: &mut impl Read, limits: &Limits) -> Result<Vec<u8>, PostureError> {
    let mut header = [0u8; HEADER_LEN];
    stream.read_exact(&mut header)?;
    let len = frame_len(&header, limits)?;
    let mut message = header.to_vec();
    message.resize(len, 0);
    stream.read_exact(&mut message[HEADER_LEN..])?;
    Ok(message)
}

type Tls = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

fn sources(args: &Args) -> Sources {
    Sources {
        os_release: args.os_release.clone(),
        dpkg_status: args.dpkg_status.clone(),
        rpm_list: args.rpm_list.clone(),
        kernel_release: args.kernel_release.clone(),
        ip_forward: args.ip_forward.clone(),
    }
}

/// Exchanges messages until the next verdict (`Some`) or the end of the session (`None`);
/// a verifier's request for a new assessment is answered with the endpoint read again.
fn until_result(
    tls: &mut Tls,
    collector: &mut Collector,
    limits: &Limits,
    sources: &Sources,
) -> Result<Option<CollectorResult>, PostureError> {
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
                CollectorOutput::Failed(reason) => return Err(PostureError::Exchange(reason)),
                CollectorOutput::Recheck => {
                    let report = gather(sources)?;
                    eprintln!(
                        "postern-posture: the verifier asks for a new assessment ({} packages)",
                        report.packages.len()
                    );
                    tls.write_all(&collector.answer_recheck(report)?)?;
                }
            }
        }
        if result.is_some() && !collector_closes(collector) {
            return Ok(result);
        }
    }
}

/// Whether the collector ends the session after a verdict (not in watch mode).
fn collector_closes(collector: &Collector) -> bool {
    !collector.keeps_open()
}

/// Prints a verdict; whether access is allowed.
fn print(result: &CollectorResult) -> bool {
    let assessment = result.assessment.map_or("none".to_owned(), |a| format!("{a:?}"));
    println!("Assessment: {assessment}");
    println!(
        "Access: {}",
        match result.access {
            Some(AccessRecommendation::Allowed) => "allowed",
            Some(AccessRecommendation::Isolate) => "isolated",
            Some(AccessRecommendation::NoAccess) | None => "denied",
        }
    );
    if let Some(reason) = &result.reason {
        println!("Reason: {reason}");
    }
    for line in &result.remediation {
        println!("Remediation: {line}");
    }
    result.access == Some(AccessRecommendation::Allowed)
}

fn run(args: &Args) -> Result<bool, PostureError> {
    let sources = sources(args);
    let report = gather(&sources)?;
    eprintln!(
        "postern-posture: {} {}, kernel {}, {} packages",
        report.product,
        report.version,
        report.build,
        report.packages.len()
    );
    let watcher =
        if args.watch { Some(FileWatcher::new(&[&sources.os_release, sources.packages_file()])?) } else { None };
    let host = args
        .server
        .rsplit_once(':')
        .map_or(args.server.as_str(), |(h, _)| h)
        .trim_start_matches('[')
        .trim_end_matches(']');
    let name = ServerName::try_from(args.server_name.clone().unwrap_or_else(|| host.to_owned()))
        .map_err(|e| setup("--server-name", e))?;
    let tcp = TcpStream::connect(&args.server).map_err(|e| setup(format!("connecting to {}", args.server), e))?;
    tcp.set_read_timeout(Some(Duration::from_secs(30)))?;
    let connection = rustls::ClientConnection::new(tls_config(args)?, name).map_err(|e| setup("TLS", e))?;
    let mut tls = rustls::StreamOwned::new(connection, tcp);
    let limits = Limits::DEFAULT;
    let mut collector = Collector::new(report, limits);
    if let Some(user) = &args.sasl_user {
        collector = collector.with_sasl_plain(user.clone(), sasl_password(args)?);
    }
    if watcher.is_some() || args.keep_open {
        collector = collector.keep_open();
    }
    tls.write_all(&collector.start()?)?;
    if let Some(version) = tls.conn.protocol_version() {
        eprintln!("postern-posture: connected with {version:?}");
    }
    let result = until_result(&mut tls, &mut collector, &limits, &sources)?
        .ok_or_else(|| PostureError::Exchange("the verifier closed without a result".into()))?;
    match (&args.sasl_user, collector.sasl_authenticated()) {
        (Some(user), true) => eprintln!("postern-posture: authenticated as SASL user {user}"),
        (Some(_), false) => {
            eprintln!("postern-posture: the verifier offered no SASL; the device certificate alone authenticated")
        }
        (None, _) => {}
    }
    let mut allowed = print(&result);
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
            let report = gather(&sources)?;
            eprintln!(
                "postern-posture: the endpoint changed ({} packages): asking for a new assessment",
                report.packages.len()
            );
            tls.write_all(&collector.retry(report)?)?;
        }
        match until_result(&mut tls, &mut collector, &limits, &sources)? {
            Some(result) => allowed = print(&result),
            None => return Ok(allowed),
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(2),
        Err(error) => {
            eprintln!("postern-posture: {error}");
            ExitCode::FAILURE
        }
    }
}
