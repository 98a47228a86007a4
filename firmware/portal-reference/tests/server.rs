//! `postern-portal` as a real process over HTTPS: the profile with its ETag, sign-in
//! batches counted once, tokens, faults, and admin changes validated whole.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use http_body_util::Full;
use hyper::body::Bytes;
use postern_access_profile::api::{PROFILE_PATH, SIGN_INS_PATH, SignInReceipt};
use postern_reference_server::{call_trusting, wait_for_port};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const TOKEN: &str = "gw1-portal-secret-token";

struct Portal {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Portal {
    fn start(dir: &Path) -> Self {
        let port_file = dir.join("port");
        let _ = std::fs::remove_file(&port_file);
        let child = Command::new(env!("CARGO_BIN_EXE_postern-portal"))
            .args(["serve", "--listen", "127.0.0.1:0", "--faults"])
            .arg("--state")
            .arg(dir.join("state"))
            .arg("--self-signed")
            .arg(dir.join("certs"))
            .arg("--port-file")
            .arg(&port_file)
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn postern-portal");
        let port = wait_for_port(&port_file, Duration::from_secs(20)).expect("the portal announces its port");
        Self { child, dir: dir.to_owned(), port }
    }

    fn admin_result(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_postern-portal"))
            .arg("admin")
            .arg("--state")
            .arg(self.dir.join("state"))
            .args(args)
            .output()
            .expect("run postern-portal admin")
    }

    fn admin(&self, args: &[&str]) -> String {
        let out = self.admin_result(args);
        assert!(out.status.success(), "admin {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn setup(&self) {
        self.admin(&["certificates", "acme", "--self-signed"]);
        self.admin(&["token", "acme", "gw1", TOKEN]);
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> (u16, hyper::HeaderMap, Bytes) {
        let mut req = hyper::Request::builder().method(method).uri(path).header("host", "localhost");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req.body(Full::new(Bytes::from(body.unwrap_or_default()))).expect("request");
        let answer = call_trusting(&self.dir.join("certs/ca.pem"), self.port, req, 16 << 20).await.expect("an answer");
        (answer.status, answer.headers, answer.body)
    }

    async fn get_profile(&self, extra: &[(&str, &str)]) -> (u16, hyper::HeaderMap, Bytes) {
        let auth = format!("Bearer {TOKEN}");
        let mut headers = vec![("authorization", auth.as_str())];
        headers.extend_from_slice(extra);
        self.call("GET", PROFILE_PATH, &headers, None).await
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn the_profile_comes_with_an_etag_and_an_unchanged_one_costs_a_304() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path());
    portal.setup();
    let (status, headers, body) = portal.get_profile(&[]).await;
    assert_eq!(status, 200);
    let profile = postern_access_profile::parse(&body).unwrap();
    assert_eq!(profile.validate(), Ok(()));
    assert_eq!((profile.tenant.as_str(), profile.revision), ("acme", 1));
    assert_eq!(headers["x-postern-profile-revision"], "1");
    let etag = headers["etag"].to_str().unwrap().to_owned();

    let (status, _, body) = portal.get_profile(&[("if-none-match", &etag)]).await;
    assert_eq!((status, body.len()), (304, 0));

    portal.admin(&["bump", "acme"]);
    let (status, headers, body) = portal.get_profile(&[("if-none-match", &etag)]).await;
    assert_eq!(status, 200);
    assert_eq!(postern_access_profile::parse(&body).unwrap().revision, 2);
    assert_ne!(headers["etag"].to_str().unwrap(), etag);

    let mode = std::fs::metadata(dir.path().join("state/tenants/acme/profile.json")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the profile holds private keys");
}

#[tokio::test]
async fn a_wrong_or_missing_token_gets_401() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path());
    portal.setup();
    for headers in [vec![("authorization", "Bearer not-the-token-at-all")], vec![]] {
        let (status, h, body) = portal.call("GET", PROFILE_PATH, &headers, None).await;
        assert_eq!(status, 401);
        assert_eq!(h["www-authenticate"], "Bearer");
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"], "unauthorized");
    }
}

/// A batch refused for its token is answered after its body is read: a client still
/// writing a large body reads the 401, not a reset from unread bytes.
#[tokio::test]
async fn a_refused_large_batch_gets_its_401_not_a_reset() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path());
    portal.setup();
    let body = format!("{{\"sign_ins\": [], \"padding\": \"{}\"}}", "x".repeat(1000 * 1000));
    for _ in 0..5 {
        let headers = [("authorization", "Bearer not-the-token-at-all")];
        let (status, _, _) = portal.call("POST", SIGN_INS_PATH, &headers, Some(body.clone())).await;
        assert_eq!(status, 401);
    }
}

