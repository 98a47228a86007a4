//! A real third-party ActiveSync client (pyactivesync, pinned in
//! `activesync/requirements.txt`) through posternd to a WBXML back end
//! (`activesync/backend.py`): an allowed device provisions twice (the second Provision
//! carries `PolicyKey` in the query), lists folders, syncs, holds a long Ping and
//! provisions again (its old key in the header beside the new one in the query); a blocked
//! device is refused at its first request and the back end never sees it. The base64 query
//! form and unlisted query parameters reach the back end exactly as sent.

mod common;

use common::proxy::{Backend, certificate, port_from, spawn_backend, write_config};
use common::{Daemon, text};
use std::path::{Path, PathBuf};
use std::process::Command;

const ALICE: (&str, &str, &str) = ("alice@example.com", "ApplA1B2C3D4E5F6", "iPhone");
const BOB: (&str, &str, &str) = ("bob@example.com", "SEC1B0B0B0B0B0B0", "Android");

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/activesync")
}

/// Installs the pinned client library unless Python already has it.
fn ensure_client_library() {
    let have = Command::new("python3").args(["-c", "import pyactivesync"]).status().expect("python3 runs");
    if have.success() {
        return;
    }
    let out = Command::new("python3")
        .args(["-m", "pip", "install", "-q", "--break-system-packages", "-r"])
        .arg(scripts().join("requirements.txt"))
        .output()
        .expect("pip runs");
    assert!(out.status.success(), "installing the ActiveSync client library failed: {}", text(&out));
}

/// The WBXML back end, logging `METHOD TARGET` lines to `dir/eas-backend.log`.
fn backend(dir: &Path) -> Backend {
    let mut command = Command::new("python3");
    command.arg(scripts().join("backend.py")).arg(dir.join("eas-backend.log"));
    spawn_backend(command)
}

/// What the back end was sent: one `METHOD TARGET` line per request.
fn backend_log(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("eas-backend.log")).unwrap_or_default()
}

/// Runs the client driver as `(user, device id, device type)`; returns (exit code, output).
fn run_client(dir: &Path, port: u16, (user, device, kind): (&str, &str, &str)) -> (i32, String) {
    let out = Command::new("python3")
        .arg(scripts().join("client.py"))
        .arg(format!("127.0.0.1:{port}"))
        .arg(dir.join("cert.pem"))
        .args([user, device, kind])
        // requests lets these override the session's CA file; point them at it too.
        .env("REQUESTS_CA_BUNDLE", dir.join("cert.pem"))
        .env_remove("CURL_CA_BUNDLE")
        .output()
        .expect("python3 runs");
    (out.status.code().unwrap_or(-1), text(&out))
}

/// A POST with curl; returns the status line and body.
fn curl_post(dir: &Path, port: u16, query: &str) -> String {
    let out = Command::new("curl")
        .args(["-s", "-i", "-X", "POST", "--data", "x", "-H", "MS-ASProtocolVersion: 16.1", "--cacert"])
        .arg(dir.join("cert.pem"))
        .arg(format!("https://127.0.0.1:{port}/Microsoft-Server-ActiveSync?{query}"))
        .output()
        .expect("curl runs");
    text(&out)
}

