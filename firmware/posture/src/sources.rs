//! Where the posture comes from, and reading it.

use std::io::Read;
use std::path::{Path, PathBuf};

use postern_host_checker::PostureReport;
use postern_tnc_wire::pa::ForwardingEnabled;

use crate::{MAX_STATUS_BYTES, parse_dpkg_status, parse_os_release, parse_rpm_list};

/// The files the posture is read from.
#[derive(Debug, Clone)]
pub struct Sources {
    /// os-release file.
    pub os_release: PathBuf,
    /// dpkg status database.
    pub dpkg_status: PathBuf,
    /// An `rpm -qa` list to read the packages from instead of the dpkg database.
    pub rpm_list: Option<PathBuf>,
    /// File holding the kernel release.
    pub kernel_release: PathBuf,
    /// File holding the IPv4 forwarding switch (`0` or `1`).
    pub ip_forward: PathBuf,
}

impl Default for Sources {
    fn default() -> Self {
        Self {
            os_release: "/etc/os-release".into(),
            dpkg_status: "/var/lib/dpkg/status".into(),
            rpm_list: None,
            kernel_release: "/proc/sys/kernel/osrelease".into(),
            ip_forward: "/proc/sys/net/ipv4/ip_forward".into(),
        }
    }
}

/// A source that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The RPM list has a malformed line.
    #[error("{path}: {source}")]
    RpmList {
        /// The file.
        path: PathBuf,
        /// The line.
        source: crate::RpmListError,
    },
    /// The file is larger than it can be.
    #[error("{path} is larger than {max} bytes")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit.
        max: u64,
    },
}

fn read(path: &Path, max: u64) -> Result<String, SourceError> {
    let file = std::fs::File::open(path).map_err(|source| SourceError::Read { path: path.into(), source })?;
    let mut text = String::new();
    file.take(max + 1).read_to_string(&mut text).map_err(|source| SourceError::Read { path: path.into(), source })?;
    if text.len() as u64 > max {
        return Err(SourceError::TooLarge { path: path.into(), max });
    }
    Ok(text)
}

impl Sources {
    /// The file the packages are read from: the RPM list when given, else dpkg's.
    pub fn packages_file(&self) -> &Path {
        self.rpm_list.as_deref().unwrap_or(&self.dpkg_status)
    }
}

/// Reads the posture. os-release and the package list must be readable; an unreadable
/// forwarding switch is reported as unknown.
pub fn gather(sources: &Sources) -> Result<PostureReport, SourceError> {
    let release = parse_os_release(&read(&sources.os_release, 64 * 1024)?);
    let packages = match &sources.rpm_list {
        Some(path) => parse_rpm_list(&read(path, MAX_STATUS_BYTES)?)
            .map_err(|source| SourceError::RpmList { path: path.clone(), source })?,
        None => parse_dpkg_status(&read(&sources.dpkg_status, MAX_STATUS_BYTES)?),
    };
    let build = read(&sources.kernel_release, 4096).map(|k| k.trim().to_owned()).unwrap_or_default();
    let forwarding = match read(&sources.ip_forward, 16).as_deref().map(str::trim) {
        Ok("0") => ForwardingEnabled::Disabled,
        Ok("1") => ForwardingEnabled::Enabled,
        _ => ForwardingEnabled::Unknown,
    };
    Ok(PostureReport {
        product: release.id,
        version: release.version_id,
        build,
        config: std::env::consts::ARCH.to_owned(),
        packages,
        forwarding,
        // Linux has no factory default password the collector could check.
        default_password: None,
    })
}
