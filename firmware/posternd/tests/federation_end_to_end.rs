//! The federation proxy served by posternd from the portal's profile, end to end with real
//! processes: the reference portal (postern-portal) holds one pairing (a pysaml2 SP and a
//! pysaml2 IdP on HTTPS) and its rules; posternd fetches the profile and serves the
//! federation listener with the profile's certificates; the reference UEM (postern-uem)
//! makes one device known and compliant through an ActiveSync access. A scripted browser
//! signs in with that device's certificate (the SP accepts Postern's signed assertion) and
//! with an unknown device's (the deny page with the rule's message, 403) and, once the UEM
//! calls it non-compliant, with the first device's again (no rule allows it); every sign-in
//! leaves a record; a rule and a listener certificate changed at the portal apply without
//! a restart. Refused sign-ins (a tampered Response, an unknown ACS, garbage) reach the
//! portal as `failed` reports with their reason code, within the per-source bound.

mod common;

use common::federation::{fetch_metadata, reports_at_portal, revision_of, serve_url, wait_accs, world};
use common::saml::{SAML_SCRIPTS, browse, browse_env};
use common::uem::{activesync, wait_cache};
use common::{DEADLINE, Daemon, cli, text};
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn a_compliant_device_signs_in_an_unknown_one_is_denied_and_portal_changes_apply_at_once() {
    let world = world();
    let dir = world.dir();
    let mut daemon = Daemon::start(dir, &[]);
    let shown = wait_accs(dir, "tenant acme");
    let revision = revision_of(&shown);
    assert!(shown.contains("Federation: not served: no public URL is set (accs federation url)"), "{shown}");

    // The public URL, committed: the listener starts with the profile's certificates.
    let commit = text(&cli(dir, &format!("configure terminal ; accs federation url {} ; commit", world.base)));
    assert!(commit.contains("Committed revision"), "{commit}");
    let shown = wait_accs(dir, "Federation: serving on");
    assert!(shown.contains(&format!("as {}, profile revision {revision}, 1 pairings", world.base)), "{shown}");
    assert!(shown.contains("Device certificates: asked for"), "{shown}");
    assert!(!shown.contains("not built yet"), "{shown}");
    fetch_metadata(dir, &format!("{}/saml/idp/metadata", world.base), &dir.join("postern-idp.xml"));
    fetch_metadata(dir, &format!("{}/saml/sp/metadata", world.base), &dir.join("postern-sp.xml"));
    let idp_md = std::fs::read_to_string(dir.join("postern-idp.xml")).expect("metadata");
    assert!(idp_md.contains(&format!(r#"entityID="{}/saml/idp/metadata""#, world.base)), "{idp_md}");

    // uem-0001 becomes known to the device cache, compliant, through an ActiveSync access.
    assert!(activesync(dir, "ALICE0001", "alice%40example.com").contains("allow reason=uem-compliant"));
    wait_cache(dir, "ALICE0001", "allowed");

    let login = format!("https://127.0.0.1:{}/login", world.sp);
    let (status, page) = browse(dir, &login, Some("uem-0001"));
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("signed in as alice@example.com relay /inbox"), "the SP took Postern's assertion: {page}");
    let record = daemon.wait_for("sign-in recorded");
    for field in ["user=alice@example.com", "device=uem-0001", "pairing=mail", "rule=compliant", "result=Allowed"] {
        assert!(record.contains(field), "{field}: {record}");
    }

    let (status, page) = browse(dir, &login, Some("uem-9999"));
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("This device is not managed: enrol it in the company portal app first."), "{page}");
    let record = daemon.wait_for("sign-in recorded");
    assert!(record.contains("rule=unmanaged") && record.contains("result=Denied"), "{record}");

    // The device turns non-compliant at the UEM: managed but not compliant, no rule allows it.
    world.uem.admin(&["status", "uem-0001", "noncompliant", "--action", "block"]);
    wait_cache(dir, "ALICE0001", "blocked");
    let (status, page) = browse(dir, &login, Some("uem-0001"));
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("No access rule allows this sign-in."), "{page}");
    world.uem.admin(&["status", "uem-0001", "compliant"]);
    wait_cache(dir, "ALICE0001", "allowed");

    // A rule changed at the portal applies at the next fetch, without a restart.
    world.portal.admin(&[
        "rule",
        "acme",
        "compliant",
        "--action",
        "deny",
        "--posture",
        "compliant",
        "--message",
        "Mail is closed for maintenance until 06:00.",
    ]);
    let fetched = text(&cli(dir, "configure terminal ; accs config-fetch update"));
    let next = revision + 1;
    assert!(fetched.contains(&format!("Profile revision {next} of tenant acme applied")), "{fetched}");
    wait_accs(dir, &format!("profile revision {next}, 1 pairings"));
    let (status, page) = browse(dir, &login, Some("uem-0001"));
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("Mail is closed for maintenance until 06:00."), "{page}");

    // A new listener certificate at the portal serves the next handshake.
    let first = served_subject(dir, &world.base);
    assert!(first.contains("postern-tls") && !first.contains("postern-tls-2"), "the first certificate: {first}");
    let mut open = Command::new("openssl")
        .args(["s_client", "-ign_eof", "-connect", world.base.trim_start_matches("https://"), "-CAfile"])
        .arg(dir.join("web-ca.pem"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl s_client runs");
    let mut open_out = BufReader::new(open.stdout.take().expect("stdout"));
    let handshaken = loop {
        let mut line = String::new();
        assert!(open_out.read_line(&mut line).expect("s_client output") > 0, "s_client ended early");
        if line.starts_with("subject=") {
            break line;
        }
    };
    assert!(!handshaken.contains("postern-tls-2"), "opened with the first certificate: {handshaken}");
    let path = |name: &str| dir.join(name).display().to_string();
    world.portal.admin(&[
        "certificates",
        "acme",
        "--listener-cert",
        &path("postern-tls-2.pem"),
        "--listener-key",
        &path("postern-tls-2.key"),
        "--signing-cert",
        &path("postern-signing.pem"),
        "--signing-key",
        &path("postern-signing.key"),
    ]);
    let fetched = text(&cli(dir, "configure terminal ; accs config-fetch update"));
    assert!(fetched.contains(&format!("Profile revision {} of tenant acme applied", next + 1)), "{fetched}");
    let start = Instant::now();
    while !served_subject(dir, &world.base).contains("postern-tls-2") {
        assert!(start.elapsed() < DEADLINE, "the new certificate was never served");
        std::thread::sleep(Duration::from_millis(200));
    }
    // The connection opened with the first certificate still answers.
    let request = "GET /saml/idp/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    std::io::Write::write_all(open.stdin.as_mut().expect("stdin"), request.as_bytes()).expect("request sent");
    let mut answered = String::new();
    std::io::Read::read_to_string(&mut open_out, &mut answered).expect("s_client output");
    let _ = open.wait();
    assert!(answered.contains("HTTP/1.1 200") && answered.contains("EntityDescriptor"), "{answered}");
    assert!(daemon.logged("federation configuration applied"), "swapped in place");
    assert!(!daemon.logged("federation listener stopped"), "the listener kept running");

    // Every sign-in of this run reached the portal, each once (A3): one allowed, three
    // denied; and the allowed session's revocation when its device was cut (A5).
    let start = Instant::now();
    let reported = loop {
        let listed = world.portal.admin(&["sign-ins", "acme"]);
        let reported: Vec<(String, String)> = listed
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let value: serde_json::Value = serde_json::from_str(line).expect("one JSON object a line");
                let field = |name: &str| value["sign_in"][name].as_str().unwrap_or_default().to_owned();
                (field("result"), field("user"))
            })
            .collect();
        if reported.len() >= 5 {
            break reported;
        }
        assert!(start.elapsed() < DEADLINE, "the portal holds only {reported:?}");
        std::thread::sleep(Duration::from_millis(200));
    };
    let results: Vec<&str> = reported.iter().map(|(result, _)| result.as_str()).collect();
    assert_eq!(results.len(), 5, "{reported:?}");
    assert_eq!(results.iter().filter(|r| **r == "allowed").count(), 1, "{reported:?}");
    assert_eq!(results.iter().filter(|r| **r == "denied").count(), 3, "{reported:?}");
    assert_eq!(results.iter().filter(|r| **r == "revoked").count(), 1, "{reported:?}");
    assert!(reported.iter().all(|(_, user)| user == "alice@example.com"), "{reported:?}");
}

