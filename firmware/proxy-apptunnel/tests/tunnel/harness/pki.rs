//! A device CA in a temporary directory, the gateway's server certificate and device
//! certificates written as PEM files.

use super::Error;
use postern_proxy_apptunnel::DEVICE_URI_PREFIX;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use std::path::PathBuf;

pub struct Pki {
    pub dir: tempfile::TempDir,
    issuer: Issuer<'static, KeyPair>,
    pub ca_pem: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
}

/// How a device certificate names its device.
pub enum Naming<'a> {
    /// A `urn:postern:uem-device:` URI (and an unrelated common name).
    Uri(&'a str),
    /// Only the subject common name.
    CommonName(&'a str),
    /// Neither.
    Nothing,
}

/// A device certificate and key, as PEM text and files.
pub struct DeviceCert {
    pub cert_pem: String,
    pub key_pem: String,
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

impl Pki {
    pub fn new(name: &str) -> Result<Self, Error> {
        let dir = tempfile::tempdir()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate()?;
        let cert = params.self_signed(&key)?;
        let ca_pem = dir.path().join("ca.pem");
        std::fs::write(&ca_pem, cert.pem())?;
        let issuer = Issuer::new(params, key);
        let mut server = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])?;
        server.distinguished_name.push(DnType::CommonName, "gateway");
        let server_key = KeyPair::generate()?;
        let server_cert = server.signed_by(&server_key, &issuer)?;
        let (cert_path, key_path) = (dir.path().join("server.pem"), dir.path().join("server.key"));
        std::fs::write(&cert_path, server_cert.pem())?;
        std::fs::write(&key_path, server_key.serialize_pem())?;
        Ok(Self { dir, issuer, ca_pem, server_cert: cert_path, server_key: key_path })
    }

    /// A client certificate signed by this CA, written as `<file>.pem` and `<file>-key.pem`.
    pub fn device(&self, file: &str, naming: Naming<'_>) -> Result<DeviceCert, Error> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name = DistinguishedName::new();
        match naming {
            Naming::Uri(id) => {
                params.distinguished_name.push(DnType::CommonName, "iPhone of someone");
                params.subject_alt_names.push(SanType::URI(format!("{DEVICE_URI_PREFIX}{id}").try_into()?));
            }
            Naming::CommonName(id) => params.distinguished_name.push(DnType::CommonName, id),
            Naming::Nothing => params.distinguished_name.push(DnType::OrganizationName, "Example Corp"),
        }
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.issuer)?;
        let (cert_file, key_file) =
            (self.dir.path().join(format!("{file}.pem")), self.dir.path().join(format!("{file}-key.pem")));
        std::fs::write(&cert_file, cert.pem())?;
        std::fs::write(&key_file, key.serialize_pem())?;
        Ok(DeviceCert { cert_pem: cert.pem(), key_pem: key.serialize_pem(), cert_file, key_file })
    }
}
