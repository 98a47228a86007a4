//! The SAML world around posternd's federation listener: keys made by openssl, the
//! pysaml2 SP and IdP scripts and the scripted browser (firmware/federation/tests/saml).

use super::text;
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Where the SAML scripts live.
pub const SAML_SCRIPTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../federation/tests/saml");

/// Script processes, killed when dropped.
pub struct Scripts(pub Vec<Child>);

impl Drop for Scripts {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").current_dir(dir).args(args).output().expect("openssl runs");
    assert!(out.status.success(), "openssl {args:?}: {}", text(&out));
}

/// An RSA key and self-signed certificate (`NAME.key`, `NAME.pem`) for SAML signing.
pub fn rsa_signing(dir: &Path, name: &str) {
    let subject = format!("/CN={name}");
    let (key, cert) = (format!("{name}.key"), format!("{name}.pem"));
    openssl(
        dir,
        &[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", &subject, "-keyout", &key, "-out",
            &cert,
        ],
    );
}

/// A CA (`web-ca.pem`) and an HTTPS certificate for 127.0.0.1 per name (`NAME.pem`, `NAME.key`).
pub fn web_pki(dir: &Path, names: &[&str]) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    let ca = ["-days", "2", "-subj", "/CN=web-ca", "-keyout", "web-ca.key", "-out", "web-ca.pem"];
    openssl(dir, &[&["req", "-x509"][..], &ec, &ca].concat());
    for name in names {
        let (key, csr, cert, ext) =
            (format!("{name}.key"), format!("{name}.csr"), format!("{name}.pem"), format!("{name}.ext"));
        std::fs::write(dir.join(&ext), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n").expect("ext file");
        openssl(dir, &[&["req"][..], &ec, &["-subj", &format!("/CN={name}"), "-keyout", &key, "-out", &csr]].concat());
        let sign = ["x509", "-req", "-in", &csr, "-CA", "web-ca.pem", "-CAkey", "web-ca.key", "-CAcreateserial"];
        openssl(dir, &[&sign[..], &["-days", "2", "-out", &cert, "-extfile", &ext]].concat());
    }
}

/// Starts `script` with `args` on HTTPS with `TLS-tls.pem`/`TLS-tls.key`; returns its port.
pub fn spawn_script(scripts: &mut Scripts, dir: &Path, script: &str, tls: &str, args: &[&Path]) -> u16 {
    let mut child = Command::new("python3")
        .arg(format!("{SAML_SCRIPTS}/{script}"))
        .args(args)
        .env("PYTHONWARNINGS", "ignore")
        .env("SAML_TLS_CERT", dir.join(format!("{tls}-tls.pem")))
        .env("SAML_TLS_KEY", dir.join(format!("{tls}-tls.key")))
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let stdout = child.stdout.take().expect("stdout");
    scripts.0.push(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("a line");
    line.trim().strip_prefix("port ").and_then(|p| p.parse().ok()).unwrap_or_else(|| panic!("{script}: {line}"))
}

/// Runs the scripted browser from `start` with `device`'s certificate (`DEVICE.pem`,
/// `DEVICE-key.pem`); returns the final status and page.
pub fn browse(dir: &Path, start: &str, device: Option<&str>) -> (u16, String) {
    browse_env(dir, start, device, &[])
}

/// [`browse`] with `env` for the browser (its AppTunnel, say: see browse.py).
pub fn browse_env(dir: &Path, start: &str, device: Option<&str>, env: &[(&str, String)]) -> (u16, String) {
    let mut command = Command::new("python3");
    command.envs(env.iter().map(|(k, v)| (k, v.as_str())));
    command.arg(format!("{SAML_SCRIPTS}/browse.py")).arg(start).arg(dir.join("web-ca.pem"));
    if let Some(device) = device {
        command.arg(dir.join(format!("{device}.pem"))).arg(dir.join(format!("{device}-key.pem")));
    }
    let output = command.env("PYTHONWARNINGS", "ignore").output().expect("browse.py runs");
    assert!(output.status.success(), "browse.py: {}", text(&output));
    let page = String::from_utf8_lossy(&output.stdout).into_owned();
    let (status, page) = page.split_once('\n').expect("a status line");
    (status.parse().expect("a status"), page.to_owned())
}

/// `curl` with the web CA: the status and body of `url` (with `extra` arguments).
pub fn curl(dir: &Path, url: &str, extra: &[&str]) -> (u16, String) {
    let out = Command::new("curl")
        .args(["-sS", "-w", "\n%{http_code}", "--cacert"])
        .arg(dir.join("web-ca.pem"))
        .args(extra)
        .arg(url)
        .output()
        .expect("curl runs");
    assert!(out.status.success(), "{url}: {}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, status) = shown.rsplit_once('\n').expect("a status");
    (status.trim().parse().expect("a status"), body.to_owned())
}
