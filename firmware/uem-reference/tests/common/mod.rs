//! Starts `postern-uem` as a real process and talks to it over HTTPS with rustls.

#![allow(dead_code, unreachable_pub, reason = "shared by several test files")]

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

pub const TOKEN: &str = "gw1-secret-token";

/// A running reference UEM.
pub struct Uem {
    child: Child,
    pub dir: PathBuf,
    pub port: u16,
    pub admin_port: u16,
}

fn wait_for_port(path: &Path) -> u16 {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if let Ok(text) = std::fs::read_to_string(path) {
            if let Ok(port) = text.trim().parse() {
                return port;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no port in {} after 20 s", path.display());
}

impl Uem {
    /// Starts the server with its state, certificates and port files in `dir`.
    pub fn start(dir: &Path, extra: &[&str]) -> Self {
        let (port_file, admin_file) = (dir.join("port"), dir.join("admin-port"));
        let _ = std::fs::remove_file(&port_file);
        let _ = std::fs::remove_file(&admin_file);
        let child = Command::new(env!("CARGO_BIN_EXE_postern-uem"))
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
            .arg("--state")
            .arg(dir.join("state.json"))
            .arg("--self-signed")
            .arg(dir.join("certs"))
            .arg("--port-file")
            .arg(&port_file)
            .arg("--admin-port-file")
            .arg(&admin_file)
            .args(extra)
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn postern-uem");
        let port = wait_for_port(&port_file);
        let admin_port = wait_for_port(&admin_file);
        let uem = Self { child, dir: dir.to_owned(), port, admin_port };
        uem.admin(&["token", "gw1", TOKEN]);
        uem
    }

    /// Kills the process (SIGKILL: no chance to tidy up).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Runs `postern-uem admin --url … ARGS` and returns its output; panics on failure.
    pub fn admin(&self, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_postern-uem"))
            .args(["admin", "--url", &format!("http://127.0.0.1:{}", self.admin_port)])
            .arg("--state")
            .arg(self.dir.join("state.json"))
            .args(args)
            .output()
            .expect("run postern-uem admin");
        assert!(out.status.success(), "admin {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// One HTTPS request to the API, trusting only the generated CA.
    pub async fn call(
        &self,
        method: &str,
        path_and_query: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> (u16, Bytes) {
        let ca = CertificateDer::from_pem_file(self.dir.join("certs/ca.pem")).expect("ca.pem");
        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca).expect("add CA");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        let tcp = TcpStream::connect(("127.0.0.1", self.port)).await.expect("connect");
        let name = ServerName::try_from("localhost").expect("name");
        let tls = TlsConnector::from(Arc::new(config)).connect(name, tcp).await.expect("TLS handshake");
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.expect("HTTP handshake");
        tokio::spawn(conn);
        let mut req = hyper::Request::builder().method(method).uri(path_and_query).header("host", "localhost");
        if let Some(token) = token {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req.body(Full::new(Bytes::from(body.unwrap_or_default()))).expect("request");
        let response = sender.send_request(req).await.expect("send");
        let status = response.status().as_u16();
        let bytes = Limited::new(response.into_body(), 64 * 1024 * 1024).collect().await.expect("body").to_bytes();
        (status, bytes)
    }

    /// `GET` with the gateway's token, decoded as JSON.
    pub async fn get_json(&self, path_and_query: &str) -> (u16, serde_json::Value) {
        let (status, body) = self.call("GET", path_and_query, Some(TOKEN), None).await;
        let value = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        (status, value)
    }
}

impl Drop for Uem {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The text of a JSON string field.
pub fn text(v: &serde_json::Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_owned()
}
