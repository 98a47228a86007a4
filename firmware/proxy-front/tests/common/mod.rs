//! Shared test fixtures: a test CA, server and client certificates, a front end on
//! loopback, and openssl/curl/Rust clients.
#![allow(dead_code, unreachable_pub, missing_docs)]

use postern_metrics::Registry;
use postern_proxy_front::{
    CertificateWatcher, ClientAuth, FrontMetrics, Listener, ListenerConfig, ListenerHandle, PeerInfo, TlsSettings,
};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// A CA in a temporary directory that signs server and client certificates.
pub struct Pki {
    pub dir: tempfile::TempDir,
    issuer: Issuer<'static, KeyPair>,
    pub ca_pem: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Pki {
    pub fn new(name: &str) -> Result<Self, Error> {
        let dir = tempfile::tempdir()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate()?;
        let cert = params.self_signed(&key)?;
        let ca_pem = dir.path().join("ca.pem");
        std::fs::write(&ca_pem, cert.pem())?;
        let issuer = Issuer::new(params, key);
        let (cert, key) = (dir.path().join("server.pem"), dir.path().join("server.key"));
        let pki = Self { issuer, dir, ca_pem, cert, key };
        pki.write_server_cert("first")?;
        Ok(pki)
    }

    /// Writes a fresh server certificate for 127.0.0.1/localhost (CN `cn`) and key.
    pub fn write_server_cert(&self, cn: &str) -> Result<(), Error> {
        let (cert, key) = self.issue(cn, vec!["localhost".into(), "127.0.0.1".into()], false)?;
        std::fs::write(&self.key, key)?;
        std::fs::write(&self.cert, cert)?;
        Ok(())
    }

    /// A certificate and key PEM signed by this CA.
    pub fn issue(&self, cn: &str, names: Vec<String>, client: bool) -> Result<(String, String), Error> {
        let mut params = CertificateParams::new(names)?;
        params.distinguished_name.push(DnType::CommonName, cn);
        params.use_authority_key_identifier_extension = true;
        if client {
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        }
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok((cert.pem(), key.serialize_pem()))
    }

    pub fn settings(&self, client_auth: ClientAuth) -> TlsSettings {
        let mut s = TlsSettings::new(&self.cert, &self.key);
        s.client_auth = client_auth;
        s
    }
}

/// A front end serving on loopback.
pub struct Front {
    pub handle: ListenerHandle,
    pub metrics: FrontMetrics,
    pub registry: Registry,
    pub watcher: Arc<CertificateWatcher>,
    pub port: u16,
}

pub async fn start<S: postern_proxy_front::ConnectionService>(
    settings: TlsSettings,
    config: ListenerConfig,
    service: S,
) -> Result<Front, Error> {
    let registry = Registry::new();
    let metrics = FrontMetrics::register(&registry)?;
    let watcher = CertificateWatcher::new(settings, metrics.clone())?;
    let listener = Listener::bind("127.0.0.1:0".parse()?, config, Arc::clone(&watcher), metrics.clone()).await?;
    let port = listener.local_addr().port();
    let handle = listener.serve(service);
    Ok(Front { handle, metrics, registry, watcher, port })
}

/// Echoes bytes back until the client closes.
pub async fn echo(mut tls: tokio_rustls::server::TlsStream<TcpStream>, _peer: PeerInfo) {
    let mut buf = [0u8; 4096];
    loop {
        match tls.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if tls.write_all(&buf[..n]).await.is_err() {
                    return;
                }
                let _ = tls.flush().await;
            }
        }
    }
}

/// Runs openssl s_client against the port with `extra` flags; stdin is closed at once.
pub fn s_client(port: u16, extra: &[&str]) -> Result<Output, Error> {
    Ok(Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}"), "-servername", "localhost"])
        .args(extra)
        .stdin(Stdio::null())
        .output()?)
}

/// The SHA-256 fingerprint openssl computes for a PEM certificate given on stdin.
pub fn fingerprint_of_pem(pem: &[u8]) -> Result<String, Error> {
    use std::io::Write;
    let mut child = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    child.stdin.take().ok_or("no stdin")?.write_all(pem)?;
    let out = child.wait_with_output()?;
    let text = String::from_utf8(out.stdout)?;
    let fp = text.trim().rsplit('=').next().unwrap_or_default().to_owned();
    if fp.is_empty() {
        return Err("openssl printed no fingerprint".into());
    }
    Ok(fp)
}

/// The fingerprint of the certificate the server on `port` presents now.
pub fn served_fingerprint(port: u16) -> Result<String, Error> {
    let out = s_client(port, &[])?;
    fingerprint_of_pem(&out.stdout)
}

pub fn file_fingerprint(path: &Path) -> Result<String, Error> {
    fingerprint_of_pem(&std::fs::read(path)?)
}

/// A Rust TLS client trusting `ca_pem`, optionally with a client certificate.
pub fn client_config(ca_pem: &Path, identity: Option<(&str, &str)>) -> Result<Arc<rustls::ClientConfig>, Error> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca_pem)? {
        roots.add(cert?)?;
    }
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots);
    let config = match identity {
        None => builder.with_no_client_auth(),
        Some((cert, key)) => {
            let chain = CertificateDer::pem_slice_iter(cert.as_bytes()).collect::<Result<Vec<_>, _>>()?;
            let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(key.as_bytes())?;
            builder.with_client_auth_cert(chain, key)?
        }
    };
    Ok(Arc::new(config))
}

pub async fn connect(
    port: u16,
    config: Arc<rustls::ClientConfig>,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, Error> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    let connector = tokio_rustls::TlsConnector::from(config);
    Ok(connector.connect(ServerName::try_from("localhost")?, tcp).await?)
}

/// Writes `msg` and reads the same number of bytes back.
pub async fn round_trip<S: AsyncReadExt + AsyncWriteExt + Unpin>(s: &mut S, msg: &[u8]) -> Result<Vec<u8>, Error> {
    s.write_all(msg).await?;
    s.flush().await?;
    let mut back = vec![0u8; msg.len()];
    s.read_exact(&mut back).await?;
    Ok(back)
}

/// Resident memory of this process in KiB.
pub fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
