//! Helpers shared by the validation tests.

use postern_config::{Config, Problem};

/// The one problem of `config`, which must be at `path`; its message must name `path`.
pub(crate) fn only_problem(config: &Config, path: &str) -> Problem {
    let errors = config.validate().expect_err("the configuration should be refused");
    assert_eq!(errors.len(), 1, "exactly one error expected at {path}, got:\n{errors}");
    let error = &errors.errors()[0];
    assert_eq!(error.path, path, "wrong setting blamed: {error}");
    assert!(error.to_string().starts_with(&format!("{path}: ")), "message must name the setting: {error}");
    error.problem.clone()
}

/// Asserts that `config` validates, showing the errors otherwise.
pub(crate) fn assert_valid(config: &Config, what: &str) {
    if let Err(errors) = config.validate() {
        panic!("{what} should be accepted, got:\n{errors}");
    }
}
