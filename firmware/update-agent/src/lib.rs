//! The appliance's update agent: reads a signed bundle from a file or HTTPS, verifies it while writing the inactive slot, and arms it for a limited number of boots.

mod agent;
mod error;
mod image;
mod installer;
mod records;
mod source;
mod status;

pub use agent::{AgentPaths, Installed, UpdateAgent};
pub use error::UpdateError;
pub use image::{IMAGE_FILE, read_image_trust};
pub use source::Source;
pub use status::SoftwareStatus;