#[tokio::test]
async fn a_retried_sign_in_batch_is_counted_once_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut portal = Portal::start(dir.path());
    portal.setup();
    let batch = r#"{"sign_ins":[
        {"id":"gw1-1","time_unix":1796515200,"user":"alice@example.com","pairing":"crm","result":"allowed"},
        {"id":"gw1-2","time_unix":1796515201,"user":"bob@example.com","pairing":"crm","result":"denied","reason":"unmanaged"}]}"#;
    let auth = format!("Bearer {TOKEN}");
    let headers = [("authorization", auth.as_str())];
    let post = |body: &str| portal.call("POST", SIGN_INS_PATH, &headers, Some(body.to_owned()));
    let (status, _, body) = post(batch).await;
    assert_eq!(status, 200);
    let receipt: SignInReceipt = serde_json::from_slice(&body).unwrap();
    assert_eq!((receipt.accepted, receipt.duplicates), (2, 0));
    let (_, _, body) = post(batch).await;
    let receipt: SignInReceipt = serde_json::from_slice(&body).unwrap();
    assert_eq!((receipt.accepted, receipt.duplicates), (0, 2));

    let (status, _, body) = post(r#"{"sign_ins":[{"id":"","time_unix":1,"pairing":"crm","result":"allowed"}]}"#).await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("sign_ins[0].id"));

    drop(portal);
    portal = Portal::start(dir.path());
    let listed = portal.admin(&["sign-ins", "acme"]);
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert!(listed.contains("\"gateway\":\"gw1\"") && listed.contains("bob@example.com"));
}

#[tokio::test]
async fn faults_answer_500_garbage_and_a_profile_a_gateway_must_refuse() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path());
    portal.setup();
    portal.admin(&["fault", "status500"]);
    assert_eq!(portal.get_profile(&[]).await.0, 500);
    assert_eq!(portal.get_profile(&[]).await.0, 200, "a fault applies to exactly one answer");
    portal.admin(&["fault", "unavailable"]);
    assert_eq!(portal.get_profile(&[]).await.0, 503);
    portal.admin(&["fault", "garbage"]);
    let (status, _, body) = portal.get_profile(&[]).await;
    assert_eq!(status, 200);
    assert!(postern_access_profile::parse(&body).is_err());
    portal.admin(&["fault", "invalid-profile"]);
    let (status, headers, body) = portal.get_profile(&[]).await;
    assert_eq!((status, headers["x-postern-profile-revision"].to_str().unwrap()), (200, "2"));
    let problems = postern_access_profile::parse(&body).unwrap().validate().unwrap_err();
    assert_eq!(problems.0[0].path, "saml_signing.private_key_pem");
}

#[tokio::test]
async fn admin_changes_are_validated_whole_and_bump_the_revision() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path());
    portal.setup();
    let certs = dir.path().join("certs");
    let cert = certs.join("server.pem");
    let cert = cert.to_str().unwrap();
    let out = portal.admin(&[
        "pairing",
        "acme",
        "crm",
        "--sp-entity-id",
        "https://crm.example.com/saml",
        "--acs-url",
        "https://crm.example.com/acs",
        "--sp-cert",
        cert,
        "--idp-entity-id",
        "https://idp.example.com",
        "--sso-url",
        "https://idp.example.com/sso",
        "--idp-cert",
        cert,
    ]);
    assert!(out.contains("\"revision\": 2"), "{out}");
    let out = portal.admin(&["rule", "acme", "mobile", "--action", "allow", "--pairing", "crm", "--platform", "ios"]);
    assert!(out.contains("pairings=crm platforms=ios"), "{out}");

    let refused = portal.admin_result(&["rule", "acme", "other", "--action", "allow", "--pairing", "nowhere"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("rules[1].match.pairings[0]") && stderr.contains("nothing changed"), "{stderr}");
    let refused = portal.admin_result(&[
        "pairing",
        "acme",
        "plain",
        "--sp-entity-id",
        "x",
        "--acs-url",
        "http://plain.example.com/acs",
        "--sp-cert",
        cert,
        "--idp-entity-id",
        "y",
        "--sso-url",
        "https://idp.example.com/sso",
        "--idp-cert",
        cert,
    ]);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("pairings[1].service_provider.acs_urls[0]"));

    let (_, _, body) = portal.get_profile(&[]).await;
    let profile = postern_access_profile::parse(&body).unwrap();
    assert_eq!((profile.revision, profile.pairings.len(), profile.rules.len()), (3, 1, 1));
}
