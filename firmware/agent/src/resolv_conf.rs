//! Pointing the system's resolver at the agent and back: `/etc/resolv.conf` is saved
//! under the state directory, rewritten, and restored when the agent stops, or at the
//! next start if it did not (the saved copy is still there).

use crate::error::AgentError;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

/// The first line of the file while the agent runs.
const MARK: &str = "# Written by postern-agent (split DNS); the original is restored when it stops.";

/// The nameservers of a resolv.conf text, port 53, in order.
pub(crate) fn nameservers(text: &str) -> Vec<SocketAddr> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some("nameserver")).then(|| words.next()).flatten()
        })
        // A link-local IPv6 server may carry a zone (`fe80::1%eth0`), which is not kept.
        .filter_map(|addr| addr.split('%').next()?.parse::<IpAddr>().ok())
        .map(|ip| SocketAddr::new(ip, 53))
        .collect()
}

/// The text that sends every query to `listen`, keeping the original's `search`,
/// `domain` and `options` lines.
pub(crate) fn rewritten(original: &str, listen: IpAddr) -> String {
    let mut text = format!("{MARK}\nnameserver {listen}\n");
    for line in original.lines() {
        if matches!(line.split_whitespace().next(), Some("search" | "domain" | "options")) {
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}

/// The system's resolv.conf and where its original is kept.
#[derive(Debug, Clone)]
pub(crate) struct ResolvConf {
    path: PathBuf,
    saved: PathBuf,
    saved_link: PathBuf,
}

fn io(what: String) -> impl FnOnce(std::io::Error) -> AgentError {
    move |source| AgentError::Io { what, source }
}

impl ResolvConf {
    /// `path`, with its original kept in `state_dir`.
    pub(crate) fn new(path: &Path, state_dir: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            saved: state_dir.join("resolv.conf.saved"),
            saved_link: state_dir.join("resolv.conf.saved-link"),
        }
    }

    /// Puts back an original an earlier run left behind; whether there was one.
    pub(crate) fn recover(&self) -> Result<bool, AgentError> {
        if !self.saved.exists() {
            return Ok(false);
        }
        self.restore()?;
        Ok(true)
    }

    /// Saves the original (its text, and its target if it is a symbolic link), then
    /// points the file at `listen`; returns the original's text.
    pub(crate) fn take_over(&self, listen: IpAddr) -> Result<String, AgentError> {
        let original = std::fs::read_to_string(&self.path).map_err(io(format!("reading {}", self.path.display())))?;
        if let Ok(target) = std::fs::read_link(&self.path) {
            postern_durable_fs::write_atomically(&self.saved_link, target.as_os_str().as_encoded_bytes(), 0o600)
                .map_err(|e| AgentError::Config { path: self.saved_link.clone(), reason: e.to_string() })?;
        }
        postern_durable_fs::write_atomically(&self.saved, original.as_bytes(), 0o644)
            .map_err(|e| AgentError::Config { path: self.saved.clone(), reason: e.to_string() })?;
        if std::fs::symlink_metadata(&self.path).is_ok_and(|m| m.file_type().is_symlink()) {
            std::fs::remove_file(&self.path).map_err(io(format!("replacing the link {}", self.path.display())))?;
        }
        postern_durable_fs::write_atomically(&self.path, rewritten(&original, listen).as_bytes(), 0o644)
            .map_err(|e| AgentError::Config { path: self.path.clone(), reason: e.to_string() })?;
        Ok(original)
    }

    /// Puts the original back (the link, or the text) and forgets the saved copy.
    pub(crate) fn restore(&self) -> Result<(), AgentError> {
        if let Ok(target) = std::fs::read(&self.saved_link) {
            let target = PathBuf::from(String::from_utf8_lossy(&target).into_owned());
            let _ = std::fs::remove_file(&self.path);
            std::os::unix::fs::symlink(&target, &self.path).map_err(io(format!(
                "linking {} to {}",
                self.path.display(),
                target.display()
            )))?;
            std::fs::remove_file(&self.saved_link).map_err(io(format!("removing {}", self.saved_link.display())))?;
        } else {
            let original = std::fs::read(&self.saved).map_err(io(format!("reading {}", self.saved.display())))?;
            postern_durable_fs::write_atomically(&self.path, &original, 0o644)
                .map_err(|e| AgentError::Config { path: self.path.clone(), reason: e.to_string() })?;
        }
        std::fs::remove_file(&self.saved).map_err(io(format!("removing {}", self.saved.display())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SYSTEM: &str =
        "# from DHCP\nsearch corp.example\nnameserver 192.0.2.53\nnameserver fe80::1%eth0\noptions edns0\n";

    #[test]
    fn nameservers_are_read_in_order_and_the_rewrite_keeps_search_and_options() {
        let servers = nameservers(SYSTEM);
        assert_eq!(servers, ["192.0.2.53:53".parse().expect("addr"), "[fe80::1]:53".parse().expect("addr")]);
        let text = rewritten(SYSTEM, "127.0.0.1".parse().expect("ip"));
        assert_eq!(text, format!("{MARK}\nnameserver 127.0.0.1\nsearch corp.example\noptions edns0\n"));
        assert!(nameservers("nameserver\nnameserver x\n").is_empty());
    }

    #[test]
    fn a_file_and_a_link_are_taken_over_and_restored_and_a_left_copy_is_recovered() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("resolv.conf");
        std::fs::write(&path, SYSTEM).expect("write");
        let conf = ResolvConf::new(&path, dir.path());
        assert!(!conf.recover().expect("nothing to recover"));
        assert_eq!(conf.take_over("127.0.0.1".parse().expect("ip")).expect("take over"), SYSTEM);
        assert!(std::fs::read_to_string(&path).expect("read").starts_with(MARK));
        // As after a crash: a new run finds the saved copy.
        let again = ResolvConf::new(&path, dir.path());
        assert!(again.recover().expect("recovered"));
        assert_eq!(std::fs::read_to_string(&path).expect("read"), SYSTEM);
        assert!(!again.recover().expect("once only"));

        let target = dir.path().join("stub-resolv.conf");
        std::fs::write(&target, SYSTEM).expect("write");
        std::fs::remove_file(&path).expect("rm");
        std::os::unix::fs::symlink(&target, &path).expect("link");
        conf.take_over("127.0.0.1".parse().expect("ip")).expect("take over");
        assert!(!std::fs::symlink_metadata(&path).expect("meta").file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&target).expect("target untouched"), SYSTEM);
        conf.restore().expect("restore");
        assert_eq!(std::fs::read_link(&path).expect("a link again"), target);
    }
}
