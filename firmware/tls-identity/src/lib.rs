//! The gateway's TLS identity: the key and certificate it makes for itself on first boot,
//! certificates, keys, trusted authorities and secrets pasted in by an operator (checked,
//! then stored), and what a
//! certificate says (`show tls`).

mod authorities;
mod error;
mod imported;
mod pem;
mod self_made;
mod summary;

pub use authorities::{ImportedAuthorities, SECRET_MAX, describe_authorities};
pub use error::IdentityError;
pub use imported::{ImportDir, ImportedCertificate};
pub use pem::{PEM_MAX, check_files, check_pair, parse_chain, parse_key, read_chain};
pub use self_made::{SELF_CERTIFICATE, SELF_KEY, SelfMade, ensure_self_made};
pub use summary::{CertificateSummary, fingerprint, summarize};
