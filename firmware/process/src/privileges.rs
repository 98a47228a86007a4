//! Giving up root after the listening sockets are bound, and raising the open-file limit.
//!
//! The daemon starts as root only to bind privileged ports. Once every listener is
//! bound it calls [`drop_privileges`] with the service account: the supplementary
//! groups are replaced by the user's primary group, then the group and user ids (real,
//! effective and saved) are set. Changing all user ids away from 0 clears every
//! capability (the kernel does so unless `SECBIT_KEEP_CAPS` is set, which Postern never
//! sets), so none is kept: the bound sockets stay usable without `CAP_NET_BIND_SERVICE`.
//! glibc applies the id changes to every thread of the process (and the kernel clears
//! each thread's capabilities as its ids change), so it is safe with a running Tokio
//! runtime. `no_new_privs` is then set so no later exec can gain privileges; that flag
//! is per thread (inherited by threads created afterwards), which is enough for the
//! daemon, which never executes programs after this point.
//!
//! posternd itself keeps no capability. Listeners that a commit starts or moves later are
//! bound by the privileged helper (`postern-privileged-helper`), which posternd starts
//! just before it calls [`drop_privileges`]: the helper runs as the same user and keeps two
//! capabilities, `CAP_NET_BIND_SERVICE` and `CAP_NET_ADMIN`, with `no_new_privs` set and
//! nothing inheritable. That is safe because the helper parses nothing from the network:
//! its only input is a typed, bounded request from posternd over a socket pair, and its
//! only output a listening TCP socket, so a compromised posternd gains a listening socket
//! and nothing else.

use nix::sys::resource::{Resource, getrlimit, setrlimit};
use nix::unistd::{Gid, Uid, User, getegid, geteuid, getgid, getuid, setgid, setgroups, setuid};

/// Why the process set-up failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProcessError {
    /// The named user does not exist.
    #[error("no such user {0:?}")]
    UnknownUser(String),
    /// A privilege or resource-limit system call failed.
    #[error("{call} failed: {source}")]
    System {
        /// The call, e.g. "setuid".
        call: &'static str,
        /// The errno.
        #[source]
        source: nix::Error,
    },
    /// The process still has root privileges after dropping them, or the target user is root.
    #[error("refusing to run as root: {0}")]
    StillRoot(&'static str),
}

/// The identity the process runs as after [`drop_privileges`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DroppedPrivileges {
    /// The user id now in force.
    pub uid: u32,
    /// The group id now in force.
    pub gid: u32,
}

fn sys(call: &'static str) -> impl Fn(nix::Error) -> ProcessError {
    move |source| ProcessError::System { call, source }
}

/// Switches the process to `user` (name from the password database) and keeps no
/// capability. Refuses a root target and fails if root could be regained afterwards.
/// Called when not root, it succeeds only if the process already runs as `user`.
pub fn drop_privileges(user: &str) -> Result<DroppedPrivileges, ProcessError> {
    let account =
        User::from_name(user).map_err(sys("getpwnam"))?.ok_or_else(|| ProcessError::UnknownUser(user.to_owned()))?;
    if account.uid.is_root() || account.gid.as_raw() == 0 {
        return Err(ProcessError::StillRoot("the target user or its group is root"));
    }
    if !geteuid().is_root() {
        if getuid() == account.uid && geteuid() == account.uid {
            return Ok(DroppedPrivileges { uid: account.uid.as_raw(), gid: getgid().as_raw() });
        }
        return Err(ProcessError::System { call: "setuid", source: nix::Error::EPERM });
    }
    setgroups(&[account.gid]).map_err(sys("setgroups"))?;
    setgid(account.gid).map_err(sys("setgid"))?;
    setuid(account.uid).map_err(sys("setuid"))?;
    nix::sys::prctl::set_no_new_privs().map_err(sys("prctl(PR_SET_NO_NEW_PRIVS)"))?;
    verify_unprivileged()?;
    Ok(DroppedPrivileges { uid: getuid().as_raw(), gid: getgid().as_raw() })
}

fn verify_unprivileged() -> Result<(), ProcessError> {
    if getuid().is_root() || geteuid().is_root() {
        return Err(ProcessError::StillRoot("user id is still 0"));
    }
    if getgid() == Gid::from_raw(0) || getegid() == Gid::from_raw(0) {
        return Err(ProcessError::StillRoot("group id is still 0"));
    }
    if setuid(Uid::from_raw(0)).is_ok() {
        return Err(ProcessError::StillRoot("root could be regained"));
    }
    Ok(())
}

/// Raises the soft open-file limit towards `wanted` (and the hard limit too when the
/// process may); returns the soft limit now in force.
pub fn raise_open_file_limit(wanted: u64) -> Result<u64, ProcessError> {
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).map_err(sys("getrlimit"))?;
    if soft >= wanted {
        return Ok(soft);
    }
    if wanted > hard && setrlimit(Resource::RLIMIT_NOFILE, wanted, wanted).is_ok() {
        return Ok(wanted);
    }
    let target = wanted.min(hard);
    setrlimit(Resource::RLIMIT_NOFILE, target, hard).map_err(sys("setrlimit"))?;
    Ok(target)
}
