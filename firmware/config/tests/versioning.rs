//! The stored `version` and the migration runner, driven with test-only migration lists
//! through the same loading path production uses.

use postern_config::{
    CURRENT_VERSION, Config, ConfigError, MIGRATIONS, Migration, StepError, checked_current_version, insert_if_absent,
    migrate, rename,
};
use toml::{Table, Value};

fn gateway_name_to_id(t: Table) -> Result<Table, StepError> {
    rename(t, &["gateway", "name"], &["gateway", "id"])
}

/// A later schema changed the default cache size; installations from before keep the
/// old default explicitly.
fn keep_old_cache_size(t: Table) -> Result<Table, StepError> {
    insert_if_absent(t, &["device_cache", "size"], Value::Integer(5_000))
}

fn cache_dir_to_path(t: Table) -> Result<Table, StepError> {
    rename(t, &["device_cache", "dir"], &["device_cache", "path"])
}

fn gateway_name_to_label(t: Table) -> Result<Table, StepError> {
    rename(t, &["gateway", "name"], &["gateway", "label"])
}

fn gateway_label_to_id(t: Table) -> Result<Table, StepError> {
    rename(t, &["gateway", "label"], &["gateway", "id"])
}

fn refuse(_: Table) -> Result<Table, StepError> {
    Err(StepError::Invalid { key: "gateway.id".into(), reason: "cannot be converted".into() })
}

const RENAME: &[Migration] = &[Migration { from: 1, name: "gateway-name-to-id", apply: gateway_name_to_id }];
const ADD: &[Migration] = &[Migration { from: 1, name: "keep-old-cache-size", apply: keep_old_cache_size }];
const CHAIN: &[Migration] = &[
    Migration { from: 1, name: "cache-dir-to-path", apply: cache_dir_to_path },
    Migration { from: 2, name: "keep-old-cache-size", apply: keep_old_cache_size },
];
const ORDERED: &[Migration] = &[
    Migration { from: 1, name: "name-to-label", apply: gateway_name_to_label },
    Migration { from: 2, name: "label-to-id", apply: gateway_label_to_id },
];

fn load(text: &str, steps: &[Migration]) -> Config {
    Config::from_toml_str_with(text, steps).unwrap_or_else(|e| panic!("{e}\n--- text:\n{text}"))
}

#[test]
fn this_build_is_the_first_schema_and_its_list_is_well_formed() {
    assert_eq!(checked_current_version(MIGRATIONS).ok(), Some(CURRENT_VERSION));
    assert_eq!(CURRENT_VERSION as usize, MIGRATIONS.len() + 1);
}

#[test]
fn a_missing_version_is_version_1() {
    assert_eq!(load("[gateway]\nname = \"old\"\n", RENAME).gateway.id, "old");
    assert_eq!(Config::from_toml_str("").ok(), Some(Config::default()));
}

#[test]
fn a_rename_migration_moves_the_setting() {
    let config = load("version = 1\n[gateway]\nname = \"gw-old\"\nhostname = \"h\"\n", RENAME);
    assert_eq!(config.gateway.id, "gw-old");
    assert_eq!(config.gateway.hostname, "h");
}

#[test]
fn an_up_to_date_document_is_not_migrated() {
    assert_eq!(load("version = 2\n[gateway]\nid = \"gw\"\n", RENAME).gateway.id, "gw");
    match Config::from_toml_str_with("version = 2\n[gateway]\nname = \"gw\"\n", RENAME) {
        Err(error @ ConfigError::Schema(_)) => {
            assert!(error.to_string().contains("`name`"), "{error}")
        }
        other => panic!("expected a schema error, got {other:?}"),
    }
}

#[test]
fn an_add_migration_fills_only_what_is_absent() {
    assert_eq!(load("version = 1\n", ADD).device_cache.size, 5_000);
    assert_eq!(load("version = 1\n[device_cache]\nsize = 7\n", ADD).device_cache.size, 7);
    assert_eq!(load("version = 2\n", ADD).device_cache.size, Config::default().device_cache.size);
}