/// The subject of the certificate the federation listener at `base` serves now.
fn served_subject(dir: &Path, base: &str) -> String {
    let connect = base.trim_start_matches("https://");
    let out = Command::new("openssl")
        .args(["s_client", "-connect", connect, "-CAfile"])
        .arg(dir.join("web-ca.pem"))
        .stdin(Stdio::null())
        .output()
        .expect("openssl s_client runs");
    let shown = text(&out);
    shown.lines().find(|l| l.starts_with("subject=")).unwrap_or_default().to_owned()
}

/// A sign-in that comes through an AppTunnel is tied to the tunnel's device and app, with
/// no certificate shown to the federation listener, and rules on apps decide it.
#[test]
fn a_sign_in_through_an_apptunnel_carries_its_device_and_app() {
    let world = world();
    let dir = world.dir();
    let fed_port: u16 = world.base.rsplit(':').next().and_then(|p| p.parse().ok()).expect("federation port");
    let mut config = std::fs::read_to_string(dir.join("initial.toml")).expect("configuration");
    // The AppTunnel listener serves the web CA's certificate for 127.0.0.1, as the browser checks.
    config.push_str(&format!(
        "\n[tls]\ncertificate_file = \"{}\"\nkey_file = \"{}\"\n",
        dir.join("postern-tls.pem").display(),
        dir.join("postern-tls.key").display()
    ));
    for (name, port) in [("sign-in", fed_port), ("sp", world.sp), ("idp", world.idp)] {
        config.push_str(&format!(
            "\n[[apptunnel.services]]\nname = \"{name}\"\nkind = \"tcp\"\nservers = [\"127.0.0.1:{port}\"]\n"
        ));
    }
    std::fs::write(dir.join("initial.toml"), config).expect("configuration");
    let mut daemon = Daemon::start(dir, &["--apptunnel-listen", "127.0.0.1:0"]);
    let tunnel = common::proxy::port_from(&daemon.line_with("AppTunnel listening"));
    wait_accs(dir, "tenant acme");
    // Only the managed browser may sign in, and only on a compliant device.
    world.portal.admin(&[
        "rule",
        "acme",
        "compliant",
        "--action",
        "allow",
        "--posture",
        "compliant",
        "--app",
        "com.example.browser",
    ]);
    let commit = text(&cli(dir, &format!("configure terminal ; accs federation url {} ; commit", world.base)));
    assert!(commit.contains("Committed revision"), "{commit}");
    wait_accs(dir, "Federation: serving on");
    let fetched = text(&cli(dir, "configure terminal ; accs config-fetch update"));
    assert!(fetched.contains("applied") || fetched.contains("unchanged"), "{fetched}");
    fetch_metadata(dir, &format!("{}/saml/idp/metadata", world.base), &dir.join("postern-idp.xml"));
    fetch_metadata(dir, &format!("{}/saml/sp/metadata", world.base), &dir.join("postern-sp.xml"));
    assert!(activesync(dir, "ALICE0001", "alice%40example.com").contains("allow reason=uem-compliant"));
    wait_cache(dir, "ALICE0001", "allowed");

    let login = format!("https://127.0.0.1:{}/login", world.sp);
    let through = |app: &str| {
        let env = [("BROWSE_APPTUNNEL", format!("https://127.0.0.1:{tunnel}")), ("BROWSE_APP", app.to_owned())];
        browse_env(dir, &login, Some("uem-0001"), &env)
    };
    let (status, page) = through("com.example.browser");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("signed in as alice@example.com"), "{page}");
    let bound = daemon.wait_for("sign-in connection through an AppTunnel");
    assert!(bound.contains("device=uem-0001") && bound.contains("app=com.example.browser"), "{bound}");
    let record = daemon.wait_for("sign-in recorded");
    for field in ["device=uem-0001", "app=com.example.browser", "rule=compliant", "result=Allowed"] {
        assert!(record.contains(field), "{field}: {record}");
    }

    // Another app on the same compliant device: the rule on apps does not allow it.
    let (status, page) = through("com.example.other");
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("No access rule allows this sign-in."), "{page}");
    let record = daemon.wait_for("sign-in recorded");
    assert!(record.contains("app=com.example.other") && record.contains("result=Denied"), "{record}");

    // The device's certificate shown to the listener directly names no app.
    let (status, page) = browse(dir, &login, Some("uem-0001"));
    assert_eq!(status, 403, "{page}");
    let record = daemon.wait_for("sign-in recorded");
    assert!(record.contains("device=uem-0001") && !record.contains("app=com."), "{record}");
}

