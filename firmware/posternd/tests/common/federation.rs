//! The federation tests' world: a pysaml2 SP and IdP on HTTPS, the reference portal holding
//! their pairing and two rules, the reference UEM, and posternd's initial configuration.

use super::portal::{Portal, TOKEN as PORTAL_TOKEN};
use super::proxy::device_pki;
use super::uem::setup;
use super::{DEADLINE, cli, free_configured_port, text};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub use super::saml::{Scripts, rsa_signing, web_pki};

/// Starts the SP or IdP `script` signing with `KEY.key`/`KEY.pem`, reading the other
/// side's metadata from `metadata`, on HTTPS with `KEY-tls.pem`; returns its port.
pub fn spawn_script(scripts: &mut Scripts, dir: &Path, script: &str, key: &str, metadata: &Path) -> u16 {
    let (signing_key, signing_cert) = (dir.join(format!("{key}.key")), dir.join(format!("{key}.pem")));
    super::saml::spawn_script(scripts, dir, script, key, &[&signing_key, &signing_cert, metadata])
}

/// Polls `show accs` until it contains `needle`; returns what it showed.
pub fn wait_accs(dir: &Path, needle: &str) -> String {
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
pub fn revision_of(shown: &str) -> u64 {
    let after = shown.split("Profile: revision ").nth(1).expect("a profile");
    after.split(',').next().and_then(|r| r.parse().ok()).expect("a revision")
}

pub fn fetch_metadata(dir: &Path, url: &str, file: &Path) {
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

pub struct World {
    pub tmp: tempfile::TempDir,
    pub uem: super::uem::Uem,
    pub portal: Portal,
    pub _scripts: Scripts,
    /// The SP's port.
    pub sp: u16,
    /// The IdP's port.
    pub idp: u16,
    /// Postern's public URL.
    pub base: String,
}

impl World {
    pub fn dir(&self) -> &Path {
        self.tmp.path()
    }
}

/// The UEM with `uem-0001` enrolled, the portal with tenant `acme` holding the pairing
/// `mail` (SP and IdP on HTTPS) and its two rules, and posternd's initial configuration
/// (UEM, portal, device CA, the federation listener on a free port, no public URL yet).
pub fn world() -> World {
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

    let portal = tenant_portal(&dir);
    let path = |name: &str| dir.join(name).display().to_string();
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
    World { tmp, uem, portal, _scripts: scripts, sp, idp, base: format!("https://127.0.0.1:{port}") }
}

/// The reference portal with tenant `acme`: Postern's listener pair `postern-tls` and
/// signing pair `postern-signing` (made beforehand in `dir`), and the token of gateway
/// `postern-1`, also written to `dir/portal-token`.
pub fn tenant_portal(dir: &Path) -> Portal {
    let portal = Portal::start(dir, 0);
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
    portal
}

/// Commits Postern's public URL on a running posternd, waits until the listener serves it
/// and writes Postern's IdP and SP metadata where the SP and IdP read them.
pub fn serve_url(world: &World) {
    let dir = world.dir();
    wait_accs(dir, "tenant acme");
    let commit = text(&cli(dir, &format!("configure terminal ; accs federation url {} ; commit", world.base)));
    assert!(commit.contains("Committed revision"), "{commit}");
    wait_accs(dir, "Federation: serving on");
    fetch_metadata(dir, &format!("{}/saml/idp/metadata", world.base), &dir.join("postern-idp.xml"));
    fetch_metadata(dir, &format!("{}/saml/sp/metadata", world.base), &dir.join("postern-sp.xml"));
}

/// The sign-in reports the portal holds for tenant `acme`, one JSON value each, once at
/// least `count` are there.
pub fn reports_at_portal(world: &World, count: usize) -> Vec<serde_json::Value> {
    let start = Instant::now();
    loop {
        let listed = world.portal.admin(&["sign-ins", "acme"]);
        let reported: Vec<serde_json::Value> = listed
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| serde_json::from_str(line).expect("one JSON object a line"))
            .collect();
        if reported.len() >= count {
            return reported;
        }
        assert!(start.elapsed() < DEADLINE, "the portal holds only {reported:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}
