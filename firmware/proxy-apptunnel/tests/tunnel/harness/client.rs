//! Clients: a Rust TLS client that sends a CONNECT and keeps the stream, and curl.

use super::Error;
use super::pki::DeviceCert;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// The proxy's answer to a CONNECT, and the stream (a tunnel after a 200).
pub struct Answer {
    pub status: u16,
    pub reason: Option<String>,
    pub stream: TlsStream<TcpStream>,
}

/// A TLS client trusting `ca_pem`, presenting `device` if given.
pub fn tls_config(ca_pem: &Path, device: Option<&DeviceCert>) -> Result<Arc<rustls::ClientConfig>, Error> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca_pem)? {
        roots.add(cert?)?;
    }
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots);
    Ok(Arc::new(match device {
        None => builder.with_no_client_auth(),
        Some(device) => {
            let chain = CertificateDer::pem_slice_iter(device.cert_pem.as_bytes()).collect::<Result<Vec<_>, _>>()?;
            builder.with_client_auth_cert(chain, PrivateKeyDer::from_pem_slice(device.key_pem.as_bytes())?)?
        }
    }))
}

/// Opens a TLS connection to the proxy.
pub async fn connect(port: u16, config: Arc<rustls::ClientConfig>) -> Result<TlsStream<TcpStream>, Error> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    Ok(tokio_rustls::TlsConnector::from(config).connect(ServerName::try_from("localhost")?, tcp).await?)
}

/// Sends `request` (a full request head) and reads the response head.
pub async fn request(mut stream: TlsStream<TcpStream>, request: &str) -> Result<Answer, Error> {
    stream.write_all(request.as_bytes()).await?;
    stream.flush().await?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await? == 0 {
            return Err(format!("connection closed after {:?}", String::from_utf8_lossy(&head)).into());
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8(head)?;
    let status = text.split_whitespace().nth(1).ok_or("no status")?.parse()?;
    let reason = text.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("x-postern-reason").then(|| value.trim().to_owned())
    });
    Ok(Answer { status, reason, stream })
}

/// Connects with `device`'s certificate and sends `CONNECT target` as `app`.
pub async fn open(
    port: u16,
    ca_pem: &Path,
    device: &DeviceCert,
    target: &str,
    app: Option<&str>,
) -> Result<Answer, Error> {
    let stream = connect(port, tls_config(ca_pem, Some(device))?).await?;
    let app_line = app.map(|app| format!("X-Postern-App: {app}\r\n")).unwrap_or_default();
    request(stream, &format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n{app_line}\r\n")).await
}

/// Writes `msg` into a tunnel and reads as many bytes back.
pub async fn round_trip(stream: &mut TlsStream<TcpStream>, msg: &[u8]) -> Result<Vec<u8>, Error> {
    stream.write_all(msg).await?;
    stream.flush().await?;
    let mut back = vec![0u8; msg.len()];
    stream.read_exact(&mut back).await?;
    Ok(back)
}

/// Whether the tunnel is closed: a read returns end of stream or an error.
pub async fn is_closed(stream: &mut TlsStream<TcpStream>) -> bool {
    let mut buf = [0u8; 64];
    !matches!(stream.read(&mut buf).await, Ok(n) if n > 0)
}

/// What curl reports for a request to `url` tunnelled through the proxy as `app`.
pub struct CurlOutcome {
    pub exit: i32,
    pub connect_status: String,
    pub body: String,
}

pub fn curl(port: u16, ca_pem: &Path, device: &DeviceCert, app: &str, url: &str) -> Result<CurlOutcome, Error> {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "10", "--proxytunnel", "--proxy", &format!("https://127.0.0.1:{port}")])
        .arg("--proxy-cacert")
        .arg(ca_pem)
        .arg("--proxy-cert")
        .arg(&device.cert_file)
        .arg("--proxy-key")
        .arg(&device.key_file)
        .args(["--proxy-header", &format!("X-Postern-App: {app}"), "-w", "\n%{http_connect}", url])
        .output()?;
    let stdout = String::from_utf8(out.stdout)?;
    let (body, connect_status) = stdout.rsplit_once('\n').ok_or("no curl output")?;
    Ok(CurlOutcome {
        exit: out.status.code().unwrap_or(-1),
        connect_status: connect_status.to_owned(),
        body: body.to_owned(),
    })
}

/// A response read off a kept-alive stream: status, head, and a `Content-Length` body.
pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Reply {
    /// The value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            line.split_once(':').filter(|(n, _)| n.trim().eq_ignore_ascii_case(name)).map(|(_, v)| v.trim())
        })
    }
}

/// Writes `request` and reads one response whose body has a `Content-Length`.
pub async fn exchange(stream: &mut TlsStream<TcpStream>, request: &str) -> Result<Reply, Error> {
    stream.write_all(request.as_bytes()).await?;
    stream.flush().await?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await? == 0 {
            return Err(format!("connection closed after {:?}", String::from_utf8_lossy(&head)).into());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8(head)?;
    let status = head.split_whitespace().nth(1).ok_or("no status")?.parse()?;
    let mut reply = Reply { status, head, body: String::new() };
    let length: usize = reply.header("content-length").ok_or("no content-length")?.parse()?;
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await?;
    reply.body = String::from_utf8(body)?;
    Ok(reply)
}

/// curl sending `url` to the proxy as a plain HTTP proxy request (no CONNECT) as `app`;
/// returns (exit code, status, body).
pub fn curl_plain(
    port: u16,
    ca_pem: &Path,
    device: &DeviceCert,
    app: &str,
    url: &str,
) -> Result<(i32, String, String), Error> {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "10", "--proxy", &format!("https://127.0.0.1:{port}")])
        .arg("--proxy-cacert")
        .arg(ca_pem)
        .arg("--proxy-cert")
        .arg(&device.cert_file)
        .arg("--proxy-key")
        .arg(&device.key_file)
        .args(["-H", &format!("X-Postern-App: {app}"), "-w", "\n%{http_code}", url])
        .output()?;
    let stdout = String::from_utf8(out.stdout)?;
    let (body, status) = stdout.rsplit_once('\n').ok_or("no curl output")?;
    Ok((out.status.code().unwrap_or(-1), status.to_owned(), body.to_owned()))
}
