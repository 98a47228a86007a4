//! Session revocation (A5) end to end with real processes: the reference portal holds two
//! pairings through posternd's federation listener, `mail` (a pysaml2 SP with a Single
//! Logout service, revocation by Entra ID's Graph, played by a stand-in) and `crm` (a
//! second pysaml2 SP, no SLO, no revocation call); a pysaml2 IdP signs everyone in. Two
//! compliant devices sign in through the scripted browser; when the reference UEM calls
//! the first non-compliant, its SP session ends by Single Logout, Graph gets exactly one
//! `revokeSignInSessions` for its user with the token the stand-in issued, both within
//! 5 s of the cut, the portal holds the `revoked` reports, the second device's session
//! stays, and the session record survives a restart of posternd.

mod common;

use common::federation::tenant_portal;
use common::proxy::device_pki;
use common::saml::{Scripts, browse, curl, rsa_signing, spawn_script, web_pki};
use common::uem::{activesync, setup, wait_cache};
use common::{DEADLINE, Daemon, cli, free_configured_port, text};
use std::path::Path;
use std::time::{Duration, Instant};

const TENANT_ID: &str = "7f4b2c1e-entra-tenant";
const CLIENT_ID: &str = "postern-revoker";

/// Polls `show accs SUB` until it contains `needle`; returns what it showed.
fn wait_show(dir: &Path, command: &str, needle: &str) -> String {
    let start = Instant::now();
    loop {
        let shown = text(&cli(dir, command));
        if shown.contains(needle) {
            return shown;
        }
        assert!(start.elapsed() < DEADLINE, "{command} never showed {needle:?}; last:\n{shown}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn fetch(dir: &Path, url: &str, file: &str) {
    let (status, body) = curl(dir, url, &[]);
    assert_eq!(status, 200, "{url}: {body}");
    std::fs::write(dir.join(file), body).expect("metadata file");
}

/// Signs in to the SP on `port` with `device`; returns the SP's session cookie.
fn sign_in(dir: &Path, port: u16, device: &str) -> String {
    let (status, page) = browse(dir, &format!("https://127.0.0.1:{port}/login"), Some(device));
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("signed in as alice@example.com relay /inbox"), "{page}");
    page.rsplit("session ").next().expect("a session").trim().to_owned()
}

/// The status of the SP's protected page with `cookie`.
fn protected(dir: &Path, port: u16, cookie: &str) -> u16 {
    let cookie = format!("sp_session={cookie}");
    curl(dir, &format!("https://127.0.0.1:{port}/protected"), &["-b", &cookie]).0
}

fn graph_calls(dir: &Path, port: u16) -> Vec<serde_json::Value> {
    let (status, body) = curl(dir, &format!("https://127.0.0.1:{port}/calls"), &[]);
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("JSON")
}

fn of_kind<'a>(calls: &'a [serde_json::Value], kind: &str) -> Vec<&'a serde_json::Value> {
    calls.iter().filter(|c| c["kind"] == kind).collect()
}

