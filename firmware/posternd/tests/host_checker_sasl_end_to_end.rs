//! SASL PLAIN on the Host Checker's PT-TLS listener, end to end with the real posternd
//! and the real `postern-posture`: with `sasl mode = "optional"` a collector without a
//! certificate authenticates with a password (from a file or the environment) and its
//! session is the user's alone; a wrong password is refused with a SASL failure and
//! logged without the password; a device certificate is not asked for a password. With
//! `required`, a certificate alone is not enough. With SASL off, none is offered and a
//! client without a certificate is refused. `show host-checker sessions` says how each
//! session authenticated. `openssl s_client`, speaking PT-TLS by hand in strongSwan's
//! layout, meets the bounded attempts and the refusal of a batch before authentication.

mod common;

use common::posture::{
    contains, fixtures, lines_of, next_access, posture_binary, s_client, server_pki, start_on_any_port,
};
use common::proxy::{apptunnel_section, device_pki, write_config};
use common::{cli, text};
use std::path::Path;
use std::process::{Command, Output, Stdio};

const PASSWORD: &str = "correct-horse-7";

fn config(dir: &Path, mode: &str) {
    let hash = postern_config::hash_password(PASSWORD).expect("hashes");
    let sasl = format!(
        "\n[host_checker.sasl]\nmode = \"{mode}\"\n\n[[host_checker.sasl.users]]\nname = \"alice\"\npassword_hash = \"{hash}\"\n"
    );
    let policy = "\n[host_checker]\nenabled = true\n\n[[host_checker.policies]]\nname = \"debian-baseline\"\n\
                  platforms = [\"linux:debian\"]\nforbidden = [\"telnetd\"]\n";
    write_config(dir, 9, &format!("{}{policy}{sasl}", apptunnel_section(dir, 9)));
}

/// `postern-posture` on the compliant image, with the device certificate of `device`
/// (if any) and `extra` options; `password_env` sets POSTERN_SASL_PASSWORD.
fn collector(dir: &Path, port: u16, device: Option<&str>, extra: &[&str], password_env: Option<&str>) -> Command {
    let fixture = fixtures("compliant");
    let mut command = Command::new(posture_binary());
    command.args(["--server", &format!("127.0.0.1:{port}"), "--server-name", "localhost"]);
    command.arg("--ca").arg(dir.join("server-ca.pem"));
    if let Some(device) = device {
        command.arg("--cert").arg(dir.join(format!("{device}.pem")));
        command.arg("--key").arg(dir.join(format!("{device}-key.pem")));
    }
    for (flag, file) in [
        ("--os-release", "os-release"),
        ("--dpkg-status", "status"),
        ("--kernel-release", "osrelease"),
        ("--ip-forward", "ip_forward"),
    ] {
        command.arg(flag).arg(fixture.join(file));
    }
    command.args(extra).env_remove("POSTERN_SASL_PASSWORD");
    if let Some(password) = password_env {
        command.env("POSTERN_SASL_PASSWORD", password);
    }
    command
}

fn run(mut command: Command) -> (Option<i32>, String) {
    let out: Output = command.output().expect("postern-posture runs");
    (out.status.code(), text(&out))
}

