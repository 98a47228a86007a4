//! Reading the stored form: migrate, deserialise, validate.

use crate::config::Config;
use crate::error::ConfigError;
use crate::version::{MIGRATIONS, Migration, VERSION_KEY, checked_current_version, migrate, stored_version};
use serde::Deserialize;
use toml::Table;
use toml::de::{DeTable, Deserializer};

impl Config {
    /// Loads a stored configuration: migrates it to [`crate::CURRENT_VERSION`], then
    /// deserialises it (unknown keys are errors that name the key), then validates it.
    pub fn from_toml_str(text: &str) -> Result<Config, ConfigError> {
        Config::from_toml_str_with(text, MIGRATIONS)
    }

    /// As [`Config::from_toml_str`] with an explicit migration list in place of
    /// [`MIGRATIONS`]; the current version is then the one `steps` lead to.
    pub fn from_toml_str_with(text: &str, steps: &[Migration]) -> Result<Config, ConfigError> {
        let table: Table = text.parse().map_err(ConfigError::Syntax)?;
        let stored = stored_version(&table)?;
        let config = if stored == checked_current_version(steps)? {
            from_text(text)?
        } else {
            from_table(migrate(table, steps)?, stored)?
        };
        config.validate().map_err(ConfigError::Invalid)?;
        Ok(config)
    }
}

/// Deserialises an up-to-date document from its text, so errors carry line numbers.
fn from_text(text: &str) -> Result<Config, ConfigError> {
    let mut document = DeTable::parse(text).map_err(ConfigError::Syntax)?;
    document.get_mut().remove(VERSION_KEY);
    Config::deserialize(Deserializer::from(document)).map_err(|mut error| {
        error.set_input(Some(text));
        ConfigError::Schema(error)
    })
}

/// Deserialises a migrated table (it has no text, hence no line numbers).
fn from_table(mut table: Table, from: u32) -> Result<Config, ConfigError> {
    table.remove(VERSION_KEY);
    table.try_into().map_err(|source| ConfigError::SchemaAfterMigration { from, source })
}
