//! The admin API's bearer token: a file of mode 0600 the server makes at its first start
//! (beside its state file unless `--admin-token-file` says where) and `postern-uem admin`
//! reads.

use postern_uem_api::BearerToken;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The token file's name beside the state file.
pub(crate) const TOKEN_FILE: &str = "admin-token";

/// Why the admin token could not be made or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum AdminTokenError {
    /// The file could not be read, created or written.
    #[error("admin token {path}: cannot {op}: {source}")]
    Io {
        /// The token file.
        path: PathBuf,
        /// What was being done.
        op: &'static str,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file does not hold a token.
    #[error("admin token {path}: {reason}")]
    Bad {
        /// The token file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// The token file beside `state` (the server's state file).
pub(crate) fn beside(state: &Path) -> PathBuf {
    state.with_file_name(TOKEN_FILE)
}

/// Reads the token at `path`, first making a new random one there (mode 0600) when the
/// file does not exist. An existing file readable by others is refused.
pub(crate) fn ensure(path: &Path) -> Result<BearerToken, AdminTokenError> {
    let token = format!(
        "{:016x}{:016x}{:016x}{:016x}",
        rand::random::<u64>(),
        rand::random::<u64>(),
        rand::random::<u64>(),
        rand::random::<u64>()
    );
    let created = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path);
    match created {
        Ok(mut file) => {
            let io = |op, source| AdminTokenError::Io { path: path.to_owned(), op, source };
            file.write_all(format!("{token}\n").as_bytes()).map_err(|e| io("write", e))?;
            file.sync_all().map_err(|e| io("sync", e))?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let mode = std::fs::metadata(path)
                .map_err(|source| AdminTokenError::Io { path: path.to_owned(), op: "inspect", source })?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(AdminTokenError::Bad {
                    path: path.to_owned(),
                    reason: format!("mode {:o} lets others read it; make it 0600", mode & 0o777),
                });
            }
        }
        Err(source) => {
            return Err(AdminTokenError::Io { path: path.to_owned(), op: "create", source });
        }
    }
    read(path)
}

/// Reads the token at `path`.
pub(crate) fn read(path: &Path) -> Result<BearerToken, AdminTokenError> {
    let text = std::fs::read_to_string(path).map_err(|source| AdminTokenError::Io {
        path: path.to_owned(),
        op: "read",
        source,
    })?;
    BearerToken::new(text.trim()).map_err(|e| AdminTokenError::Bad { path: path.to_owned(), reason: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_token_is_private_random_and_kept() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = beside(&dir.path().join("state.json"));
        let first = ensure(&path)?;
        assert_eq!(first.as_str().len(), 64);
        assert_eq!(std::fs::metadata(&path)?.permissions().mode() & 0o777, 0o600);
        assert_eq!(ensure(&path)?, first, "kept across starts");
        assert_eq!(read(&path)?, first);
        let other = tempfile::tempdir()?;
        assert_ne!(ensure(&other.path().join(TOKEN_FILE))?, first);
        Ok(())
    }

    #[test]
    fn a_token_file_others_can_read_is_refused() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join(TOKEN_FILE);
        std::fs::write(&path, "abc\n")?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))?;
        assert!(matches!(ensure(&path), Err(AdminTokenError::Bad { .. })));
        Ok(())
    }
}