#[test]
fn optional_sasl_authenticates_a_collector_without_a_certificate_and_refuses_a_wrong_password() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    server_pki(dir);
    device_pki(dir, &["dev-cert"]);
    config(dir, "optional");
    let (mut daemon, port) = start_on_any_port(dir, &[]);
    let password_file = dir.join("sasl-password");
    std::fs::write(&password_file, format!("{PASSWORD}\n")).expect("password file");
    let file_arg = password_file.to_str().expect("utf-8 path");

    // No certificate, the right password from a file.
    let (code, out) =
        run(collector(dir, port, None, &["--sasl-user", "alice", "--sasl-password-file", file_arg], None));
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("authenticated as SASL user alice") && out.contains("Access: allowed"), "{out}");
    daemon.wait_for("Host Checker SASL PLAIN authenticated");
    daemon.wait_for("host check decided device=sasl:alice");
    // A user-only session records nothing a device's access could follow.
    let results = text(&cli(dir, "show host-checker results"));
    assert!(!results.contains("alice"), "{results}");

    // A wrong password from the environment: a SASL failure, logged without the password.
    let (code, out) = run(collector(dir, port, None, &["--sasl-user", "alice"], Some("wrong-password-9")));
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("refused SASL PLAIN for user alice"), "{out}");
    let refused = daemon.wait_for("Host Checker SASL PLAIN refused");
    assert!(refused.contains("user=alice") && refused.contains("attempt=1"), "{refused}");
    assert!(!daemon.logged("wrong-password-9") && !daemon.logged(PASSWORD), "no password in the log");

    // No certificate and no SASL user: told that the verifier requires SASL.
    // (clap refuses it: --cert is required unless --sasl-user is given.)
    let (code, out) = run(collector(dir, port, None, &[], None));
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("--cert"), "{out}");

    // A device certificate is enough in optional mode: no password is asked for.
    let (code, out) = run(collector(dir, port, Some("dev-cert"), &["--sasl-user", "alice"], Some(PASSWORD)));
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("the verifier offered no SASL"), "{out}");

    // The session table says how an open session authenticated.
    let mut held = collector(dir, port, None, &["--sasl-user", "alice", "--keep-open"], Some(PASSWORD));
    let mut child = held.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("collector runs");
    let lines = lines_of(&mut child);
    assert_eq!(next_access(&lines), "Access: allowed");
    let sessions = text(&cli(dir, "show host-checker sessions"));
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        sessions.lines().any(|l| l.starts_with("sasl:alice") && l.trim_end().ends_with("sasl:alice")),
        "{sessions}"
    );

    // Accounts apply at commit: bob is added and alice removed.
    let commit = text(&cli(
        dir,
        "configure terminal ; host-checker sasl-user bob password Bobs-pass-2 ; no host-checker sasl-user alice ; commit",
    ));
    assert!(commit.contains("Committed revision"), "{commit}");
    daemon.wait_for("Host Checker policies changed by a commit");
    let (code, out) = run(collector(dir, port, None, &["--sasl-user", "bob"], Some("Bobs-pass-2")));
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = run(collector(dir, port, None, &["--sasl-user", "alice"], Some(PASSWORD)));
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("refused SASL PLAIN for user alice"), "{out}");
}

#[test]
fn required_sasl_needs_the_certificate_and_the_password() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    server_pki(dir);
    device_pki(dir, &["dev-both"]);
    config(dir, "required");
    let (mut daemon, port) = start_on_any_port(dir, &[]);

    // The certificate alone: the verifier asks for SASL and the collector has no user.
    let (code, out) = run(collector(dir, port, Some("dev-both"), &[], None));
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("the verifier requires SASL authentication (PLAIN)"), "{out}");

    // A password without a certificate never reaches PT-TLS.
    let (code, out) = run(collector(dir, port, None, &["--sasl-user", "alice"], Some(PASSWORD)));
    assert_eq!(code, Some(1), "{out}");
    assert!(!out.contains("Access:"), "{out}");

    // Both: allowed, recorded for the device, and the session shows both.
    let mut held = collector(dir, port, Some("dev-both"), &["--sasl-user", "alice", "--keep-open"], Some(PASSWORD));
    let mut child = held.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("collector runs");
    let lines = lines_of(&mut child);
    assert_eq!(next_access(&lines), "Access: allowed");
    let sessions = text(&cli(dir, "show host-checker sessions"));
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        sessions.lines().any(|l| l.starts_with("dev-both") && l.trim_end().ends_with("certificate+sasl:alice")),
        "{sessions}"
    );
    daemon.wait_for("host check decided device=dev-both");
    let results = text(&cli(dir, "show host-checker results dev-both"));
    assert!(results.contains("compliant"), "{results}");
}

