//! `[host_checker.sasl]`: off by default, the stored form, salted hashes that verify only
//! the right password, and the rules that refuse a setting by its path.

mod common;

use common::{assert_valid, only_problem};
use postern_config::{Config, Problem, SaslMode, SaslUser, hash_password, verify_password};

fn user(name: &str, password: &str) -> SaslUser {
    SaslUser { name: name.into(), password_hash: hash_password(password).expect("hashes") }
}

#[test]
fn sasl_is_off_by_default_and_left_out_of_the_stored_form() {
    let config = Config::default();
    assert_eq!(config.host_checker.sasl.mode, SaslMode::Off);
    assert!(!config.to_toml_string().expect("serialises").contains("sasl"));
}

#[test]
fn hashes_are_salted_and_verify_only_the_right_password() {
    let first = hash_password("correct horse").expect("hashes");
    let second = hash_password("correct horse").expect("hashes");
    assert_ne!(first, second, "a fresh salt each time");
    assert!(first.starts_with("pbkdf2-sha256$100000$"), "{first}");
    assert!(!first.contains("correct"), "{first}");
    assert!(verify_password(&first, b"correct horse"));
    assert!(!verify_password(&first, b"correct horsE"));
    assert!(!verify_password("pbkdf2-sha256$100000$AAAA$AAAA", b"correct horse"));
    assert_eq!(hash_password(""), Err(Problem::Empty));
    assert!(matches!(hash_password(&"x".repeat(256)), Err(Problem::TooLong { .. })));
}

#[test]
fn accounts_round_trip_and_verify_through_the_stored_form() {
    let mut config = Config::default();
    config.host_checker.sasl.mode = SaslMode::Optional;
    config.host_checker.sasl.users = vec![user("alice", "correct horse"), user("bob@example.org", "hunter2!")];
    assert_valid(&config, "two accounts");
    let text = config.to_toml_string().expect("serialises");
    assert!(text.contains("[host_checker.sasl]") && text.contains("mode = \"optional\""), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    let loaded = Config::from_toml_str(&text).expect("loads");
    assert_eq!(loaded, config);
    assert!(loaded.host_checker.sasl.verify("alice", b"correct horse"));
    assert!(!loaded.host_checker.sasl.verify("alice", b"hunter2!"));
    assert!(!loaded.host_checker.sasl.verify("carol", b"correct horse"));
}

#[test]
fn sasl_without_accounts_bad_names_bad_hashes_and_duplicates_are_refused() {
    let mut config = Config::default();
    config.host_checker.sasl.mode = SaslMode::Required;
    assert!(matches!(only_problem(&config, "host_checker.sasl.mode"), Problem::Requires { .. }));
    config.host_checker.sasl.users = vec![user("alice", "pw")];
    assert_valid(&config, "one account");
    config.host_checker.sasl.users.push(SaslUser { name: "bad name".into(), password_hash: "secret".into() });
    let errors = config.validate_for_commit().expect_err("refused");
    let paths: Vec<&str> = errors.errors().iter().map(|e| e.path.as_str()).collect();
    assert!(paths.contains(&"host_checker.sasl.users[1].name"), "{paths:?}");
    assert!(paths.contains(&"host_checker.sasl.users[1].password_hash"), "{paths:?}");
    config.host_checker.sasl.users[1] = user("alice", "other");
    assert!(matches!(only_problem(&config, "host_checker.sasl.users[1].name"), Problem::Duplicate { .. }));
}
