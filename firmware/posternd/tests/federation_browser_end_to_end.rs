//! One sign-in through posternd's federation listener in a real browser: Debian's headless
//! chromium (driven by chromedriver through selenium), JavaScript on, its client
//! certificate and trusted CA in an NSS database under a HOME of its own, the certificate
//! sent to the listener without a prompt (the profile's auto-select setting). A compliant
//! device's browser opens the SP's page, goes through Postern to the IdP and back, and
//! Postern's auto-submitting form lands it at the SP signed in; a browser without a device
//! certificate (an unidentified device) sees Postern's deny page with the rule's message.

mod common;

use common::Daemon;
use common::federation::{serve_url, world};
use common::saml::{SAML_SCRIPTS, openssl};
use common::uem::{activesync, wait_cache};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn run(program: &str, args: &[&str]) {
    let out = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{program} runs: {e}"));
    assert!(out.status.success(), "{program} {args:?}: {}", common::text(&out));
}

/// A HOME whose NSS database (`.pki/nssdb`, where chromium looks) trusts the web CA and,
/// with `device`, holds that device's certificate and key from `device_pki`.
fn browser_home(dir: &Path, name: &str, device: Option<&str>) -> PathBuf {
    let home = dir.join(name);
    let nssdb = home.join(".pki/nssdb");
    std::fs::create_dir_all(&nssdb).expect("NSS database directory");
    let db = format!("sql:{}", nssdb.display());
    run("certutil", &["-N", "-d", &db, "--empty-password"]);
    let ca = dir.join("web-ca.pem").display().to_string();
    run("certutil", &["-A", "-d", &db, "-n", "web-ca", "-t", "C,,", "-i", &ca]);
    if let Some(device) = device {
        let p12 = format!("{name}.p12");
        let (cert, key) = (format!("{device}.pem"), format!("{device}-key.pem"));
        openssl(dir, &["pkcs12", "-export", "-in", &cert, "-inkey", &key, "-out", &p12, "-passout", "pass:"]);
        let p12 = dir.join(&p12).display().to_string();
        run("pk12util", &["-i", &p12, "-d", &db, "-W", ""]);
    }
    home
}

/// What chromium ended on: the URL, the title and the DOM.
struct Page {
    url: String,
    title: String,
    dom: String,
}

/// Opens `start` in headless chromium with `home`'s NSS database (its certificate, if any,
/// sent to `cert_origin` without a prompt) and waits for one of `texts`.
fn chromium(home: &Path, start: &str, cert_origin: Option<&str>, texts: &[&str]) -> Page {
    let output = Command::new("python3")
        .arg(format!("{SAML_SCRIPTS}/chromium.py"))
        .arg(start)
        .arg(home.join("profile"))
        .arg(cert_origin.unwrap_or("-"))
        .args(texts)
        .env("HOME", home)
        .env("PYTHONWARNINGS", "ignore")
        .output()
        .expect("chromium.py runs");
    assert!(output.status.success(), "chromium.py: {}", common::text(&output));
    let shown = String::from_utf8_lossy(&output.stdout).into_owned();
    let mut lines = shown.splitn(3, '\n');
    let mut next = || lines.next().unwrap_or_default().to_owned();
    Page { url: next(), title: next(), dom: next() }
}

#[test]
fn in_chromium_a_compliant_device_signs_in_and_an_unidentified_one_sees_the_deny_page() {
    let world = world();
    let dir = world.dir();
    let mut daemon = Daemon::start(dir, &[]);
    serve_url(&world);
    assert!(activesync(dir, "ALICE0001", "alice%40example.com").contains("allow reason=uem-compliant"));
    wait_cache(dir, "ALICE0001", "allowed");
    let managed = browser_home(dir, "home-managed", Some("uem-0001"));
    let unmanaged = browser_home(dir, "home-unmanaged", None);
    let login = format!("https://127.0.0.1:{}/login", world.sp);
    let outcomes = ["signed in as", "Sign-in blocked", "Sign-in failed", "refused"];

    let started = Instant::now();
    let page = chromium(&managed, &login, Some(&world.base), &outcomes);
    eprintln!("compliant sign-in in chromium: {:?}", started.elapsed());
    assert_eq!(page.url, format!("https://127.0.0.1:{}/acs", world.sp), "at the SP's ACS: {}", page.dom);
    assert!(page.dom.contains("signed in as alice@example.com relay /inbox"), "the SP took it: {}", page.dom);
    let record = daemon.wait_for("sign-in recorded");
    for field in ["user=alice@example.com", "device=uem-0001", "rule=compliant", "result=Allowed"] {
        assert!(record.contains(field), "{field}: {record}");
    }

    let started = Instant::now();
    let page = chromium(&unmanaged, &login, None, &outcomes);
    eprintln!("unidentified sign-in in chromium: {:?}", started.elapsed());
    assert_eq!(page.url, format!("{}/saml/sp/acs", world.base), "at Postern's ACS: {}", page.dom);
    assert_eq!(page.title, "Sign-in blocked", "{}", page.dom);
    assert!(
        page.dom.contains("This device is not managed: enrol it in the company portal app first."),
        "the rule's message: {}",
        page.dom
    );
    assert!(!page.dom.contains("signed in as"), "{}", page.dom);
    let record = daemon.wait_for("sign-in recorded");
    assert!(record.contains("rule=unmanaged") && record.contains("result=Denied"), "{record}");
    assert!(!record.contains("device="), "no device: {record}");
}
