//! The stored form's `version`, and the migrations that bring an older one up to date.
//!
//! Each migration is a small pure function from version N to N+1 over the untyped table;
//! [`MIGRATIONS`] lists them in order, and loading runs every step from the stored
//! version up to [`CURRENT_VERSION`].

use crate::error::ConfigError;
use crate::migration_steps::StepError;
use toml::{Table, Value};

/// The top-level key that holds the stored form's schema version.
pub const VERSION_KEY: &str = "version";

/// A migration step's function: takes a configuration at version N (without the
/// `version` key) and returns it at version N+1.
pub type MigrationFn = fn(Table) -> Result<Table, StepError>;

/// One migration step, from version `from` to `from + 1`.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// The version this step reads; it produces the next one.
    pub from: u32,
    /// A short name for errors and logs, e.g. `rename-gateway-name-to-id`.
    pub name: &'static str,
    /// The step itself.
    pub apply: MigrationFn,
}

/// This build's migrations, in order: entry `i` goes from version `i + 1` to `i + 2`.
/// Empty: version 1 is the first schema.
pub const MIGRATIONS: &[Migration] = &[];

/// The schema version this build writes and understands.
pub const CURRENT_VERSION: u32 = current_version(MIGRATIONS);

/// The version a list of migrations leads to: one more than its length.
pub const fn current_version(steps: &[Migration]) -> u32 {
    (steps.len() as u32).saturating_add(1)
}

/// The version of a stored configuration: its `version` key, or 1 when it has none.
pub fn stored_version(table: &Table) -> Result<u32, ConfigError> {
    match table.get(VERSION_KEY) {
        None => Ok(1),
        Some(Value::Integer(n)) => match u32::try_from(*n) {
            Ok(v) if v >= 1 => Ok(v),
            _ => Err(ConfigError::BadVersion { found: n.to_string() }),
        },
        Some(other) => Err(ConfigError::BadVersion { found: other.to_string() }),
    }
}

/// Checks that `steps` are contiguous from version 1, and returns the version they lead to.
pub fn checked_current_version(steps: &[Migration]) -> Result<u32, ConfigError> {
    for (index, step) in steps.iter().enumerate() {
        let expected = current_version(&steps[..index]);
        if step.from != expected {
            return Err(ConfigError::MigrationList { index, expected, found: step.from });
        }
    }
    Ok(current_version(steps))
}

/// Runs every step of `steps` from the stored version up to the version they lead to,
/// and returns the table with `version` set to it. A stored version newer than that is
/// refused, never silently dropped.
pub fn migrate(mut table: Table, steps: &[Migration]) -> Result<Table, ConfigError> {
    let current = checked_current_version(steps)?;
    let stored = stored_version(&table)?;
    if stored > current {
        return Err(ConfigError::TooNew { stored, supported: current });
    }
    table.remove(VERSION_KEY);
    for step in steps.iter().filter(|step| step.from >= stored) {
        table = (step.apply)(table).map_err(|source| ConfigError::Migration {
            name: step.name,
            from: step.from,
            source,
        })?;
    }
    table.insert(VERSION_KEY.to_owned(), Value::Integer(current.into()));
    Ok(table)
}
