//! The helper's identity: the service account, with only [`KEPT`] of root's capabilities.

use crate::HelperError;
use nix::unistd::{Uid, User, setgid, setgroups, setuid};
use rustix::thread::{CapabilitySet, CapabilitySets};

/// The capabilities the helper keeps, in every set but the inheritable one: binding ports
/// below 1024, and configuring network interfaces (for the interface requests to come).
pub const KEPT: CapabilitySet = CapabilitySet::NET_BIND_SERVICE.union(CapabilitySet::NET_ADMIN);

fn sys(call: &'static str) -> impl Fn(rustix::io::Errno) -> HelperError {
    move |errno| HelperError::System { call, source: errno.into() }
}

fn nix_sys(call: &'static str) -> impl Fn(nix::Error) -> HelperError {
    move |errno| HelperError::System { call, source: std::io::Error::from_raw_os_error(errno as i32) }
}

/// Becomes `user` keeping [`KEPT`] and nothing else: every other capability leaves the
/// bounding set while still root, the ids change with `PR_SET_KEEPCAPS` so the permitted
/// set survives, then the effective and permitted sets become exactly [`KEPT`], the
/// inheritable and ambient sets empty, and `no_new_privs` is set. Checked afterwards.
/// Must run while the process has one thread (the ids change for the calling one).
pub fn become_user(user: &str) -> Result<(), HelperError> {
    let account =
        User::from_name(user).map_err(nix_sys("getpwnam"))?.ok_or_else(|| HelperError::UnknownUser(user.to_owned()))?;
    if account.uid.is_root() || account.gid.as_raw() == 0 {
        return Err(HelperError::Root("the target user or its group is root"));
    }
    for bit in 0..64u32 {
        let capability = CapabilitySet::from_bits_retain(1 << bit);
        match rustix::thread::capability_is_in_bounding_set(capability) {
            Ok(true) if !KEPT.contains(capability) => {
                rustix::thread::remove_capability_from_bounding_set(capability)
                    .map_err(sys("prctl(PR_CAPBSET_DROP)"))?;
            }
            Ok(_) => {}
            // Past the kernel's last capability.
            Err(_) => break,
        }
    }
    rustix::thread::set_keep_capabilities(true).map_err(sys("prctl(PR_SET_KEEPCAPS)"))?;
    setgroups(&[account.gid]).map_err(nix_sys("setgroups"))?;
    setgid(account.gid).map_err(nix_sys("setgid"))?;
    setuid(account.uid).map_err(nix_sys("setuid"))?;
    rustix::thread::set_capabilities(
        None,
        CapabilitySets { effective: KEPT, permitted: KEPT, inheritable: CapabilitySet::empty() },
    )
    .map_err(sys("capset"))?;
    rustix::thread::set_keep_capabilities(false).map_err(sys("prctl(PR_SET_KEEPCAPS)"))?;
    rustix::thread::clear_ambient_capability_set().map_err(sys("prctl(PR_CAP_AMBIENT_CLEAR_ALL)"))?;
    rustix::thread::set_no_new_privs(true).map_err(sys("prctl(PR_SET_NO_NEW_PRIVS)"))?;
    verify()
}

fn verify() -> Result<(), HelperError> {
    if nix::unistd::getuid().is_root() || nix::unistd::geteuid().is_root() {
        return Err(HelperError::Root("user id is still 0"));
    }
    if setuid(Uid::from_raw(0)).is_ok() {
        return Err(HelperError::Root("root could be regained"));
    }
    let sets = rustix::thread::capabilities(None).map_err(sys("capget"))?;
    if sets.effective != KEPT || sets.permitted != KEPT || !sets.inheritable.is_empty() {
        return Err(HelperError::Root("capabilities beyond the kept ones remain"));
    }
    Ok(())
}
