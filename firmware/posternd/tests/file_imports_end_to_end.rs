//! Every setting that names a file can be given by pasting in the CLI, on an appliance
//! with no file transfer: the back end's CA, the AppTunnel client CA, the UEM's CA and
//! credentials. Each pasted file has its effect (observed with curl against real TLS
//! peers), `show running-config` shows fingerprints and never a secret, and bad pastes
//! change nothing.

mod common;

use common::proxy::{
    ALLOWED_QUERY, activesync, apptunnel_section, backend_log, certificate, device_pki, port_from, tls_backend,
    write_config,
};
use common::{Daemon, cli, text};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

/// A CLI script that pastes the file at `pem` after `command`.
fn paste(command: &str, pem: &Path) -> String {
    format!("{command}\n{}quit\n", std::fs::read_to_string(pem).expect("pem"))
}

/// The SHA-256 fingerprint of a PEM certificate file, as openssl prints it.
fn fingerprint(path: &Path) -> String {
    let out = Command::new("openssl")
        .args(["x509", "-fingerprint", "-sha256", "-noout", "-in"])
        .arg(path)
        .output()
        .expect("openssl");
    text(&out).split_once('=').map(|(_, f)| f.trim().to_owned()).expect("fingerprint")
}

fn proxy(dir: &Path, extra: &[&str]) -> (Daemon, u16) {
    let mut daemon = Daemon::start(dir, &[&["--listen", "127.0.0.1:0"], extra].concat());
    let port = port_from(&daemon.line_with("ActiveSync proxy listening"));
    (daemon, port)
}

#[test]
fn a_pasted_backend_ca_lets_the_proxy_reach_an_https_back_end() {
    let dir = tempfile::tempdir().expect("dir");
    certificate(dir.path());
    let back = tls_backend(dir.path());
    write_config(dir.path(), back.port, "");
    let config = std::fs::read_to_string(dir.path().join("initial.toml")).expect("config");
    std::fs::write(
        dir.path().join("initial.toml"),
        config.replace(&format!("http://127.0.0.1:{}", back.port), &format!("https://127.0.0.1:{}", back.port)),
    )
    .expect("https back end");
    let mut daemon = Daemon::start(dir.path(), &["--listen", "127.0.0.1:0"]);
    let refused = daemon.line_with("ActiveSync proxy not started");
    assert!(refused.contains("no CA file is configured"), "an https back end without its CA is not used: {refused}");

    let garbage = cli(dir.path(), "configure terminal\nactivesync import backend-ca\nnot a certificate\nquit\n");
    assert_eq!(garbage.status.code(), Some(1), "{}", text(&garbage));
    assert!(text(&garbage).contains("nothing was changed"), "{}", text(&garbage));

    let ca = dir.path().join("backend-tls/ca.pem");
    let out = cli(dir.path(), &format!("configure terminal\n{}commit\n", paste("activesync import backend-ca", &ca)));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("1 certificate(s) imported"), "{}", text(&out));
    let running = text(&cli(dir.path(), "show running-config"));
    assert!(
        running.contains(&format!("! activesync backend-ca: CN=backend-ca SHA-256 {}", fingerprint(&ca))),
        "{running}"
    );

    // Back-end settings apply at reload: posternd starts again from the committed state.
    drop(daemon);
    let (_daemon, port) = proxy(dir.path(), &[]);
    let (status, _) = activesync(dir.path(), port, ALLOWED_QUERY);
    assert!(status.contains(" 200"), "with the pasted CA the back end is reached: {status}");
    assert!(backend_log(dir.path()).contains("Cmd=Sync"), "{}", backend_log(dir.path()));
}

/// A CONNECT tunnel as `device` to the back end on `backend_port`: the status the proxy
/// gave (`000` when the handshake was refused).
fn tunnel_as(dir: &Path, port: u16, device: &str, backend_port: u16) -> String {
    let out = Command::new("curl")
        .args(["-s", "--max-time", "10", "--proxy", &format!("https://127.0.0.1:{port}"), "--proxy-cacert"])
        .arg(dir.join("cert.pem"))
        .arg("--proxy-cert")
        .arg(dir.join(format!("{device}.pem")))
        .arg("--proxy-key")
        .arg(dir.join(format!("{device}-key.pem")))
        .args([
            "-p",
            "-X",
            "POST",
            "--data",
            "x",
            "--proxy-header",
            "X-Postern-App: com.example.crm",
            "-o",
            "/dev/null",
            "-w",
            "%{http_connect}",
        ])
        .arg(format!("http://127.0.0.1:{backend_port}/tunnelled"))
        .output()
        .expect("curl");
    text(&out).trim().to_owned()
}

