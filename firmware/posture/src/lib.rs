//! The Linux side of Host Checker: reads what an endpoint's posture is made of — the
//! os-release file, the kernel release, the dpkg status database (or an `rpm -qa` list), the IPv4 forwarding
//! switch — into a [`PostureReport`] that the collector sends over PT-TLS. Paths are
//! parameters, so fixtures stand in for a system.

mod dpkg_status;
mod os_release;
mod rpm_list;
mod session;
mod sources;
mod watch;

pub use dpkg_status::{MAX_STATUS_BYTES, parse_dpkg_status};
pub use os_release::{OsRelease, parse_os_release};
pub use postern_host_checker::PostureReport;
pub use rpm_list::{RpmListError, parse_rpm_list};
pub use session::{SessionError, SessionEvent, SessionSettings, allows, run_session};
pub use sources::{SourceError, Sources, gather};
pub use watch::{FileWatcher, WatchError, Woken};
