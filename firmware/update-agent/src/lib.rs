//! The appliance's update agent: reads a signed bundle from a file or HTTPS, verifies it while writing the inactive slot, and arms it for a limited number of boots.

mod agent;
mod error;
mod helper_client;
mod helper_protocol;
mod image;
mod installer;
mod mount_state;
mod progress;
mod records;
mod source;
mod staging;
mod status;

pub use agent::{AgentPaths, Installed, UpdateAgent};
pub use error::UpdateError;
pub use helper_protocol::{HelperAnswer, HelperRequest, MAX_LINE as HELPER_MAX_LINE};
pub use image::{IMAGE_FILE, read_image_trust};
pub use progress::{InstallPhase, InstallProgress};
pub use source::Source;
pub use status::{BootPartition, SoftwareStatus};

/// Where the install helper listens on the appliance (a directory only root and the
/// daemon's group may enter).
pub const HELPER_SOCKET: &str = "/run/postern-install/install.sock";

/// Where the anti-rollback floor is kept on the appliance: a root-only directory of the
/// data area that init writes when a slot proves good.
pub const FLOOR_DIR: &str = "/data/boot-records";
