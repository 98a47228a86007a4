//! `--self-signed DIR`: a test CA and a server certificate for `localhost`, `127.0.0.1`
//! and `::1`, generated once and reused.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The CA certificate clients trust.
pub const CA_FILE: &str = "ca.pem";
/// The server certificate, signed by the CA.
pub const CERT_FILE: &str = "server.pem";
/// The server's private key.
pub const KEY_FILE: &str = "server-key.pem";

/// Why the certificates could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CertGenError {
    /// Generating a key or certificate failed.
    #[error("cannot generate the test certificates: {0}")]
    Generate(#[from] rcgen::Error),
    /// Writing a file failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// The server certificate and key paths in `dir`, generating all three files unless
/// they are all there already. `server` names the server in the certificates' common names.
pub fn ensure(dir: &Path, server: &str) -> Result<(PathBuf, PathBuf), CertGenError> {
    let (ca, cert, key) = (dir.join(CA_FILE), dir.join(CERT_FILE), dir.join(KEY_FILE));
    if ca.exists() && cert.exists() && key.exists() {
        return Ok((cert, key));
    }
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| CertGenError::Io { path, source }
    };
    fs::create_dir_all(dir).map_err(io(dir))?;

    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, format!("{server} test CA"));
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
    let mut params = CertificateParams::new(names)?;
    params.distinguished_name.push(DnType::CommonName, server);
    params.use_authority_key_identifier_extension = true;
    let server_key = KeyPair::generate()?;
    let server_cert = params.signed_by(&server_key, &issuer)?;

    let mut key_file =
        fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&key).map_err(io(&key))?;
    key_file.write_all(server_key.serialize_pem().as_bytes()).map_err(io(&key))?;
    fs::write(&cert, server_cert.pem()).map_err(io(&cert))?;
    fs::write(&ca, ca_cert.pem()).map_err(io(&ca))?;
    Ok((cert, key))
}
