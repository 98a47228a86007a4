//! End to end with real processes: a pysaml2 SP and a pysaml2 IdP (xmlsec1 signing) on
//! real HTTP sockets, the federation server between them on its TLS listener, driven by
//! a scripted browser (Python requests) that follows redirects and submits forms. A
//! compliant device (by its certificate) signs in, with the SP's request sent by either
//! binding; a non-compliant one sees the deny page; one without a certificate is unmanaged.
#![allow(clippy::unwrap_used, reason = "tests")]

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType};
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

type Error = Box<dyn std::error::Error>;

const SCRIPTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/saml");

/// Children killed when the test ends, however it ends.
struct Processes(Vec<Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn first_line_after(stdout: ChildStdout, prefix: &str) -> Result<String, Error> {
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    line.trim()
        .strip_prefix(prefix)
        .map(str::to_owned)
        .ok_or_else(|| format!("expected `{prefix}…`, got `{line}`").into())
}

fn spawn(processes: &mut Processes, command: &mut Command, prefix: &str) -> Result<String, Error> {
    // pysaml2 warns about a cryptography deprecation on every start.
    let mut child = command.env("PYTHONWARNINGS", "ignore").stdout(Stdio::piped()).spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    processes.0.push(child);
    first_line_after(stdout, prefix)
}

fn openssl_rsa(dir: &Path, name: &str) -> Result<(PathBuf, PathBuf), Error> {
    let (key, cert) = (dir.join(format!("{name}.key")), dir.join(format!("{name}.pem")));
    let status = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", &format!("/CN={name}")])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()?;
    if !status.success() {
        return Err(format!("openssl req for {name} failed").into());
    }
    Ok((key, cert))
}

struct Ca {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
}

impl Ca {
    fn new(name: &str) -> Result<Self, Error> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate()?;
        let pem = params.self_signed(&key)?.pem();
        Ok(Self { issuer: Issuer::new(params, key), pem })
    }

    fn issue(&self, dir: &Path, name: &str, sans: Vec<SanType>) -> Result<(PathBuf, PathBuf), Error> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name.push(DnType::CommonName, name);
        params.subject_alt_names = sans;
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.issuer)?;
        let (cert_path, key_path) = (dir.join(format!("{name}.pem")), dir.join(format!("{name}.key")));
        std::fs::write(&cert_path, cert.pem())?;
        std::fs::write(&key_path, key.serialize_pem())?;
        Ok((cert_path, key_path))
    }
}

struct World {
    dir: tempfile::TempDir,
    base: String,
    _processes: Processes,
    sp_login: String,
    tls_ca: PathBuf,
    device_ca: Ca,
}