#[test]
fn with_sasl_off_none_is_offered_and_a_certificate_is_required_until_a_commit_takes_a_new_mode() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    server_pki(dir);
    device_pki(dir, &["dev-off"]);
    config(dir, "off");
    let (mut daemon, port) = start_on_any_port(dir, &[]);
    let (code, out) = run(collector(dir, port, Some("dev-off"), &["--sasl-user", "alice"], Some(PASSWORD)));
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("the verifier offered no SASL; the device certificate alone authenticated"), "{out}");
    let (code, out) = run(collector(dir, port, None, &["--sasl-user", "alice"], Some(PASSWORD)));
    assert_eq!(code, Some(1), "{out}");
    assert!(!out.contains("Access:"), "{out}");

    // The mode applies at commit: the next handshake lets a client without a
    // certificate through, and its password is taken.
    let commit = text(&cli(dir, "configure terminal ; host-checker sasl-mode optional ; commit"));
    assert!(!commit.contains("Applies at the next"), "{commit}");
    daemon.wait_for("Host Checker SASL mode changed by a commit");
    let (code, out) = run(collector(dir, port, None, &["--sasl-user", "alice"], Some(PASSWORD)));
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("authenticated as SASL user alice"), "{out}");
    let pending = text(&cli(dir, "show configuration pending-reload"));
    assert!(!pending.contains("sasl-mode"), "{pending}");
}

/// One PT-TLS message: IETF vendor, `kind`, identifier `id`, `value`.
fn pt_tls(kind: u8, id: u8, value: &[u8]) -> Vec<u8> {
    let len = u8::try_from(16 + value.len()).expect("short message");
    [&[0, 0, 0, 0, 0, 0, 0, kind, 0, 0, 0, len, 0, 0, 0, id][..], value].concat()
}

#[test]
fn attempts_are_bounded_and_no_batch_passes_before_authentication_over_a_real_socket() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    server_pki(dir);
    device_pki(dir, &[]);
    config(dir, "optional");
    let (mut daemon, port) = start_on_any_port(dir, &[]);
    let version_request = pt_tls(1, 0, &[0, 1, 1, 1]);
    // strongSwan's Mechanism Selection: "PLAIN", then "" NUL "alice" NUL password.
    let wrong = pt_tls(4, 1, &[&[5][..], b"PLAIN", b"\0alice\0guess-1"].concat());
    let offer = pt_tls(3, 1, &[&[5][..], b"PLAIN"].concat());
    let input = [version_request.clone(), wrong.clone(), wrong.clone(), wrong].concat();
    let out = s_client(dir, port, &["-tls1_3"], &input);
    let shown = String::from_utf8_lossy(&out);
    assert!(contains(&out, &offer), "the PLAIN offer: {shown}");
    let failure = pt_tls(6, 2, &[0, 1]);
    assert!(contains(&out, &failure), "a SASL failure result: {shown}");
    let abort = pt_tls(6, 6, &[0, 2]);
    assert!(contains(&out, &abort), "an abort after the third: {shown}");
    // PT-TLS Error 3 (SASL Mechanism Error) quoting the failed selection's header.
    let error_head = [0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 40, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 3];
    assert!(contains(&out, &error_head), "a PT-TLS error: {shown}");
    let line = daemon.wait_for("SASL authentication failed 3 time(s)");
    assert!(line.contains("host check failed"), "{line}");
    assert!(!daemon.logged("guess-1"), "no password in the log");

    // A PB-TNC batch instead of SASL: PT-TLS Error 4 (Invalid Message), no assessment.
    let batch = pt_tls(7, 1, &[2, 0, 0, 1, 0, 0, 0, 8]);
    let out = s_client(dir, port, &["-tls1_2"], &[version_request, batch].concat());
    let invalid = [0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 40, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 4];
    assert!(contains(&out, &invalid), "{}", String::from_utf8_lossy(&out));
    daemon.wait_for("message not allowed in state Sasl");
}
