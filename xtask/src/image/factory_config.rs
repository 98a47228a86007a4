//! The factory configuration an image boots with until an administrator commits one: a
//! test image keeps the demo in `rootfs/etc/postern/` (devices, a back end on the qemu
//! host, the public demo certificate); a production image gets one with none of these,
//! and the demo certificate and key are not in it at all.

use crate::shell::{Result, StepError};
use postern_update_bundle::ImageTrust;
use std::path::Path;

/// The production factory configuration.
const PRODUCTION: &str = include_str!("initial-production.toml");

/// Where the factory configuration and the demo certificate are in the root file system.
const INITIAL: &str = "etc/postern/initial.toml";
const DEMO_TLS: &str = "etc/postern/demo-tls";

/// Makes the stage's factory configuration the one for an image of `kind`.
pub(crate) fn apply(stage: &Path, kind: ImageTrust) -> Result {
    if kind == ImageTrust::Test {
        return Ok(());
    }
    let initial = stage.join(INITIAL);
    std::fs::write(&initial, PRODUCTION).map_err(|e| StepError(format!("writing {}: {e}", initial.display())))?;
    let demo = stage.join(DEMO_TLS);
    if demo.exists() {
        std::fs::remove_dir_all(&demo).map_err(|e| StepError(format!("removing {}: {e}", demo.display())))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use postern_config::{Config, Connector};

    fn staged() -> tempfile::TempDir {
        let stage = tempfile::tempdir().expect("stage");
        let rootfs = crate::shell::root().join("rootfs/etc/postern");
        let etc = stage.path().join("etc/postern/demo-tls");
        std::fs::create_dir_all(&etc).expect("mkdir");
        std::fs::copy(rootfs.join("initial.toml"), stage.path().join(INITIAL)).expect("demo config");
        for entry in std::fs::read_dir(rootfs.join("demo-tls")).expect("demo-tls") {
            let path = entry.expect("entry").path();
            std::fs::copy(&path, etc.join(path.file_name().expect("name"))).expect("copy");
        }
        stage
    }

    #[test]
    fn a_production_image_holds_no_demo_device_back_end_or_certificate() {
        let stage = staged();
        apply(stage.path(), ImageTrust::Production).expect("applied");
        let text = std::fs::read_to_string(stage.path().join(INITIAL)).expect("initial");
        let config = Config::from_toml_str(&text).expect("the production configuration loads");
        config.validate_for_commit().expect("and is valid");
        assert_eq!(config.activesync.backend_url, None, "no back end");
        assert_eq!((&config.tls.certificate_file, &config.tls.key_file), (&None, &None), "its own TLS identity");
        assert!(matches!(&config.uem.connector, Connector::Static(s) if s.devices.is_empty()), "no demo devices");
        assert!(config.users.is_empty(), "no account to log in with over SSH");
        assert!(!stage.path().join(DEMO_TLS).exists(), "the public demo key is not in the image");
    }

    #[test]
    fn a_test_image_keeps_the_demo() {
        let stage = staged();
        let before = std::fs::read(stage.path().join(INITIAL)).expect("initial");
        apply(stage.path(), ImageTrust::Test).expect("applied");
        assert_eq!(std::fs::read(stage.path().join(INITIAL)).expect("initial"), before);
        let demo = Config::from_toml_str(&String::from_utf8_lossy(&before)).expect("demo loads");
        assert!(demo.activesync.backend_url.is_some());
        assert!(stage.path().join(DEMO_TLS).join("key.pem").exists());
    }
}