fn start() -> Result<World, Error> {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let mut processes = Processes(Vec::new());
    let (idp_key, idp_cert) = openssl_rsa(d, "idp-signing")?;
    let (sp_key, sp_cert) = openssl_rsa(d, "sp-signing")?;
    let (our_key, our_cert) = openssl_rsa(d, "postern-signing")?;
    let tls_ca = Ca::new("federation TLS CA")?;
    let (tls_cert, tls_key) = tls_ca.issue(d, "federation", vec![SanType::IpAddress([127, 0, 0, 1].into())])?;
    std::fs::write(d.join("tls-ca.pem"), &tls_ca.pem)?;
    let device_ca = Ca::new("device CA")?;
    std::fs::write(d.join("device-ca.pem"), &device_ca.pem)?;

    let (idp_md, sp_md) = (d.join("postern-idp.xml"), d.join("postern-sp.xml"));
    let sp_port = spawn(
        &mut processes,
        Command::new("python3").arg(format!("{SCRIPTS}/sp.py")).arg(&sp_key).arg(&sp_cert).arg(&idp_md),
        "port ",
    )?;
    let idp_port = spawn(
        &mut processes,
        Command::new("python3").arg(format!("{SCRIPTS}/idp.py")).arg(&idp_key).arg(&idp_cert).arg(&sp_md),
        "port ",
    )?;

    // The server's own URLs name its port, which is known only once it listens: reserve
    // one, then give it to the server (a race with another binder is harmless: it fails loudly).
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let base = format!("https://127.0.0.1:{port}");
    let config = serde_json::json!({
        "listen": format!("127.0.0.1:{port}"),
        "tls_cert": tls_cert, "tls_key": tls_key,
        "device_ca": d.join("device-ca.pem"),
        "pairing": {
            "sp_entity_id": format!("http://127.0.0.1:{sp_port}/metadata"),
            "sp_acs_urls": [format!("http://127.0.0.1:{sp_port}/acs")],
            "idp_entity_id": format!("http://127.0.0.1:{idp_port}/metadata"),
            "idp_sso_url": format!("http://127.0.0.1:{idp_port}/sso"),
            "idp_signing_certs": [idp_cert],
        },
        "local": {
            "idp_entity_id": format!("{base}/saml/idp/metadata"),
            "idp_sso_url": format!("{base}/saml/idp/sso"),
            "sp_entity_id": format!("{base}/saml/sp/metadata"),
            "acs_url": format!("{base}/saml/sp/acs"),
            "signing_key": our_key, "signing_cert": our_cert,
        },
        "rules": [
            {"name": "compliant", "postures": ["managed-compliant"], "action": "allow"},
            {"name": "non-compliant", "postures": ["managed-non-compliant"], "action": "deny",
             "message": "This device does not meet the security policy.",
             "remedy": "Open the device management app and resolve what it reports."},
            {"name": "unmanaged", "postures": ["unmanaged"], "action": "deny",
             "message": "This device is not managed.", "remedy": "Enroll it first."}
        ],
        "devices": {
            "good-device": {"platform": "Linux", "compliant": true},
            "bad-device": {"platform": "Linux", "compliant": false}
        }
    });
    let config_path = d.join("federation.json");
    std::fs::write(&config_path, serde_json::to_vec_pretty(&config)?)?;
    let listening = spawn(
        &mut processes,
        Command::new(env!("CARGO_BIN_EXE_postern-federation-server")).arg(&config_path).env("RUST_LOG", "warn"),
        "listening on ",
    )?;
    assert_eq!(listening, format!("127.0.0.1:{port}"));

    for (path, file) in [("/saml/idp/metadata", &idp_md), ("/saml/sp/metadata", &sp_md)] {
        let status = Command::new("curl")
            .args(["-sSf", "--cacert"])
            .arg(d.join("tls-ca.pem"))
            .arg("-o")
            .arg(file)
            .arg(format!("{base}{path}"))
            .status()?;
        assert!(status.success(), "fetching {path}");
    }
    Ok(World {
        base,
        tls_ca: d.join("tls-ca.pem"),
        sp_login: format!("http://127.0.0.1:{sp_port}/login"),
        device_ca,
        dir,
        _processes: processes,
    })
}

fn browse(world: &World, device: Option<&str>) -> Result<(u16, String), Error> {
    browse_from(world, &world.sp_login, device)
}

fn browse_from(world: &World, start: &str, device: Option<&str>) -> Result<(u16, String), Error> {
    let mut command = Command::new("python3");
    command.arg(format!("{SCRIPTS}/browse.py")).arg(start).arg(&world.tls_ca);
    if let Some(device) = device {
        let uri = format!("urn:postern:uem-device:{device}");
        let (cert, key) =
            world.device_ca.issue(world.dir.path(), device, vec![SanType::URI(uri.as_str().try_into()?)])?;
        command.arg(cert).arg(key);
    }
    let output = command.output()?;
    assert!(output.status.success(), "browse.py: {}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout)?;
    let (status, page) = text.split_once('\n').ok_or("no status line")?;
    Ok((status.parse()?, page.to_owned()))
}

#[test]
fn a_compliant_device_signs_in_and_a_non_compliant_one_sees_the_deny_page() -> Result<(), Error> {
    let world = start()?;

    let (status, page) = browse(&world, Some("good-device"))?;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("signed in as alice@example.com relay /inbox"), "{page}");
    assert!(page.contains("groups"), "the IdP's groups reach the SP: {page}");

    let (status, page) = browse(&world, Some("bad-device"))?;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("Sign-in blocked") && page.contains("does not meet the security policy"), "{page}");
    assert!(page.contains("Open the device management app"), "{page}");

    let (status, page) = browse(&world, None)?;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("This device is not managed."), "{page}");

    // Refusals reach the browser as pages naming the reason.
    for (args, expected) in [
        (vec![format!("{}/saml/idp/sso?SAMLRequest=%%%", world.base)], "not valid base64"),
        (
            vec!["--data".into(), "SAMLResponse=PHg%2B".into(), format!("{}/saml/sp/acs", world.base)],
            "not a SAML 2.0 Response",
        ),
    ] {
        let output = Command::new("curl")
            .args(["-sS", "-w", "\n%{http_code}", "--cacert"])
            .arg(&world.tls_ca)
            .args(&args)
            .output()?;
        let text = String::from_utf8(output.stdout)?;
        assert!(text.ends_with("\n400") && text.contains(expected), "{args:?}: {text}");
    }

    // The SP's request by HTTP-POST instead of HTTP-Redirect.
    let (status, page) = browse_from(&world, &format!("{}-post", world.sp_login), Some("good-device"))?;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("signed in as alice@example.com relay /inbox"), "{page}");
    Ok(())
}