/// MS-ASHTTP's base64 query for a Sync by alice's phone: version 16.1, command 0, locale
/// 0x0409, the device id as text, no policy key, the device type, and User (tag 8).
fn base64_sync_query() -> String {
    let (user, device, kind) = ALICE;
    let mut bytes = vec![161, 0, 0x09, 0x04, device.len() as u8];
    bytes.extend(device.as_bytes());
    bytes.push(0);
    bytes.push(kind.len() as u8);
    bytes.extend(kind.as_bytes());
    bytes.extend([8, user.len() as u8]);
    bytes.extend(user.as_bytes());
    let out = Command::new("python3")
        .args(["-c", "import base64,sys; print(base64.b64encode(bytes.fromhex(sys.argv[1])).decode())"])
        .arg(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
        .output()
        .expect("python3 runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn a_real_client_provisions_syncs_and_pings_through_the_gateway_and_a_blocked_one_never_reaches_the_back_end() {
    ensure_client_library();
    let dir = tempfile::tempdir().expect("temp dir");
    certificate(dir.path());
    let back = backend(dir.path());
    write_config(dir.path(), back.port, "");
    let mut daemon = Daemon::start(dir.path(), &["--listen", "127.0.0.1:0"]);
    let proxy = port_from(&daemon.line_with("ActiveSync proxy listening"));

    let (code, out) = run_client(dir.path(), proxy, ALICE);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("provisioned policy-key=3942917221"), "{out}");
    assert!(out.contains("folders 5:Inbox,6:Sent Items"), "{out}");
    assert!(out.contains("synced sync-key=2 subjects=['through the gateway']"), "{out}");
    assert!(out.contains("pinged status=2 changed=['5']"), "{out}");
    let held: f64 =
        out.split("held=").nth(1).and_then(|s| s.split('s').next()).and_then(|s| s.parse().ok()).expect("held time");
    assert!(held >= 5.0, "the Ping came back before the back end answered it: {out}");
    let seen = backend_log(dir.path());
    let alice: Vec<&str> = seen.lines().filter(|l| l.contains(ALICE.1)).collect();
    let commands: Vec<&str> = alice.iter().filter_map(|l| l.split("Cmd=").nth(1)?.split('&').next()).collect();
    assert_eq!(
        commands,
        ["Provision", "Provision", "FolderSync", "Sync", "Sync", "Ping", "Provision", "Provision"],
        "{seen}"
    );
    // The second Provision's target reached the back end as the client sent it; when
    // provisioning again, beside the previous key in the header.
    assert!(alice[1].ends_with("&DeviceType=iPhone&PolicyKey=1307199584 header-key=-"), "{seen}");
    assert!(out.contains("provisioned again policy-key=3942917221"), "{out}");
    assert!(alice[7].ends_with("&DeviceType=iPhone&PolicyKey=1307199584 header-key=3942917221"), "{seen}");

    // bob's phone is blocked at the UEM: refused at the first Provision, never forwarded.
    let (code, out) = run_client(dir.path(), proxy, BOB);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("refused status=403 reason=uem-blocked"), "{out}");
    let seen = backend_log(dir.path());
    assert_eq!(seen.lines().filter(|l| l.contains(BOB.1)).count(), 0, "the back end saw a blocked device: {seen}");

    // MS-ASHTTP's base64 form still goes through, forwarded byte for byte.
    let query = base64_sync_query();
    let answer = curl_post(dir.path(), proxy, &query);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("base64 request"), "{answer}");
    assert!(
        backend_log(dir.path()).lines().any(|l| l.starts_with(&format!("POST /Microsoft-Server-ActiveSync?{query} "))),
        "{}",
        backend_log(dir.path())
    );

    // Unlisted parameters are forwarded unchanged; a smuggled or repeated identity
    // parameter, too many unlisted ones or two disagreeing policy-key headers are refused
    // before the back end.
    let plain = "Cmd=Settings&User=alice%40example.com&DeviceId=ApplA1B2C3D4E5F6&DeviceType=iPhone";
    let extra = format!("{plain}&ClientVersion=7.2&x-trace=a%20b");
    let answer = curl_post(dir.path(), proxy, &extra);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        backend_log(dir.path()).lines().any(|l| l.starts_with(&format!("POST /Microsoft-Server-ActiveSync?{extra} "))),
        "{}",
        backend_log(dir.path())
    );
    let before = backend_log(dir.path()).lines().count();
    let too_many: String = (0..9).map(|i| format!("&P{i}=v")).collect();
    for refused in [
        format!("{plain}&%44eviceId=SEC1B0B0B0B0B0B0"),
        format!("{plain}&deviceid=SEC1B0B0B0B0B0B0"),
        format!("{plain}{too_many}"),
    ] {
        let answer = curl_post(dir.path(), proxy, &refused);
        assert!(answer.starts_with("HTTP/1.1 400"), "{refused}: {answer}");
    }
    let out = Command::new("curl")
        .args([
            "-s",
            "-i",
            "-X",
            "POST",
            "--data",
            "x",
            "-H",
            "X-MS-PolicyKey: 1",
            "-H",
            "X-MS-PolicyKey: 2",
            "--cacert",
        ])
        .arg(dir.path().join("cert.pem"))
        .arg(format!("https://127.0.0.1:{proxy}/Microsoft-Server-ActiveSync?{plain}&PolicyKey=2"))
        .output()
        .expect("curl runs");
    assert!(text(&out).starts_with("HTTP/1.1 400"), "two disagreeing policy-key headers: {}", text(&out));
    assert_eq!(backend_log(dir.path()).lines().count(), before, "a refused request reached the back end");
}
