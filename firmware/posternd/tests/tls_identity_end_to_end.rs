//! The gateway's own TLS identity (F6): with no certificate configured each gateway makes
//! its own on first boot and keeps it; an operator pastes a certificate and key through the
//! CLI and the proxy serves them at once; a key that does not match is refused and the
//! certificate served does not change. Fingerprints are read with openssl.

mod common;

use common::proxy::{certificate, port_from};
use common::{Daemon, cli, text};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

/// The demo configuration, with a back end and no `[tls]` certificate.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = postern_config::DEMO_TOML.replace("https://mail.example.com", "http://127.0.0.1:9");
    assert!(!config.contains("certificate_file"), "the test needs a configuration without a certificate");
    std::fs::write(dir.path().join("initial.toml"), config).expect("config");
    dir
}

/// posternd with the ActiveSync proxy on an ephemeral port; and that port.
fn gateway(dir: &Path) -> (Daemon, u16) {
    let mut daemon = Daemon::start(dir, &["--listen", "127.0.0.1:0"]);
    let port = port_from(&daemon.line_with("ActiveSync proxy listening"));
    (daemon, port)
}

/// The last `=`-separated field of openssl's `sha256 Fingerprint=AB:CD:…` line.
fn fingerprint_field(output: &str) -> String {
    output.lines().find_map(|l| l.split_once("Fingerprint=")).map(|(_, f)| f.trim().to_owned()).unwrap_or_default()
}

/// The SHA-256 fingerprint of the certificate the proxy on `port` presents.
fn served(port: u16) -> String {
    let script = format!(
        "timeout 15 openssl s_client -connect 127.0.0.1:{port} </dev/null 2>/dev/null | openssl x509 -fingerprint -sha256 -noout"
    );
    let out = Command::new("sh").arg("-c").arg(script).output().expect("openssl runs");
    let fingerprint = fingerprint_field(&text(&out));
    assert!(!fingerprint.is_empty(), "no certificate served: {}", text(&out));
    fingerprint
}

/// The SHA-256 fingerprint of a PEM certificate file.
fn of_file(path: &Path) -> String {
    let out = Command::new("openssl")
        .args(["x509", "-fingerprint", "-sha256", "-noout", "-in"])
        .arg(path)
        .output()
        .expect("openssl runs");
    fingerprint_field(&text(&out))
}

/// A CLI script that pastes `pem` after `command`.
fn paste(command: &str, pem: &Path) -> String {
    format!("{command}\n{}quit\n", std::fs::read_to_string(pem).expect("pem"))
}

#[test]
fn each_gateway_makes_its_own_identity_and_keeps_it_across_a_restart() {
    let first = setup();
    let second = setup();
    let (mut daemon, port) = gateway(first.path());
    let made = served(port);
    let logged = daemon.line_with("self-made TLS identity");
    assert!(logged.contains(&made) && logged.contains("created=true"), "{logged}");
    let key = first.path().join("state/tls/self/self.key");
    assert_eq!(std::fs::metadata(&key).expect("self-made key").permissions().mode() & 0o777, 0o600);
    let shown = text(&cli(first.path(), "show tls"));
    assert!(shown.contains("self-made") && shown.contains(&made) && shown.contains("CN=postern"), "{shown}");
    assert!(shown.contains("DNS:postern") && shown.contains("Not after:"), "{shown}");

    let (_other, other_port) = gateway(second.path());
    assert_ne!(served(other_port), made, "two gateways must not share a key");

    drop(daemon);
    let (mut again, port) = gateway(first.path());
    assert_eq!(served(port), made, "a restart keeps the identity");
    assert!(again.line_with("self-made TLS identity").contains("created=false"));
}

#[test]
fn a_pasted_certificate_is_served_at_once_and_a_mismatched_key_is_refused() {
    let dir = setup();
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    for pki in [&one, &two] {
        std::fs::create_dir(pki).expect("dir");
        certificate(pki);
    }
    let (_daemon, port) = gateway(dir.path());
    let self_made = served(port);

    let garbage = cli(dir.path(), "configure terminal\ntls import certificate\nnot a certificate\nquit\n");
    assert_eq!(garbage.status.code(), Some(1), "{}", text(&garbage));
    assert!(
        text(&garbage).contains("no -----BEGIN CERTIFICATE----- block found; nothing was changed"),
        "{}",
        text(&garbage)
    );

    let script = format!(
        "configure terminal\n{}{}commit\n",
        paste("tls import certificate", &one.join("cert.pem")),
        paste("tls import key", &one.join("key.pem"))
    );
    let out = cli(dir.path(), &script);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let installed = of_file(&one.join("cert.pem"));
    assert_ne!(installed, self_made);
    assert_eq!(served(port), installed, "served at once, without a restart");
    let shown = text(&cli(dir.path(), "show tls"));
    assert!(shown.contains("installed") && shown.contains(&installed) && shown.contains("CN=localhost"), "{shown}");
    let running = text(&cli(dir.path(), "show running-config"));
    assert!(running.contains(&installed), "{running}");
    assert!(!running.contains("PRIVATE KEY"), "{running}");

    // The other certificate with the installed key: refused at the paste...
    let script = format!(
        "configure terminal\n{}{}commit\n",
        paste("tls import certificate", &two.join("cert.pem")),
        paste("tls import key", &one.join("key.pem"))
    );
    let out = cli(dir.path(), &script);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("the private key does not match the certificate"), "{}", text(&out));
    assert!(text(&out).contains("nothing was changed"), "{}", text(&out));
    // ... and at the commit, when only the certificate changes.
    let out = cli(
        dir.path(),
        &format!("configure terminal\n{}commit\n", paste("tls import certificate", &two.join("cert.pem"))),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("tls: the private key does not match the certificate")
            && text(&out).contains("nothing was committed"),
        "{}",
        text(&out)
    );
    assert_eq!(served(port), installed, "the installed certificate is still served");

    // Back to the self-made identity.
    let out = cli(dir.path(), "configure terminal ; no tls certificate ; no tls key ; commit");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(served(port), self_made);
}
