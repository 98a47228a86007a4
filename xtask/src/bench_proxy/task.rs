//! A background task that is aborted when its guard is dropped.

use tokio::task::JoinHandle;

/// Aborts the task when dropped.
pub(crate) struct TaskGuard(pub(crate) JoinHandle<()>);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}
