//! `[tls]`: the certificate the gateway presents to clients, and the oldest TLS accepted.

use crate::checks;
use crate::validation::{Problem, Report};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// `[tls]`: the gateway's server certificate and TLS floor.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsSettings {
    /// PEM file with the server certificate and its chain, leaf first (`tls import
    /// certificate` sets it). Default: absent, and the gateway serves its self-made
    /// certificate. Must be absolute; needs `key_file`.
    pub certificate_file: Option<PathBuf>,
    /// PEM file with the certificate's private key. Default: absent. Must be absolute;
    /// needs `certificate_file`.
    pub key_file: Option<PathBuf>,
    /// The oldest TLS version accepted from clients and used towards back ends. Default
    /// `"1.2"`; `"1.2"` or `"1.3"`, nothing older.
    pub min_version: TlsVersion,
}

/// A TLS protocol version the gateway can be limited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TlsVersion {
    /// `"1.2"`: TLS 1.2 and 1.3.
    #[default]
    #[serde(rename = "1.2")]
    Tls12,
    /// `"1.3"`: TLS 1.3 only.
    #[serde(rename = "1.3")]
    Tls13,
}

impl TlsSettings {
    pub(crate) fn check(&self, at: &str, report: &mut Report) {
        if let Some(path) = &self.certificate_file {
            report.check(at, "certificate_file", checks::absolute_path(path));
        }
        if let Some(path) = &self.key_file {
            report.check(at, "key_file", checks::absolute_path(path));
        }
        let missing = |other: &str| Err(Problem::Missing { because: format!("{at}.{other} is set") });
        match (&self.certificate_file, &self.key_file) {
            (Some(_), None) => report.check(at, "key_file", missing("certificate_file")),
            (None, Some(_)) => report.check(at, "certificate_file", missing("key_file")),
            _ => {}
        }
    }
}