#[test]
#[allow(clippy::too_many_lines, reason = "one story, told in order")]
fn a_device_turning_non_compliant_loses_its_sessions_within_seconds() {
    let (tmp, uem) = setup();
    let dir = tmp.path();
    device_pki(dir, &["uem-0001", "uem-0002"]);
    web_pki(dir, &["postern-tls", "sp-tls", "crm-tls", "idp-tls", "graph-tls"]);
    for name in ["sp", "crm", "idp", "postern-signing"] {
        rsa_signing(dir, name);
    }
    let (idp_md, sp_md) = (dir.join("postern-idp.xml"), dir.join("postern-sp.xml"));
    let mut scripts = Scripts(Vec::new());
    let key = |name: &str| dir.join(format!("{name}.key"));
    let pem = |name: &str| dir.join(format!("{name}.pem"));
    let sp = spawn_script(&mut scripts, dir, "sp.py", "sp", &[&key("sp"), &pem("sp"), &idp_md]);
    let crm = spawn_script(&mut scripts, dir, "sp.py", "crm", &[&key("crm"), &pem("crm"), &idp_md]);
    let idp = spawn_script(&mut scripts, dir, "idp.py", "idp", &[&key("idp"), &pem("idp"), &sp_md]);
    std::fs::write(dir.join("entra-secret"), "s3cret-value\n").expect("secret");
    let secret = dir.join("entra-secret");
    let graph =
        spawn_script(&mut scripts, dir, "graph.py", "graph", &[Path::new(TENANT_ID), Path::new(CLIENT_ID), &secret]);

    let portal = tenant_portal(dir);
    let path = |name: &str| dir.join(name).display().to_string();
    let graph_url = format!("https://127.0.0.1:{graph}");
    for (name, port, keys, revocation) in [("mail", sp, "sp", true), ("crm", crm, "crm", false)] {
        let (sp_id, acs, slo) = (
            format!("https://127.0.0.1:{port}/metadata"),
            format!("https://127.0.0.1:{port}/acs"),
            format!("https://127.0.0.1:{port}/slo"),
        );
        let (idp_id, sso) = (format!("https://127.0.0.1:{idp}/metadata"), format!("https://127.0.0.1:{idp}/sso"));
        let mut args = vec![
            "pairing",
            "acme",
            name,
            "--sp-entity-id",
            &sp_id,
            "--acs-url",
            &acs,
            "--sp-cert",
            dir.join(format!("{keys}.pem")).to_str().expect("utf8"),
            "--idp-entity-id",
            &idp_id,
            "--sso-url",
            &sso,
            "--idp-cert",
            dir.join("idp.pem").to_str().expect("utf8"),
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
        if revocation {
            args.extend(
                [
                    "--slo-url",
                    &slo,
                    "--revocation",
                    "entra-graph",
                    "--entra-tenant-id",
                    TENANT_ID,
                    "--entra-client-id",
                    CLIENT_ID,
                    "--entra-client-secret-file",
                    &path("entra-secret"),
                    "--graph-url",
                    &graph_url,
                    "--login-url",
                    &graph_url,
                ]
                .map(str::to_owned),
            );
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        portal.admin(&args);
    }
    portal.admin(&["rule", "acme", "compliant", "--action", "allow", "--posture", "compliant"]);

    let port = free_configured_port();
    let base = format!("https://127.0.0.1:{port}");
    let mut config = std::fs::read_to_string(dir.join("initial.toml")).expect("UEM configuration");
    config.push_str(&format!(
        "\n[apptunnel]\nclient_ca_file = \"{}\"\n\n[accs]\nportal_url = \"https://127.0.0.1:{}\"\nca_file = \"{}\"\ntoken_file = \"{}\"\nfederation_listen = \"127.0.0.1:{port}\"\nfederation_url = \"{base}\"\nrevocation_ca_file = \"{}\"\n",
        path("device-ca.pem"),
        portal.port,
        path("portal-certs/ca.pem"),
        path("portal-token"),
        path("web-ca.pem"),
    ));
    std::fs::write(dir.join("initial.toml"), config).expect("configuration");

    let mut daemon = Daemon::start(dir, &[]);
    wait_show(dir, "show accs", "Federation: serving on");
    let running = text(&cli(dir, "show running-config"));
    assert!(running.contains(&format!("accs federation revocation-ca-file {}", path("web-ca.pem"))), "{running}");
    fetch(dir, &format!("{base}/saml/idp/metadata"), "postern-idp.xml");
    fetch(dir, &format!("{base}/saml/sp/metadata"), "postern-sp.xml");

    // Two compliant devices, known to the device cache through ActiveSync.
    assert!(activesync(dir, "ALICE0001", "alice%40example.com").contains("allow reason=uem-compliant"));
    assert!(activesync(dir, "BOB0002", "bob%40example.com").contains("allow reason=uem-compliant"));
    wait_cache(dir, "ALICE0001", "allowed");
    wait_cache(dir, "BOB0002", "allowed");

    // uem-0001 signs in to both cloud services, uem-0002 to mail.
    let first_mail = sign_in(dir, sp, "uem-0001");
    let first_crm = sign_in(dir, crm, "uem-0001");
    let second_mail = sign_in(dir, sp, "uem-0002");
    for (port, cookie) in [(sp, &first_mail), (crm, &first_crm), (sp, &second_mail)] {
        assert_eq!(protected(dir, port, cookie), 200, "signed in at {port}");
    }
    let shown = wait_show(dir, "show accs sessions", "Federation sessions: 3 live");
    assert!(shown.contains("mail  device uem-0001") && shown.contains("crm  device uem-0001"), "{shown}");
    assert!(shown.contains("mail  device uem-0002"), "{shown}");
    assert!(of_kind(&graph_calls(dir, graph), "revoke").is_empty(), "no revocation before the change");

    // The UEM calls uem-0001 non-compliant; posternd learns it at its next check-in and cuts.
    uem.admin(&["status", "uem-0001", "noncompliant", "--action", "block"]);
    daemon.wait_for("cutting live connections");
    let cut = Instant::now();
    let (gone, revoked) = loop {
        let gone = protected(dir, sp, &first_mail) == 401;
        let revoked = !of_kind(&graph_calls(dir, graph), "revoke").is_empty();
        if gone && revoked {
            break (cut.elapsed(), cut.elapsed());
        }
        assert!(
            cut.elapsed() < Duration::from_secs(5),
            "not revoked within 5 s (SP session gone: {gone}, Graph called: {revoked})"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    println!("SP session ended and Graph called within {} ms of the cut being logged", gone.max(revoked).as_millis());

    // Graph: one token by client credentials, one revocation of the right user with it.
    let calls = graph_calls(dir, graph);
    let tokens = of_kind(&calls, "token");
    let revokes = of_kind(&calls, "revoke");
    assert_eq!(revokes.len(), 1, "exactly one revokeSignInSessions (crm has none): {calls:?}");
    assert_eq!(revokes[0]["user"], "alice@example.com", "{calls:?}");
    assert_eq!(revokes[0]["valid"], true, "{calls:?}");
    let issued: Vec<&serde_json::Value> = tokens.iter().map(|t| &t["token"]).collect();
    assert!(issued.contains(&&revokes[0]["token"]), "the token the stand-in issued: {calls:?}");
    assert_eq!(tokens[0]["client_id"], CLIENT_ID, "{calls:?}");
    assert_eq!(tokens[0]["scope"], format!("{graph_url}/.default"), "{calls:?}");

    // The other sessions stay: the second device's at mail, and crm's (no Single Logout there).
    assert_eq!(protected(dir, sp, &second_mail), 200, "the second device's session is untouched");
    assert_eq!(protected(dir, crm, &first_crm), 200, "crm has no Single Logout service");

    // Logged with fields, within the bound, for both pairings.
    for _ in 0..2 {
        let line = daemon.wait_for("postern_appliance::revocation: sessions revoked");
        let ms: u64 = line
            .split("since_cut_ms=")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("since_cut_ms in {line}"));
        assert!(ms < 5_000, "{line}");
        assert!(line.contains("device=uem-0001"), "{line}");
    }

    // The portal holds a `revoked` report per pairing (A7).
    let start = Instant::now();
    let revoked: Vec<serde_json::Value> = loop {
        let listed = portal.admin(&["sign-ins", "acme"]);
        let revoked: Vec<serde_json::Value> = listed
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON")["sign_in"].clone())
            .filter(|s| s["result"] == "revoked")
            .collect();
        if revoked.len() >= 2 {
            break revoked;
        }
        assert!(start.elapsed() < DEADLINE, "the portal holds only {listed}");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(revoked.len(), 2, "{revoked:?}");
    let report = |pairing: &str| revoked.iter().find(|r| r["pairing"] == pairing).expect("a report").clone();
    let (mail, crm_report) = (report("mail"), report("crm"));
    assert_eq!(mail["device"], "uem-0001");
    let reason = mail["reason"].as_str().expect("a reason");
    assert!(reason.contains("Single Logout 1/1: ok"), "{reason}");
    assert!(reason.contains("entra-graph revokeSignInSessions alice@example.com: ok"), "{reason}");
    let reason = crm_report["reason"].as_str().expect("a reason");
    assert!(reason.contains("revocation call: none configured") && reason.contains("the SP has none"), "{reason}");

    let shown = text(&cli(dir, "show accs sessions"));
    assert!(shown.contains("Federation sessions: 1 live") && shown.contains("mail  device uem-0002"), "{shown}");
    assert!(shown.contains("Revocations since start (newest first)") && shown.contains("uem-0001  mail"), "{shown}");

    // The session record outlives a restart of posternd.
    std::thread::sleep(Duration::from_millis(1500));
    drop(daemon);
    let _daemon = Daemon::start(dir, &[]);
    let shown = wait_show(dir, "show accs sessions", "Federation sessions: 1 live");
    assert!(shown.contains("mail  device uem-0002"), "{shown}");
}
