//! The federation proxy served by posternd from the portal's profile, end to end with real
//! processes: the reference portal (postern-portal) holds one pairing (a pysaml2 SP and a
//! pysaml2 IdP on HTTPS) and its rules; posternd fetches the profile and serves the
//! federation listener with the profile's certificates; the reference UEM (postern-uem)
//! makes one device known and compliant through an ActiveSync access. A scripted browser
//! signs in with that device's certificate (the SP accepts Postern's signed assertion) and
//! with an unknown device's (the deny page with the rule's message, 403) and, once the UEM
//! calls it non-compliant, with the first device's again (no rule allows it); every sign-in
//! leaves a record; a rule and a listener certificate changed at the portal apply without
//! a restart.

mod common;

use common::portal::{Portal, TOKEN as PORTAL_TOKEN};
use common::proxy::device_pki;
use common::uem::{activesync, setup, wait_cache};
use common::{DEADLINE, Daemon, cli, free_configured_port, text};
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SAML_SCRIPTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../federation/tests/saml");

/// The pysaml2 processes, killed when the test ends.
struct Scripts(Vec<Child>);

impl Drop for Scripts {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").current_dir(dir).args(args).output().expect("openssl runs");
    assert!(out.status.success(), "openssl {args:?}: {}", text(&out));
}

/// An RSA key and self-signed certificate (`NAME.key`, `NAME.pem`) for SAML signing.
fn rsa_signing(dir: &Path, name: &str) {
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
fn web_pki(dir: &Path, names: &[&str]) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    openssl(
        dir,
        &[
            &["req", "-x509"][..],
            &ec,
            &["-days", "2", "-subj", "/CN=web-ca", "-keyout", "web-ca.key", "-out", "web-ca.pem"],
        ]
        .concat(),
    );
    for name in names {
        let (key, csr, cert, ext) =
            (format!("{name}.key"), format!("{name}.csr"), format!("{name}.pem"), format!("{name}.ext"));
        std::fs::write(dir.join(&ext), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n").expect("ext file");
        openssl(dir, &[&["req"][..], &ec, &["-subj", &format!("/CN={name}"), "-keyout", &key, "-out", &csr]].concat());
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "web-ca.pem",
                "-CAkey",
                "web-ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-out",
                &cert,
                "-extfile",
                &ext,
            ],
        );
    }
}

