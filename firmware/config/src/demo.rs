//! The embedded demo configuration.

use crate::config::Config;

/// The demo configuration's text (`demo.toml`): a static UEM with six devices covering
/// allowed, blocked, quarantined, wiped, allowed on another gateway and pinned to this one.
pub const DEMO_TOML: &str = include_str!("../demo.toml");

impl Config {
    /// The demo configuration, parsed from [`DEMO_TOML`].
    pub fn demo() -> Config {
        // The text is part of the build and a test parses and validates it; a failure here
        // is a defect of the build, not of any input.
        Config::from_toml_str(DEMO_TOML).expect("the embedded demo configuration is valid")
    }
}
