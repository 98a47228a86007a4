//! Building blocks for migration steps: small edits of an untyped TOML table.

use toml::{Table, Value};

/// Why a migration step could not rewrite a stored configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StepError {
    /// A key on the way to the setting holds a value that is not a table.
    #[error("`{key}` is a {found}, expected a table")]
    NotATable {
        /// Dotted path of the key.
        key: String,
        /// The TOML type found there.
        found: &'static str,
    },
    /// A rename would overwrite a setting that is already set.
    #[error("both `{from}` and `{to}` are set; remove one")]
    BothSet {
        /// Dotted path of the old key.
        from: String,
        /// Dotted path of the new key.
        to: String,
    },
    /// A key path was empty.
    #[error("a migration step named an empty key path")]
    EmptyPath,
    /// A step-specific problem with one setting.
    #[error("`{key}`: {reason}")]
    Invalid {
        /// Dotted path of the setting.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Moves the value at dotted path `from` to `to`, creating tables on the way. Nothing to
/// move is not an error (the setting was left at its default).
pub fn rename(mut table: Table, from: &[&str], to: &[&str]) -> Result<Table, StepError> {
    let Some((from_leaf, from_parent)) = from.split_last() else {
        return Err(StepError::EmptyPath);
    };
    let Some((to_leaf, to_parent)) = to.split_last() else {
        return Err(StepError::EmptyPath);
    };
    let value = match table_at(&mut table, from_parent, false)? {
        Some(parent) => parent.remove(*from_leaf),
        None => None,
    };
    let Some(value) = value else {
        return Ok(table);
    };
    let target = table_at(&mut table, to_parent, true)?.ok_or(StepError::EmptyPath)?;
    if target.contains_key(*to_leaf) {
        return Err(StepError::BothSet { from: from.join("."), to: to.join(".") });
    }
    target.insert((*to_leaf).to_owned(), value);
    Ok(table)
}

/// Sets the value at dotted path `path` to `value` unless it is already set, creating
/// tables on the way.
pub fn insert_if_absent(mut table: Table, path: &[&str], value: Value) -> Result<Table, StepError> {
    let Some((leaf, parent)) = path.split_last() else {
        return Err(StepError::EmptyPath);
    };
    let target = table_at(&mut table, parent, true)?.ok_or(StepError::EmptyPath)?;
    target.entry((*leaf).to_owned()).or_insert(value);
    Ok(table)
}

/// The table at `path`; missing tables are created when `create` is set, otherwise
/// `None` is returned.
fn table_at<'t>(table: &'t mut Table, path: &[&str], create: bool) -> Result<Option<&'t mut Table>, StepError> {
    let mut here = table;
    for (depth, key) in path.iter().enumerate() {
        if !here.contains_key(*key) {
            if !create {
                return Ok(None);
            }
            here.insert((*key).to_owned(), Value::Table(Table::new()));
        }
        here = match here.get_mut(*key) {
            Some(Value::Table(next)) => next,
            Some(other) => {
                let key = path[..=depth].join(".");
                return Err(StepError::NotATable { key, found: other.type_str() });
            }
            None => return Ok(None),
        };
    }
    Ok(Some(here))
}
