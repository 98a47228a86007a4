//! The benchmark's certificates, all ECDSA P-256 and made with openssl: one authority, a
//! server certificate for 127.0.0.1 (used by Postern, nginx and the TLS back end alike),
//! and one device identity certificate per UEM device id (`urn:postern:uem-device:ID`).

use crate::shell::{Result, StepError};
use std::path::{Path, PathBuf};
use std::process::Command;

/// How many openssl processes run at once while making device certificates.
const PARALLEL: usize = 8;

/// Where the certificates and keys are.
pub(crate) struct Pki {
    /// The server certificate.
    pub(crate) server_cert: PathBuf,
    /// The server's private key.
    pub(crate) server_key: PathBuf,
    /// The authority that issued every certificate: clients trust it for the server, the
    /// gateway for devices.
    pub(crate) ca: PathBuf,
    dir: PathBuf,
}

const EC: [&str; 4] = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];

fn openssl(dir: &Path) -> Command {
    let mut cmd = Command::new("openssl");
    cmd.current_dir(dir).args(["req", "-x509"]).args(EC).args(["-nodes", "-days", "2"]);
    cmd
}

fn finish(mut cmd: Command) -> Result<std::process::Child> {
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| StepError(format!("starting openssl: {e}")))
}

fn wait(child: std::process::Child, what: &str) -> Result {
    let out = child.wait_with_output().map_err(|e| StepError(format!("openssl for {what}: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(StepError(format!("openssl for {what} failed: {}", String::from_utf8_lossy(&out.stderr).trim())))
    }
}

impl Pki {
    /// Makes the server certificate, the device CA and a certificate for each device.
    pub(crate) fn create(dir: &Path, devices: &[String]) -> Result<Self> {
        let mut ca = openssl(dir);
        ca.args(["-subj", "/CN=postern-bench-ca", "-keyout", "ca-key.pem", "-out", "ca.pem"]);
        wait(finish(ca)?, "the authority")?;
        let pki = Self::at(dir);
        let server = pki.issue("localhost", "IP:127.0.0.1,DNS:localhost", "serverAuth", "server");
        wait(finish(server)?, "the server certificate")?;
        for batch in devices.chunks(PARALLEL) {
            let running: Vec<_> = batch
                .iter()
                .map(|device| pki.device_command(device).and_then(finish).map(|c| (c, device)))
                .collect::<Result<_>>()?;
            for (child, device) in running {
                wait(child, device)?;
            }
        }
        Ok(pki)
    }

    /// The file names of a PKI in `dir`.
    pub(crate) fn at(dir: &Path) -> Self {
        Self {
            server_cert: dir.join("server.pem"),
            server_key: dir.join("server-key.pem"),
            ca: dir.join("ca.pem"),
            dir: dir.to_path_buf(),
        }
    }

    /// openssl issuing an end-entity certificate from the authority into `file`.pem and
    /// `file`-key.pem.
    fn issue(&self, cn: &str, san: &str, usage: &str, file: &str) -> Command {
        let mut cmd = openssl(&self.dir);
        cmd.args(["-CA", "ca.pem", "-CAkey", "ca-key.pem", "-subj"]).arg(format!("/CN={cn}"));
        cmd.arg("-addext").arg(format!("subjectAltName={san}"));
        cmd.arg("-addext").arg(format!("extendedKeyUsage={usage}"));
        cmd.args(["-addext", "basicConstraints=critical,CA:FALSE"]);
        cmd.arg("-keyout")
            .arg(self.dir.join(format!("{file}-key.pem")))
            .arg("-out")
            .arg(self.dir.join(format!("{file}.pem")));
        cmd
    }

    fn device_command(&self, device: &str) -> Result<Command> {
        if device.is_empty()
            || !device.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            || device == "server"
            || device == "ca"
        {
            return Err(StepError(format!("{device:?} is not a usable device id for a file name")));
        }
        Ok(self.issue(device, &format!("URI:urn:postern:uem-device:{device}"), "clientAuth", device))
    }

    /// The certificate and key files of `device`.
    pub(crate) fn device(&self, device: &str) -> (PathBuf, PathBuf) {
        (self.dir.join(format!("{device}.pem")), self.dir.join(format!("{device}-key.pem")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench_proxy::scratch::Scratch;

    fn x509(path: &Path) -> String {
        let out =
            Command::new("openssl").args(["x509", "-noout", "-text", "-in"]).arg(path).output().expect("openssl runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// rustls refuses an end-entity certificate that is a CA, so neither may be one.
    #[test]
    fn end_entities_are_issued_by_the_authority_and_are_not_authorities() {
        let scratch = Scratch::new().expect("scratch dir");
        let pki = Pki::create(scratch.path(), &["bench-0000".to_owned()]).expect("certificates");
        let server = x509(&pki.server_cert);
        let device = x509(&pki.device("bench-0000").0);
        for text in [&server, &device] {
            assert!(
                text.contains("Issuer: CN = postern-bench-ca")
                    && text.contains("CA:FALSE")
                    && text.contains("prime256v1"),
                "{text}"
            );
        }
        assert!(server.contains("IP Address:127.0.0.1"), "{server}");
        assert!(device.contains("URI:urn:postern:uem-device:bench-0000"), "{device}");
        assert!(Pki::create(scratch.path(), &["../x".to_owned()]).is_err());
    }
}