/// Runs refusals.py (`KIND` against the listener at `world.base`); returns the statuses.
fn refusals(world: &common::federation::World, kind: &str, arg: &str) -> Vec<u16> {
    let output = Command::new("python3")
        .arg(format!("{SAML_SCRIPTS}/refusals.py"))
        .args([kind, &world.base])
        .arg(world.dir().join("web-ca.pem"))
        .arg(arg)
        .env("PYTHONWARNINGS", "ignore")
        .output()
        .expect("refusals.py runs");
    assert!(output.status.success(), "refusals.py {kind}: {}", text(&output));
    String::from_utf8_lossy(&output.stdout).lines().map(|l| l.trim().parse().expect("a status")).collect()
}

/// `show accs reports`' count of failed sign-ins over the per-source bound.
fn suppressed(dir: &Path) -> u64 {
    let shown = text(&cli(dir, "show accs reports"));
    let line =
        shown.lines().find(|l| l.starts_with("Failed sign-ins not reported")).unwrap_or_else(|| panic!("{shown}"));
    line.rsplit(": ")
        .next()
        .and_then(|n| n.trim_end_matches(" since start").parse().ok())
        .unwrap_or_else(|| panic!("{line}"))
}

#[test]
fn refused_sign_ins_reach_the_portal_with_their_reason_and_a_flood_is_bounded() {
    let world = world();
    let dir = world.dir();
    let mut daemon = Daemon::start(dir, &[]);
    serve_url(&world);

    // A Response whose user was changed after the IdP signed it, and a request naming an
    // ACS the pairing does not have: refused (400), and one report each.
    let login = format!("https://127.0.0.1:{}/login", world.sp);
    assert_eq!(refusals(&world, "tampered", &login), [400]);
    daemon.wait_for("code=bad-signature");
    let sp_entity = format!("https://127.0.0.1:{}/metadata", world.sp);
    assert_eq!(refusals(&world, "unknown-acs", &sp_entity), [400]);
    daemon.wait_for("code=unknown-acs");
    let reported = reports_at_portal(&world, 2);
    let field = |value: &serde_json::Value, name: &str| value["sign_in"][name].as_str().unwrap_or_default().to_owned();
    let mut seen: Vec<(String, String, String)> =
        reported.iter().map(|r| (field(r, "result"), field(r, "pairing"), field(r, "code"))).collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("failed".to_owned(), "mail".to_owned(), "bad-signature".to_owned()),
            ("failed".to_owned(), "mail".to_owned(), "unknown-acs".to_owned())
        ],
        "{reported:?}"
    );
    assert!(reported.iter().all(|r| field(r, "user").is_empty()), "no unverified user is reported: {reported:?}");
    assert!(field(&reported[0], "reason").len() > 10, "{reported:?}");

    // Garbage from one address: at most the bound a minute is reported, the rest counted.
    let flood = 25;
    assert!(refusals(&world, "garbage", &flood.to_string()).iter().all(|s| *s == 400));
    let sent = flood + 2;
    let start = Instant::now();
    loop {
        let at_portal = reports_at_portal(&world, 2).len();
        let counted = usize::try_from(suppressed(dir)).expect("a count");
        if at_portal + counted == sent {
            // Two minutes at most were touched, ten reports each.
            assert!(at_portal <= 20 && counted >= sent - 20, "{at_portal} reported, {counted} counted");
            break;
        }
        assert!(start.elapsed() < DEADLINE, "{at_portal} reported and {counted} counted of {sent}");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(daemon.logged("failed sign-ins from this source are over the bound"), "said once in the log");
    let malformed = reports_at_portal(&world, 3);
    assert!(
        malformed.iter().any(|r| field(r, "code") == "request-malformed" && field(r, "pairing") == "(unknown)"),
        "{malformed:?}"
    );
}
