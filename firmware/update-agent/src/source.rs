//! Where a bundle comes from: a file on the appliance, or an HTTPS URL (rustls, with the
//! CA the operator names). Bytes are pushed to the installer as they arrive.

use crate::UpdateError;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a download may wait for the server at any step.
const STALL: Duration = Duration::from_secs(30);

/// Where a bundle's bytes go as they arrive: the installer, or a staging file.
pub(crate) trait BundleSink: Send {
    /// Takes the next bytes; an error stops the transfer.
    fn feed(&mut self, chunk: &[u8]) -> Result<(), UpdateError>;
}

/// A bundle's source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file on the appliance.
    File(PathBuf),
    /// `https://host[:port]/path`.
    Https {
        /// The host name or address.
        host: String,
        /// The port (443 unless given).
        port: u16,
        /// The path and query.
        path: String,
    },
}

impl Source {
    /// `https://…` is a download; `http://` is refused (the bundle is signed, but the
    /// appliance downloads over TLS only); anything else is a file path.
    pub fn parse(text: &str) -> Result<Self, UpdateError> {
        let refuse = |reason: &str| UpdateError::Source { source_name: text.to_owned(), reason: reason.to_owned() };
        if let Some(rest) = text.strip_prefix("https://") {
            let (authority, path) = match rest.find('/') {
                Some(at) => (&rest[..at], &rest[at..]),
                None => (rest, "/"),
            };
            let (host, port) = match authority.rsplit_once(':') {
                Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
                    (host, port.parse().map_err(|_| refuse("the port is not a number"))?)
                }
                _ => (authority, 443),
            };
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if host.is_empty() {
                return Err(refuse("no host"));
            }
            return Ok(Source::Https { host: host.to_owned(), port, path: path.to_owned() });
        }
        if text.contains("://") {
            return Err(refuse("only https:// URLs and files on the appliance are supported"));
        }
        if !text.starts_with('/') {
            return Err(refuse("a file must be an absolute path"));
        }
        Ok(Source::File(PathBuf::from(text)))
    }

    /// The bundle's length, when known before reading it (a file's size).
    pub(crate) fn file_len(&self) -> Option<u64> {
        match self {
            Source::File(path) => std::fs::metadata(path).ok().map(|m| m.len()),
            Source::Https { .. } => None,
        }
    }

    /// Reads the whole source into `installer`.
    pub(crate) async fn pump(&self, ca_file: Option<&Path>, installer: &mut dyn BundleSink) -> Result<(), UpdateError> {
        match self {
            Source::File(path) => pump_file(path, installer),
            Source::Https { host, port, path } => {
                let name = format!("https://{host}:{port}{path}");
                let fail = |reason: String| UpdateError::Source { source_name: name.clone(), reason };
                let ca_file = ca_file.ok_or_else(|| {
                    fail("an HTTPS download needs the CA that signed the server's certificate (ca-file)".into())
                })?;
                download(host, *port, path, ca_file, installer).await.map_err(|e| match e {
                    Pumped::Network(reason) => fail(reason),
                    Pumped::Refused(e) => e,
                })
            }
        }
    }
}

fn pump_file(path: &Path, installer: &mut dyn BundleSink) -> Result<(), UpdateError> {
    let file = std::fs::File::open(path).map_err(UpdateError::io("opening", path))?;
    pump_reader(file, path, installer)
}

/// Reads all of `reader` (named `name` in errors) into `sink`.
pub(crate) fn pump_reader(mut reader: impl Read, name: &Path, sink: &mut dyn BundleSink) -> Result<(), UpdateError> {
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buf).map_err(UpdateError::io("reading", name))?;
        if n == 0 {
            return Ok(());
        }
        sink.feed(&buf[..n])?;
    }
}

/// A download that stopped: the network, or the bundle itself.
enum Pumped {
    Network(String),
    Refused(UpdateError),
}

async fn download(
    host: &str,
    port: u16,
    path: &str,
    ca_file: &Path,
    installer: &mut dyn BundleSink,
) -> Result<(), Pumped> {
    let net = |what: &str| {
        let what = what.to_owned();
        move |e: &dyn std::fmt::Display| Pumped::Network(format!("{what}: {e}"))
    };
    let pem = std::fs::read(ca_file).map_err(|e| net(&format!("reading {}", ca_file.display()))(&e))?;
    let roots =
        postern_tls_client::roots_from_pem(&pem).map_err(|e| net(&format!("the CA in {}", ca_file.display()))(&e))?;
    let config = postern_tls_client::client_config(roots, rustls::DEFAULT_VERSIONS, false)
        .map_err(|e| net("TLS settings")(&e))?;
    let server = ServerName::try_from(host.to_owned()).map_err(|e| net("server name")(&e))?;
    let tcp = tokio::time::timeout(STALL, tokio::net::TcpStream::connect((host, port)))
        .await
        .map_err(|e| net("connecting")(&e))?
        .map_err(|e| net("connecting")(&e))?;
    let tls = tokio::time::timeout(STALL, tokio_rustls::TlsConnector::from(config).connect(server, tcp))
        .await
        .map_err(|e| net("TLS handshake")(&e))?
        .map_err(|e| net("TLS handshake")(&e))?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.map_err(|e| net("HTTP")(&e))?;
    let driver = tokio::spawn(connection);
    let request = hyper::Request::get(path)
        .header(hyper::header::HOST, host)
        .header(hyper::header::USER_AGENT, "postern-update-agent")
        .body(Empty::<Bytes>::new())
        .map_err(|e| net("request")(&e))?;
    let response = tokio::time::timeout(STALL, sender.send_request(request))
        .await
        .map_err(|e| net("waiting for the answer")(&e))?
        .map_err(|e| net("waiting for the answer")(&e))?;
    if response.status() != hyper::StatusCode::OK {
        driver.abort();
        return Err(Pumped::Network(format!("the server answered {}", response.status())));
    }
    let mut body = response.into_body();
    loop {
        let frame = tokio::time::timeout(STALL, body.frame()).await.map_err(|e| net("reading the bundle")(&e))?;
        match frame {
            None => break,
            Some(Err(e)) => return Err(net("reading the bundle")(&e)),
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    installer.feed(data).map_err(Pumped::Refused)?;
                }
            }
        }
    }
    driver.abort();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_files_or_https_urls() {
        assert_eq!(Source::parse("/data/b.bundle").ok(), Some(Source::File("/data/b.bundle".into())));
        assert_eq!(
            Source::parse("https://updates.example:8443/p/b.bundle?x=1").ok(),
            Some(Source::Https { host: "updates.example".into(), port: 8443, path: "/p/b.bundle?x=1".into() })
        );
        assert_eq!(
            Source::parse("https://10.0.2.2").ok(),
            Some(Source::Https { host: "10.0.2.2".into(), port: 443, path: "/".into() })
        );
        for bad in ["http://x/b", "ftp://x/b", "relative/path", "https://:80/x", "https://h:port/x"] {
            assert!(Source::parse(bad).is_err(), "{bad}");
        }
    }
}
