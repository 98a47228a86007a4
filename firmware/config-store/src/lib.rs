//! The configuration store: candidates, commit, commit confirmed, rollback, diff, a kept
//! history, and the running configuration published to the services at each change.

mod candidate;
mod commit;
mod diff;
mod error;
mod history;
mod mirror;
mod recovery;
mod revision;
mod shared;
mod store;

pub use candidate::Candidate;
pub use diff::{Diff, DiffLine, diff, diff_text};
pub use error::{CommitError, Damage, StoreError};
pub use recovery::Recovery;
pub use revision::{COMMENT_MAX, CONFIRM_MINUTES, PendingConfirmation, RevisionInfo, RevisionKind, WHO_MAX};
pub use shared::{SharedStore, StoreGuard};
pub use store::{ConfigStore, KEEP_DEFAULT, Opened};