#[test]
fn a_pasted_client_ca_decides_which_device_certificates_open_tunnels() {
    let dir = tempfile::tempdir().expect("dir");
    certificate(dir.path());
    let back = common::proxy::backend(dir.path());
    let (old, new) = (dir.path().join("old"), dir.path().join("new"));
    for pki in [&old, &new] {
        std::fs::create_dir(pki).expect("dir");
    }
    device_pki(&old, &[]);
    device_pki(&new, &["uem-0001"]);
    for file in ["uem-0001.pem", "uem-0001-key.pem"] {
        std::fs::copy(new.join(file), dir.path().join(file)).expect("device certificate");
    }
    std::fs::copy(old.join("device-ca.pem"), dir.path().join("device-ca.pem")).expect("old ca");
    write_config(dir.path(), back.port, &apptunnel_section(dir.path(), back.port));
    let (daemon, _) = proxy(dir.path(), &["--apptunnel-listen", "127.0.0.1:0"]);
    let mut daemon = daemon;
    let tunnel_port = port_from(&daemon.line_with("AppTunnel listening"));
    assert_eq!(
        tunnel_as(dir.path(), tunnel_port, "uem-0001", back.port),
        "000",
        "a device of another authority is refused at the handshake"
    );

    let out = cli(
        dir.path(),
        &format!("configure terminal\n{}commit\n", paste("apptunnel import client-ca", &new.join("device-ca.pem"))),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let running = text(&cli(dir.path(), "show running-config"));
    assert!(
        running.contains(&format!(
            "! apptunnel client-ca: CN=device-ca SHA-256 {}",
            fingerprint(&new.join("device-ca.pem"))
        )),
        "{running}"
    );

    drop(daemon);
    let (mut daemon, _) = proxy(dir.path(), &["--apptunnel-listen", "127.0.0.1:0"]);
    let tunnel_port = port_from(&daemon.line_with("AppTunnel listening"));
    assert_eq!(
        tunnel_as(dir.path(), tunnel_port, "uem-0001", back.port),
        "200",
        "the pasted authority's device gets through"
    );
    assert!(backend_log(dir.path()).contains("/tunnelled"));
}

#[test]
fn uem_credentials_and_ca_are_pasted_stored_privately_and_never_shown() {
    let dir = tempfile::tempdir().expect("dir");
    certificate(dir.path());
    write_config(dir.path(), 9, "");
    let _daemon = proxy(dir.path(), &[]);
    let refused = cli(dir.path(), "configure terminal\nuem\nimport credentials\ntok-secret-123\nquit\n");
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(text(&refused).contains("credentials apply to connector postern-api only"), "{}", text(&refused));

    let script = format!(
        "configure terminal\nuem\nconnector postern-api https://127.0.0.1:9\n{}import credentials\ntok-secret-123\nquit\nexit\ncommit\n",
        paste("import ca", &dir.path().join("cert.pem"))
    );
    let out = cli(dir.path(), &script);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let running = text(&cli(dir.path(), "show running-config"));
    assert!(
        running.contains(&format!("! uem ca: CN=localhost SHA-256 {}", fingerprint(&dir.path().join("cert.pem")))),
        "{running}"
    );
    assert!(running.contains("! uem credentials: installed"), "{running}");
    assert!(!running.contains("tok-secret-123"), "a secret is never shown: {running}");
    let stored: Vec<_> = std::fs::read_dir(dir.path().join("state/tls/imported"))
        .expect("imports")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".secret"))
        .collect();
    assert_eq!(stored.len(), 1);
    assert_eq!(std::fs::read_to_string(stored[0].path()).expect("secret"), "tok-secret-123\n");
    assert_eq!(stored[0].metadata().expect("meta").permissions().mode() & 0o777, 0o600);
}
