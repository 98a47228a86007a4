//! `postern-posture`: reports this Linux endpoint's posture to a Postern gateway's Host
//! Checker over PT-TLS (RFC 6876), authenticated by the device certificate and/or a SASL
//! PLAIN user, and prints the verdict and what to fix. Exit status: 0 access allowed, 2 not allowed, 1 error.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use postern_host_checker::CollectorResult;
use postern_posture::{SessionError, SessionEvent, SessionSettings, Sources, run_session};
use postern_tnc_wire::pb::AccessRecommendation;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};

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
    #[error("{what}: {reason}")]
    Setup { what: String, reason: String },
    #[error("{0}")]
    Session(#[from] SessionError),
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

fn sources(args: &Args) -> Sources {
    Sources {
        os_release: args.os_release.clone(),
        dpkg_status: args.dpkg_status.clone(),
        rpm_list: args.rpm_list.clone(),
        kernel_release: args.kernel_release.clone(),
        ip_forward: args.ip_forward.clone(),
    }
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
    let host = args
        .server
        .rsplit_once(':')
        .map_or(args.server.as_str(), |(h, _)| h)
        .trim_start_matches('[')
        .trim_end_matches(']');
    let sasl = match &args.sasl_user {
        Some(user) => Some((user.clone(), sasl_password(args)?)),
        None => None,
    };
    let settings = SessionSettings {
        server: args.server.clone(),
        server_name: args.server_name.clone().unwrap_or_else(|| host.to_owned()),
        tls: tls_config(args)?,
        sasl,
        sources: sources(args),
        watch: args.watch,
        keep_open: args.keep_open,
    };
    let allowed = run_session(&settings, |event| match event {
        SessionEvent::Read { report } => eprintln!(
            "postern-posture: {} {}, kernel {}, {} packages",
            report.product,
            report.version,
            report.build,
            report.packages.len()
        ),
        SessionEvent::Connected { version: Some(version) } => {
            eprintln!("postern-posture: connected with {version:?}")
        }
        SessionEvent::RecheckAsked { packages } => {
            eprintln!("postern-posture: the verifier asks for a new assessment ({packages} packages)")
        }
        SessionEvent::Changed { packages } => {
            eprintln!("postern-posture: the endpoint changed ({packages} packages): asking for a new assessment")
        }
        SessionEvent::Authenticated { sasl } => match (&args.sasl_user, sasl) {
            (Some(user), true) => eprintln!("postern-posture: authenticated as SASL user {user}"),
            (Some(_), false) => {
                eprintln!("postern-posture: the verifier offered no SASL; the device certificate alone authenticated")
            }
            (None, _) => {}
        },
        SessionEvent::Verdict(result) => {
            print(result);
        }
        _ => {}
    })?;
    Ok(allowed)
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
