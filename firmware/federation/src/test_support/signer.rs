//! Real signed SAML documents for the tests: a key and certificate made by `openssl`, the
//! signature made by Debian's `xmlsec1` command (libxmlsec1), never by the code under test.

use super::{IDP_ENTITY, OUR_ACS, OUR_SP_ENTITY};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use std::path::PathBuf;
use std::process::Command;

/// A signing key and certificate in a temporary directory.
pub(crate) struct TestSigner {
    dir: tempfile::TempDir,
    /// The certificate, DER.
    pub(crate) cert_der: Vec<u8>,
}

fn run(command: &mut Command) -> Vec<u8> {
    let output = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(output.status.success(), "{command:?}: {}", String::from_utf8_lossy(&output.stderr));
    output.stdout
}

impl TestSigner {
    /// A fresh RSA-2048 key and a self-signed certificate named `name`.
    pub(crate) fn new(name: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = dir.path().join("key.pem");
        let cert = dir.path().join("cert.pem");
        run(Command::new("openssl").args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]).args([
            "-subj",
            &format!("/CN={name}"),
            "-keyout",
            key.to_str().expect("utf8"),
            "-out",
            cert.to_str().expect("utf8"),
        ]));
        let cert_der = run(Command::new("openssl").args(["x509", "-outform", "DER", "-in"]).arg(&cert));
        Self { dir, cert_der }
    }

    /// The private key, PKCS#8 DER.
    pub(crate) fn key_der(&self) -> Vec<u8> {
        run(Command::new("openssl").args(["pkey", "-outform", "DER", "-in"]).arg(self.path("key.pem")))
    }

    /// The certificate and the private key, PEM.
    pub(crate) fn pem(&self) -> (String, String) {
        let read = |name: &str| std::fs::read_to_string(self.path(name)).expect("PEM file");
        (read("cert.pem"), read("key.pem"))
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Signs the first empty `<ds:Signature>` template of `xml` with `xmlsec1 --sign`.
    pub(crate) fn sign(&self, xml: &str) -> String {
        let input = self.path("unsigned.xml");
        std::fs::write(&input, xml).expect("write");
        let key = format!("{},{}", self.path("key.pem").display(), self.path("cert.pem").display());
        let signed = run(Command::new("xmlsec1")
            .args(["--sign", "--privkey-pem", &key])
            .args(["--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:Response"])
            .args(["--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"])
            .arg(&input));
        String::from_utf8(signed).expect("utf8")
    }
}

fn signature_template(id: &str) -> String {
    crate::signing::signature_template(id, None)
}

/// The fields of an IdP Response the tests vary.
#[derive(Clone)]
pub(crate) struct IdpDoc {
    pub(crate) response_id: String,
    pub(crate) assertion_id: String,
    pub(crate) in_response_to: String,
    pub(crate) issuer: String,
    pub(crate) audience: String,
    pub(crate) recipient: String,
    pub(crate) destination: String,
    pub(crate) name_id: String,
    pub(crate) groups: Vec<String>,
    pub(crate) issued: DateTime<Utc>,
    pub(crate) lifetime: TimeDelta,
}

fn instant(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl IdpDoc {
    /// A Response to request `in_response_to`, valid for five minutes from now.
    pub(crate) fn new(in_response_to: &str) -> Self {
        Self {
            response_id: samael::crypto::gen_saml_response_id(),
            assertion_id: samael::crypto::gen_saml_assertion_id(),
            in_response_to: in_response_to.into(),
            issuer: IDP_ENTITY.into(),
            audience: OUR_SP_ENTITY.into(),
            recipient: OUR_ACS.into(),
            destination: OUR_ACS.into(),
            name_id: "alice@example.com".into(),
            groups: vec!["staff".into()],
            issued: Utc::now(),
            lifetime: TimeDelta::minutes(5),
        }
    }

    /// The assertion, with a signature template when `signed`.
    pub(crate) fn assertion(&self, signed: bool) -> String {
        let end = instant(self.issued + self.lifetime);
        let groups: String = self
            .groups
            .iter()
            .map(|g| format!(r#"<saml:AttributeValue xsi:type="xs:string">{g}</saml:AttributeValue>"#))
            .collect();
        format!(
            concat!(
                r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" "#,
                r#"xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" "#,
                r#"ID="{aid}" Version="2.0" IssueInstant="{issued}"><saml:Issuer>{issuer}</saml:Issuer>{sig}"#,
                r#"<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">{name}</saml:NameID>"#,
                r#"<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">"#,
                r#"<saml:SubjectConfirmationData InResponseTo="{irt}" NotOnOrAfter="{end}" Recipient="{recipient}"/>"#,
                r#"</saml:SubjectConfirmation></saml:Subject>"#,
                r#"<saml:Conditions NotBefore="{issued}" NotOnOrAfter="{end}"><saml:AudienceRestriction>"#,
                r#"<saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>"#,
                r#"<saml:AuthnStatement AuthnInstant="{issued}"><saml:AuthnContext><saml:AuthnContextClassRef>"#,
                r#"urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>"#,
                r#"</saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>"#,
                r#"<saml:Attribute Name="groups">{groups}</saml:Attribute></saml:AttributeStatement></saml:Assertion>"#
            ),
            aid = self.assertion_id,
            issued = instant(self.issued),
            issuer = self.issuer,
            sig = if signed { signature_template(&self.assertion_id) } else { String::new() },
            name = self.name_id,
            irt = self.in_response_to,
            end = end,
            recipient = self.recipient,
            audience = self.audience,
            groups = groups,
        )
    }

    /// The Response around `assertion`, with a signature template when `signed`.
    pub(crate) fn response(&self, assertion: &str, signed: bool) -> String {
        format!(
            concat!(
                r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" "#,
                r#"xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{rid}" Version="2.0" "#,
                r#"IssueInstant="{issued}" Destination="{destination}" InResponseTo="{irt}">"#,
                r#"<saml:Issuer>{issuer}</saml:Issuer>{sig}<samlp:Status>"#,
                r#"<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>{assertion}</samlp:Response>"#
            ),
            rid = self.response_id,
            issued = instant(self.issued),
            destination = self.destination,
            irt = self.in_response_to,
            issuer = self.issuer,
            sig = if signed { signature_template(&self.response_id) } else { String::new() },
            assertion = assertion,
        )
    }
}
