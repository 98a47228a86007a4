//! Starts `postern-uem` as a real process and talks to it over HTTPS with rustls.

#![allow(dead_code, unreachable_pub, reason = "shared by several test files")]

use http_body_util::Full;
use hyper::body::Bytes;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const TOKEN: &str = "gw1-secret-token";

/// A running reference UEM.
pub struct Uem {
    child: Child,
    pub dir: PathBuf,
    pub port: u16,
    pub admin_port: u16,
}

fn wait_for_port(path: &Path) -> u16 {
    postern_reference_server::wait_for_port(path, Duration::from_secs(20))
        .unwrap_or_else(|| panic!("no port in {} after 20 s", path.display()))
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
        let mut req = hyper::Request::builder().method(method).uri(path_and_query).header("host", "localhost");
        if let Some(token) = token {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req.body(Full::new(Bytes::from(body.unwrap_or_default()))).expect("request");
        let ca = self.dir.join("certs/ca.pem");
        let answer = postern_reference_server::call_trusting(&ca, self.port, req, 64 << 20).await.expect("an answer");
        (answer.status, answer.body)
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
