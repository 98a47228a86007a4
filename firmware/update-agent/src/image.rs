//! The image file: what the running image was built to trust for its updates, written by
//! `cargo xtask image` as `etc/postern/image.toml` (`trust = "production"` or `"test"`).

use crate::UpdateError;
use postern_update_bundle::ImageTrust;
use serde::Deserialize;
use std::path::Path;

/// Where the running image keeps its image file.
pub const IMAGE_FILE: &str = "/etc/postern/image.toml";

/// The image file's contents.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImageFile {
    trust: ImageTrust,
}

/// The trust recorded in the image file at `path`; `None` when there is no such file (a
/// daemon run outside an appliance image). A file that exists but does not parse is an error.
pub fn read_image_trust(path: &Path) -> Result<Option<ImageTrust>, UpdateError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(UpdateError::io("reading", path)(e)),
    };
    let file: ImageFile = toml::from_str(&text)
        .map_err(|e| UpdateError::ImageFile { path: path.to_owned(), reason: e.message().to_owned() })?;
    Ok(Some(file.trust))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_image_file_names_its_trust_and_a_missing_file_is_none() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("image.toml");
        assert_eq!(read_image_trust(&path).expect("missing is fine"), None);
        std::fs::write(&path, "# written by cargo xtask image\ntrust = \"test\"\n").expect("write");
        assert_eq!(read_image_trust(&path).expect("test"), Some(ImageTrust::Test));
        std::fs::write(&path, "trust = \"production\"\n").expect("write");
        assert_eq!(read_image_trust(&path).expect("production"), Some(ImageTrust::Production));
        for bad in ["trust = \"maybe\"\n", "trust = \"test\"\nextra = 1\n", "nothing = 1\n"] {
            std::fs::write(&path, bad).expect("write");
            let e = read_image_trust(&path).expect_err(bad);
            assert!(e.to_string().contains("image.toml"), "{e}");
        }
    }
}
