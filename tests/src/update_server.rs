//! An update server for the appliance under qemu: `openssl s_server -WWW` serving a
//! directory over TLS with a certificate for 10.0.2.2 (the host as qemu's guests see it).

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running `openssl s_server -WWW`; stopped when dropped.
pub struct UpdateServer {
    child: Child,
    /// The port it listens on, on the host's loopback.
    pub port: u16,
}

impl UpdateServer {
    /// Serves `dir` with a fresh server certificate signed by the CA `<ca>.pem`/`<ca>.key`.
    pub fn start(dir: &Path, ca: &Path) -> Self {
        let script = format!(
            "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout srv.key -out srv.csr -subj /CN=10.0.2.2 2>/dev/null\n\
             printf 'subjectAltName=IP:10.0.2.2\\n' > san.ext\n\
             openssl x509 -req -in srv.csr -CA {ca}.pem -CAkey {ca}.key -CAserial ca.srl -CAcreateserial -days 2 -extfile san.ext -out srv.pem 2>/dev/null",
            ca = ca.display()
        );
        let status = Command::new("sh").args(["-ec", &script]).current_dir(dir).status().expect("sh");
        assert!(status.success(), "making the update server's certificate");
        let port = TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
        let child = Command::new("openssl")
            .args(["s_server", "-quiet", "-WWW", "-accept", &port.to_string(), "-cert", "srv.pem", "-key", "srv.key"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server");
        Self { child, port }
    }
}

impl Drop for UpdateServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
