//! The remediation webhook's pending checks, kept on the data area (H6): one file per
//! check, named by its sequence number and written atomically, so the checks waiting for
//! a receiver survive a restart and are sent in order once it is back. Bounded: beyond
//! the bound the oldest is dropped (and counted in the log).

use crate::remediation_hook::FailedCheck;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// One queued check and its file's sequence number.
pub(crate) type Queued = (u64, FailedCheck);

/// The durable queue.
pub(crate) struct DurableQueue {
    dir: PathBuf,
    bound: usize,
    state: Mutex<State>,
}

struct State {
    checks: VecDeque<Queued>,
    next: u64,
}

fn file_of(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("{seq:020}.json"))
}

fn seq_of(path: &Path) -> Option<u64> {
    path.file_name()?.to_str()?.strip_suffix(".json")?.parse().ok()
}

impl DurableQueue {
    /// Opens the queue kept in `dir` with at most `bound` checks; a file that cannot be
    /// read is moved aside and logged.
    pub(crate) fn open(dir: &Path, bound: usize) -> Self {
        let mut found: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)
            .map(|entries| {
                entries.filter_map(Result::ok).map(|e| e.path()).filter_map(|p| Some((seq_of(&p)?, p))).collect()
            })
            .unwrap_or_default();
        found.sort_unstable_by_key(|(seq, _)| *seq);
        let mut checks = VecDeque::new();
        for (seq, path) in found {
            match std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|bytes| serde_json::from_slice::<FailedCheck>(&bytes).map_err(|e| e.to_string()))
            {
                Ok(check) => checks.push_back((seq, check)),
                Err(error) => match postern_durable_fs::move_aside(&path) {
                    Ok(to) => {
                        tracing::error!(path = %path.display(), moved_to = %to.display(), %error, "queued webhook check unreadable: moved aside")
                    }
                    Err(moved) => {
                        tracing::error!(path = %path.display(), %error, %moved, "queued webhook check unreadable and not moved aside")
                    }
                },
            }
        }
        let next = checks.back().map_or(0, |(seq, _)| seq + 1);
        let queue = Self { dir: dir.to_path_buf(), bound, state: Mutex::new(State { checks, next }) };
        queue.trim();
        queue
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many checks wait.
    pub(crate) fn len(&self) -> usize {
        self.state().checks.len()
    }

    /// Keeps `check` on disk and queues it; the oldest are dropped beyond the bound.
    pub(crate) fn push(&self, check: FailedCheck) {
        let seq = {
            let mut state = self.state();
            state.next += 1;
            state.next - 1
        };
        let kept = serde_json::to_vec(&check).map_err(|e| e.to_string()).and_then(|bytes| {
            std::fs::create_dir_all(&self.dir).map_err(|e| e.to_string())?;
            postern_durable_fs::write_atomically(&file_of(&self.dir, seq), &bytes, 0o600).map_err(|e| e.to_string())
        });
        if let Err(error) = kept {
            tracing::error!(device = %check.device, check = %check.check, %error, "webhook check not kept on disk (sent unless posternd restarts first)");
        }
        let mut state = self.state();
        let at = state.checks.partition_point(|(s, _)| *s < seq);
        state.checks.insert(at, (seq, check));
        drop(state);
        self.trim();
    }

    fn trim(&self) {
        let mut dropped = 0usize;
        let mut state = self.state();
        while state.checks.len() > self.bound {
            if let Some((seq, _)) = state.checks.pop_front() {
                let _ = std::fs::remove_file(file_of(&self.dir, seq));
                dropped += 1;
            }
        }
        if dropped > 0 {
            tracing::error!(dropped, bound = self.bound, "remediation webhook queue full: oldest checks dropped");
        }
    }

    /// The oldest check, still queued.
    pub(crate) fn front(&self) -> Option<Queued> {
        self.state().checks.front().cloned()
    }

    /// Forgets check `seq` (sent, or given up), on disk too.
    pub(crate) fn remove(&self, seq: u64) {
        let mut state = self.state();
        state.checks.retain(|(s, _)| *s != seq);
        drop(state);
        if let Err(error) = std::fs::remove_file(file_of(&self.dir, seq)) {
            if error.kind() != std::io::ErrorKind::NotFound {
                tracing::error!(seq, %error, "a sent webhook check's file was not removed: it is sent again after a restart");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DurableQueue;
    use crate::remediation_hook::FailedCheck;

    fn check(n: usize) -> FailedCheck {
        FailedCheck {
            device: format!("dev-{n}"),
            peer: "127.0.0.1:4000".parse().expect("address"),
            at: 1,
            policy: "p".into(),
            check: format!("required:pkg{n}"),
            reason: "missing".into(),
            remediation: None,
        }
    }

    fn devices(queue: &DurableQueue) -> Vec<String> {
        queue.state().checks.iter().map(|(_, c)| c.device.clone()).collect()
    }

    #[test]
    fn bounded_oldest_dropped_kept_in_order_across_a_reopen_and_damage_moved_aside() {
        let dir = tempfile::tempdir().expect("temp dir");
        let queue = DurableQueue::open(dir.path(), 3);
        for n in 0..5 {
            queue.push(check(n));
        }
        assert_eq!(devices(&queue), ["dev-2", "dev-3", "dev-4"], "the oldest are dropped");
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 3);
        let (seq, first) = queue.front().expect("front");
        assert_eq!(first.device, "dev-2");
        queue.remove(seq);
        drop(queue);

        std::fs::write(dir.path().join(format!("{:020}.json", 9)), b"not json").expect("damage");
        let queue = DurableQueue::open(dir.path(), 3);
        assert_eq!(devices(&queue), ["dev-3", "dev-4"], "reopened in order, the damaged file left out");
        assert!(dir.path().join(format!("{:020}.json.corrupt-1", 9)).is_file(), "moved aside, not deleted");
        queue.push(check(5));
        assert_eq!(devices(&queue), ["dev-3", "dev-4", "dev-5"], "numbering goes on after the last kept");
    }
}
