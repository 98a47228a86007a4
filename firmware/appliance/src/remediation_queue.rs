//! The remediation webhook's pending checks, kept on the data area (H6) in a
//! [`DurableQueue`]: the checks waiting for a receiver survive a restart and are sent in
//! order once it is back. Bounded: beyond the bound the oldest are dropped (counted and
//! logged). Checks an earlier version left as one JSON file each are taken over at open.

use crate::remediation_hook::FailedCheck;
use postern_durable_queue::{Bounds, DurableQueue, QueueError};
use std::path::{Path, PathBuf};

/// Failed checks waiting to be sent, and their bytes.
const BOUNDS: Bounds = Bounds::new(4096, 16 * 1024 * 1024);

/// Opens the queue in `dir`, taking over the checks of the one-file-per-check layout.
pub(crate) fn open(dir: &Path) -> Result<DurableQueue<FailedCheck>, QueueError> {
    let queue = DurableQueue::open(dir, BOUNDS)?;
    let mut earlier: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries.filter_map(Result::ok).map(|e| e.path()).filter_map(|p| Some((seq_of(&p)?, p))).collect()
        })
        .unwrap_or_default();
    earlier.sort_unstable_by_key(|(seq, _)| *seq);
    for (_, path) in earlier {
        match std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| serde_json::from_slice::<FailedCheck>(&bytes).map_err(|e| e.to_string()))
        {
            Ok(check) => {
                queue.push(&check)?;
                if let Err(error) = std::fs::remove_file(&path) {
                    tracing::warn!(path = %path.display(), %error, "a taken-over webhook check's file was not removed");
                }
            }
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
    Ok(queue)
}

fn seq_of(path: &Path) -> Option<u64> {
    path.file_name()?.to_str()?.strip_suffix(".json")?.parse().ok()
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn checks_of_the_one_file_per_check_layout_are_taken_over_in_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        for n in [3usize, 1, 2] {
            let bytes = serde_json::to_vec(&check(n)).expect("json");
            std::fs::write(dir.path().join(format!("{n:020}.json")), bytes).expect("old file");
        }
        std::fs::write(dir.path().join(format!("{:020}.json", 9)), b"not json").expect("damage");
        let queue = super::open(dir.path()).expect("opens");
        let devices: Vec<String> =
            queue.peek(10, usize::MAX).expect("peek").into_iter().map(|q| q.item.device).collect();
        assert_eq!(devices, ["dev-1", "dev-2", "dev-3"]);
        assert!(dir.path().join(format!("{:020}.json.corrupt-1", 9)).is_file(), "moved aside, not deleted");
        assert!(!dir.path().join(format!("{:020}.json", 1)).exists(), "taken over");
        drop(queue);
        assert_eq!(super::open(dir.path()).expect("reopens").len(), 3, "once");
    }
}
