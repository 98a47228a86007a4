//! A candidate configuration: one session's working copy, edited until it is committed.

use postern_config::Config;

/// A session's working copy of the configuration. The CLI edits it through
/// [`Candidate::config_mut`]; nothing changes on the gateway until it is committed. After
/// a successful commit, take a new candidate from the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    base: u64,
    base_config: Config,
    config: Config,
}

impl Candidate {
    pub(crate) fn new(base: u64, base_config: Config, config: Config) -> Self {
        Self { base, base_config, config }
    }

    /// The revision that was running when this candidate was taken.
    pub fn base_revision(&self) -> u64 {
        self.base
    }

    /// The running configuration when this candidate was taken.
    pub fn base_config(&self) -> &Config {
        &self.base_config
    }

    /// The candidate configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The candidate configuration, for editing.
    pub fn config_mut(&mut self) -> &mut Config {
        &mut self.config
    }

    /// Whether the candidate differs from the configuration it was taken from.
    pub fn is_changed(&self) -> bool {
        self.config != self.base_config
    }
}
