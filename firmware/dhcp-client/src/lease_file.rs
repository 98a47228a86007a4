//! The record of an interface's lease, written by the client and read by the CLI: one
//! `key = value` line per field, in a directory given to both (on the appliance
//! [`LEASE_DIR`]), named after the interface.

use crate::machine::Lease;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where the appliance keeps its lease records.
pub const LEASE_DIR: &str = "/run/postern/dhcp";
/// The resolver file made from every lease's DNS servers, in the lease directory; the
/// image's `/etc/resolv.conf` links to it (on the appliance `/run/postern/dhcp/resolv.conf`).
pub const RESOLV_CONF: &str = "resolv.conf";

/// A lease as recorded, with wall-clock times (seconds since the Unix epoch, UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseRecord {
    /// The address and its prefix length.
    pub address: Ipv4Addr,
    /// The prefix length.
    pub prefix: u8,
    /// The default router the server gave, if any.
    pub router: Option<Ipv4Addr>,
    /// The DNS servers the server gave.
    pub dns_servers: Vec<Ipv4Addr>,
    /// The server that granted the lease.
    pub server: Ipv4Addr,
    /// When it was granted or last renewed.
    pub obtained: u64,
    /// When renewing starts (T1).
    pub renews: u64,
    /// When it expires.
    pub expires: u64,
}

/// A record that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum LeaseFileError {
    /// The file could not be read or written.
    #[error("lease file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A line is missing or malformed.
    #[error("lease file {path}: {problem}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
}

impl LeaseRecord {
    /// The record of `lease`, whose monotonic times are relative to `now` (monotonic)
    /// and `wall` (the same instant on the wall clock).
    pub fn of(lease: &Lease, now: Duration, wall: SystemTime) -> Self {
        let unix = wall.duration_since(UNIX_EPOCH).unwrap_or_default();
        let at = |t: Duration| (unix + t).saturating_sub(now).as_secs();
        Self {
            address: lease.address,
            prefix: lease.prefix,
            router: lease.router,
            dns_servers: lease.dns_servers.clone(),
            server: lease.server,
            obtained: at(lease.obtained),
            renews: at(lease.renew_at),
            expires: at(lease.expires_at),
        }
    }

    /// The file of `interface` in `dir`.
    pub fn path(dir: &Path, interface: &str) -> PathBuf {
        dir.join(format!("{interface}.lease"))
    }

    /// Writes the record for `interface` in `dir`, replacing the previous one at once.
    pub fn write(&self, dir: &Path, interface: &str) -> Result<(), LeaseFileError> {
        let path = Self::path(dir, interface);
        let io = |source| LeaseFileError::Io { path: path.clone(), source };
        let dns: Vec<String> = self.dns_servers.iter().map(ToString::to_string).collect();
        let text = format!(
            "address = {}/{}\nrouter = {}\ndns = {}\nserver = {}\nobtained = {}\nrenews = {}\nexpires = {}\n",
            self.address,
            self.prefix,
            self.router.map_or_else(String::new, |r| r.to_string()),
            dns.join(" "),
            self.server,
            self.obtained,
            self.renews,
            self.expires
        );
        std::fs::create_dir_all(dir).map_err(io)?;
        let temporary = dir.join(format!(".{interface}.lease.new"));
        std::fs::write(&temporary, text).map_err(io)?;
        std::fs::rename(&temporary, &path).map_err(io)
    }

    /// Removes the record of `interface` (its lease is gone); a missing one is fine.
    pub fn remove(dir: &Path, interface: &str) -> Result<(), LeaseFileError> {
        let path = Self::path(dir, interface);
        match std::fs::remove_file(&path) {
            Err(source) if source.kind() != std::io::ErrorKind::NotFound => Err(LeaseFileError::Io { path, source }),
            _ => Ok(()),
        }
    }

    /// Reads the record of `interface` in `dir`; `Ok(None)` when it holds no lease.
    pub fn read(dir: &Path, interface: &str) -> Result<Option<Self>, LeaseFileError> {
        let path = Self::path(dir, interface);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(LeaseFileError::Io { path, source }),
        };
        let bad = |problem: String| LeaseFileError::Malformed { path: path.clone(), problem };
        let field = |key: &str| {
            text.lines()
                .filter_map(|l| l.split_once(" = ").or_else(|| l.split_once(" =")))
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.trim().to_owned())
                .ok_or_else(|| bad(format!("no {key}")))
        };
        let parse = |key: &str, value: &str| -> Result<Ipv4Addr, LeaseFileError> {
            value.parse().map_err(|_| bad(format!("{key} {value:?} is not an IPv4 address")))
        };
        let number = |key: &str| -> Result<u64, LeaseFileError> {
            let value = field(key)?;
            value.parse().map_err(|_| bad(format!("{key} {value:?} is not a number")))
        };
        let cidr = field("address")?;
        let (address, prefix) = cidr.split_once('/').ok_or_else(|| bad(format!("address {cidr:?} has no prefix")))?;
        let router = field("router")?;
        Ok(Some(Self {
            address: parse("address", address)?,
            prefix: prefix.parse().ok().filter(|p| *p <= 32).ok_or_else(|| bad(format!("bad prefix in {cidr:?}")))?,
            router: if router.is_empty() { None } else { Some(parse("router", &router)?) },
            dns_servers: field("dns")?.split_whitespace().map(|d| parse("dns", d)).collect::<Result<_, _>>()?,
            server: parse("server", &field("server")?)?,
            obtained: number("obtained")?,
            renews: number("renews")?,
            expires: number("expires")?,
        }))
    }
}