#[test]
fn a_chain_runs_every_step_from_the_stored_version() {
    let config = load("[device_cache]\ndir = \"/data/cache\"\n", CHAIN);
    assert_eq!(config.device_cache.path.to_str(), Some("/data/cache"));
    assert_eq!(config.device_cache.size, 5_000);

    let from_2 = load("version = 2\n[device_cache]\npath = \"/data/c2\"\n", CHAIN);
    assert_eq!((from_2.device_cache.path.to_str(), from_2.device_cache.size), (Some("/data/c2"), 5_000));

    let current = load("version = 3\n", CHAIN);
    assert_eq!(current.device_cache.size, Config::default().device_cache.size);
}

#[test]
fn steps_run_in_order() {
    assert_eq!(load("[gateway]\nname = \"first\"\n", ORDERED).gateway.id, "first");
    assert_eq!(load("version = 2\n[gateway]\nlabel = \"second\"\n", ORDERED).gateway.id, "second");
}

#[test]
fn migrate_returns_the_table_at_the_current_version() {
    let table: Table = "[device_cache]\ndir = \"/d\"\n".parse().expect("toml");
    let migrated = migrate(table, CHAIN).expect("migrates");
    let expected: Table = "version = 3\n[device_cache]\npath = \"/d\"\nsize = 5000\n".parse().expect("toml");
    assert_eq!(migrated, expected);
}

#[test]
fn a_newer_version_is_refused_not_dropped() {
    let newer = format!("version = {}\n[gateway]\nfuture_setting = true\n", CURRENT_VERSION + 1);
    let result = Config::from_toml_str(&newer);
    assert!(
        matches!(result, Err(ConfigError::TooNew { stored, supported })
            if stored == CURRENT_VERSION + 1 && supported == CURRENT_VERSION),
        "{result:?}"
    );
    assert!(matches!(
        Config::from_toml_str_with("version = 3\n", RENAME),
        Err(ConfigError::TooNew { stored: 3, supported: 2 })
    ));
}

#[test]
fn a_schema_error_after_migration_names_the_key_and_the_old_version() {
    match Config::from_toml_str_with("version = 2\n[device_cache]\ndir = \"/d\"\n", CHAIN) {
        Err(error @ ConfigError::SchemaAfterMigration { from: 2, .. }) => {
            assert!(error.to_string().contains("unknown field `dir`"), "{error}");
        }
        other => panic!("expected SchemaAfterMigration, got {other:?}"),
    }
}

#[test]
fn migrated_values_are_still_validated() {
    let result = Config::from_toml_str_with("[gateway]\nname = \"\"\n", RENAME);
    match result {
        Err(ConfigError::Invalid(errors)) => {
            assert!(errors.get("gateway.id").is_some(), "{errors}")
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn a_failing_step_is_named() {
    let steps = [Migration { from: 1, name: "refuse", apply: refuse }];
    match Config::from_toml_str_with("", &steps) {
        Err(error @ ConfigError::Migration { name: "refuse", from: 1, .. }) => {
            assert!(error.to_string().contains("gateway.id"), "{error}");
        }
        other => panic!("expected a migration error, got {other:?}"),
    }
}

#[test]
fn a_gap_in_the_list_is_refused() {
    let steps = [ORDERED[0], Migration { from: 3, name: "gap", apply: gateway_label_to_id }];
    for text in ["", "version = 2\n"] {
        assert!(matches!(
            Config::from_toml_str_with(text, &steps),
            Err(ConfigError::MigrationList { index: 1, expected: 2, found: 3 })
        ));
    }
}

#[test]
fn helpers_refuse_to_clobber_or_to_descend_into_values() {
    let both: Table = "[gateway]\nname = \"a\"\nid = \"b\"\n".parse().expect("toml");
    assert!(matches!(gateway_name_to_id(both), Err(StepError::BothSet { .. })));
    let scalar: Table = "gateway = 5\n".parse().expect("toml");
    assert!(matches!(gateway_name_to_id(scalar.clone()), Err(StepError::NotATable { .. })));
    assert!(matches!(
        insert_if_absent(scalar, &["gateway", "x"], Value::Boolean(true)),
        Err(StepError::NotATable { .. })
    ));
    let unchanged: Table = "[gateway]\nid = \"b\"\n".parse().expect("toml");
    assert_eq!(gateway_name_to_id(unchanged.clone()), Ok(unchanged.clone()));
    assert_eq!(rename(unchanged.clone(), &[], &["x"]), Err(StepError::EmptyPath));
}