fn spawn_script(scripts: &mut Scripts, dir: &Path, script: &str, key: &str, metadata: &Path) -> u16 {
    let mut child = Command::new("python3")
        .arg(format!("{SAML_SCRIPTS}/{script}"))
        .arg(dir.join(format!("{key}.key")))
        .arg(dir.join(format!("{key}.pem")))
        .arg(metadata)
        .env("PYTHONWARNINGS", "ignore")
        .env("SAML_TLS_CERT", dir.join(format!("{key}-tls.pem")))
        .env("SAML_TLS_KEY", dir.join(format!("{key}-tls.key")))
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let stdout = child.stdout.take().expect("stdout");
    scripts.0.push(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("a line");
    line.trim().strip_prefix("port ").and_then(|p| p.parse().ok()).unwrap_or_else(|| panic!("{script}: {line}"))
}

/// Runs the scripted browser from `start` with `device`'s certificate (from
/// [`device_pki`]); returns the final status and page.
fn browse(dir: &Path, start: &str, device: Option<&str>) -> (u16, String) {
    let mut command = Command::new("python3");
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

/// Polls `show accs` until it contains `needle`; returns what it showed.
fn wait_accs(dir: &Path, needle: &str) -> String {
    let start = Instant::now();
    loop {
        let shown = text(&cli(dir, "show accs"));
        if shown.contains(needle) {
            return shown;
        }
        assert!(start.elapsed() < DEADLINE, "show accs never showed {needle:?}; last:\n{shown}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The profile revision `show accs` names.
fn revision_of(shown: &str) -> u64 {
    let after = shown.split("Profile: revision ").nth(1).expect("a profile");
    after.split(',').next().and_then(|r| r.parse().ok()).expect("a revision")
}

fn fetch_metadata(dir: &Path, url: &str, file: &Path) {
    let out = Command::new("curl")
        .args(["-sSf", "--cacert"])
        .arg(dir.join("web-ca.pem"))
        .arg("-o")
        .arg(file)
        .arg(url)
        .output()
        .expect("curl runs");
    assert!(out.status.success(), "{url}: {}", text(&out));
}

struct World {
    tmp: tempfile::TempDir,
    uem: common::uem::Uem,
    portal: Portal,
    _scripts: Scripts,
    sp: u16,
    base: String,
}

impl World {
    fn dir(&self) -> &Path {
        self.tmp.path()
    }
}

/// The UEM with `uem-0001` enrolled, the portal with tenant `acme` holding the pairing
/// `mail` (SP and IdP on HTTPS) and its two rules, and posternd's initial configuration
/// (UEM, portal, device CA, the federation listener on a free port, no public URL yet).
fn world() -> World {
    let (tmp, uem) = setup();
    let dir = tmp.path().to_path_buf();
    device_pki(&dir, &["uem-0001", "uem-9999"]);
    web_pki(&dir, &["postern-tls", "postern-tls-2", "sp-tls", "idp-tls"]);
    for name in ["sp", "idp", "postern-signing"] {
        rsa_signing(&dir, name);
    }
    let mut scripts = Scripts(Vec::new());
    let (idp_md, sp_md) = (dir.join("postern-idp.xml"), dir.join("postern-sp.xml"));
    let sp = spawn_script(&mut scripts, &dir, "sp.py", "sp", &idp_md);
    let idp = spawn_script(&mut scripts, &dir, "idp.py", "idp", &sp_md);

    let portal = Portal::start(&dir, 0);
    let path = |name: &str| dir.join(name).display().to_string();
    portal.admin(&[
        "certificates",
        "acme",
        "--listener-cert",
        &path("postern-tls.pem"),
        "--listener-key",
        &path("postern-tls.key"),
        "--signing-cert",
        &path("postern-signing.pem"),
        "--signing-key",
        &path("postern-signing.key"),
    ]);
    portal.admin(&["token", "acme", "postern-1", PORTAL_TOKEN]);
    std::fs::write(dir.join("portal-token"), PORTAL_TOKEN).expect("token file");
    portal.admin(&[
        "pairing",
        "acme",
        "mail",
        "--sp-entity-id",
        &format!("https://127.0.0.1:{sp}/metadata"),
        "--acs-url",
        &format!("https://127.0.0.1:{sp}/acs"),
        "--sp-cert",
        &path("sp.pem"),
        "--idp-entity-id",
        &format!("https://127.0.0.1:{idp}/metadata"),
        "--sso-url",
        &format!("https://127.0.0.1:{idp}/sso"),
        "--idp-cert",
        &path("idp.pem"),
    ]);
    portal.admin(&["rule", "acme", "compliant", "--action", "allow", "--posture", "compliant"]);
    portal.admin(&[
        "rule",
        "acme",
        "unmanaged",
        "--action",
        "deny",
        "--posture",
        "unmanaged",
        "--message",
        "This device is not managed: enrol it in the company portal app first.",
    ]);

    let port = free_configured_port();
    let mut config = std::fs::read_to_string(dir.join("initial.toml")).expect("UEM configuration");
    config.push_str(&format!(
        "\n[apptunnel]\nclient_ca_file = \"{}\"\n\n[accs]\nportal_url = \"https://127.0.0.1:{}\"\nca_file = \"{}\"\ntoken_file = \"{}\"\nfederation_listen = \"127.0.0.1:{port}\"\n",
        path("device-ca.pem"),
        portal.port,
        path("portal-certs/ca.pem"),
        path("portal-token"),
    ));
    std::fs::write(dir.join("initial.toml"), config).expect("configuration");
    World { tmp, uem, portal, _scripts: scripts, sp, base: format!("https://127.0.0.1:{port}") }
}

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