/// Rewrites [`RESOLV_CONF`] in `dir` from the DNS servers of every lease recorded there
/// (each once, in the order of the interfaces' names); with none, the file is removed.
pub fn write_resolv_conf(dir: &Path) -> Result<(), LeaseFileError> {
    let io = |source| LeaseFileError::Io { path: dir.join(RESOLV_CONF), source };
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.strip_suffix(".lease").map(str::to_owned))
        .filter(|name| !name.starts_with('.'))
        .collect();
    names.sort();
    let mut servers: Vec<Ipv4Addr> = Vec::new();
    for name in names {
        for server in LeaseRecord::read(dir, &name)?.map(|r| r.dns_servers).unwrap_or_default() {
            if !servers.contains(&server) {
                servers.push(server);
            }
        }
    }
    let path = dir.join(RESOLV_CONF);
    if servers.is_empty() {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
            _ => Ok(()),
        };
    }
    let text: String = servers.iter().map(|s| format!("nameserver {s}\n")).collect();
    let temporary = dir.join(".resolv.conf.new");
    std::fs::write(&temporary, text).map_err(io)?;
    std::fs::rename(&temporary, &path).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_written_and_read_back() {
        let dir = tempfile::tempdir().expect("dir");
        let record = LeaseRecord {
            address: Ipv4Addr::new(10, 0, 2, 15),
            prefix: 24,
            router: Some(Ipv4Addr::new(10, 0, 2, 2)),
            dns_servers: vec![Ipv4Addr::new(10, 0, 2, 3), Ipv4Addr::new(10, 0, 2, 4)],
            server: Ipv4Addr::new(10, 0, 2, 2),
            obtained: 1_796_400_000,
            renews: 1_796_443_200,
            expires: 1_796_486_400,
        };
        record.write(dir.path(), "eth0").expect("written");
        assert_eq!(LeaseRecord::read(dir.path(), "eth0").expect("read"), Some(record.clone()));
        let no_router = LeaseRecord { router: None, dns_servers: Vec::new(), ..record };
        no_router.write(dir.path(), "eth0").expect("written");
        assert_eq!(LeaseRecord::read(dir.path(), "eth0").expect("read"), Some(no_router));
        LeaseRecord::remove(dir.path(), "eth0").expect("removed");
        assert_eq!(LeaseRecord::read(dir.path(), "eth0").expect("read"), None);
        LeaseRecord::remove(dir.path(), "eth0").expect("a missing record is fine");
    }

    #[test]
    fn the_resolver_file_lists_every_leases_dns_servers_once() {
        let dir = tempfile::tempdir().expect("dir");
        let record = |dns: &[[u8; 4]]| LeaseRecord {
            address: Ipv4Addr::new(10, 0, 2, 15),
            prefix: 24,
            router: None,
            dns_servers: dns.iter().map(|d| Ipv4Addr::from(*d)).collect(),
            server: Ipv4Addr::new(10, 0, 2, 2),
            obtained: 0,
            renews: 0,
            expires: 0,
        };
        record(&[[10, 0, 2, 3], [10, 0, 2, 4]]).write(dir.path(), "eth0").expect("written");
        record(&[[10, 0, 2, 4], [192, 0, 2, 53]]).write(dir.path(), "eth1").expect("written");
        write_resolv_conf(dir.path()).expect("resolv.conf");
        let text = std::fs::read_to_string(dir.path().join(RESOLV_CONF)).expect("read");
        assert_eq!(text, "nameserver 10.0.2.3\nnameserver 10.0.2.4\nnameserver 192.0.2.53\n");
        LeaseRecord::remove(dir.path(), "eth0").expect("removed");
        LeaseRecord::remove(dir.path(), "eth1").expect("removed");
        write_resolv_conf(dir.path()).expect("resolv.conf");
        assert!(!dir.path().join(RESOLV_CONF).exists(), "no lease, no resolver file");
    }

    #[test]
    fn a_damaged_record_says_what_is_wrong() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(LeaseRecord::path(dir.path(), "eth0"), "address = 10.0.2.15\n").expect("write");
        let error = LeaseRecord::read(dir.path(), "eth0").expect_err("malformed").to_string();
        assert!(error.contains("has no prefix"), "{error}");
    }
}
