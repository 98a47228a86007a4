//! The queue on a real directory: kept in order across reopens, a torn tail cut off at
//! every possible cut, damage moved aside with everything else kept, the bounds, and a
//! model check of random pushes, acknowledgements and reopens.

use postern_durable_queue::{Bounds, DurableQueue, Queued};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Report {
    id: String,
    n: u64,
}

fn report(n: u64) -> Report {
    Report { id: format!("report-{n}"), n }
}

fn open(dir: &Path, bounds: Bounds) -> DurableQueue<Report> {
    DurableQueue::open(dir, bounds).expect("queue opens")
}

fn pending(queue: &DurableQueue<Report>) -> Vec<u64> {
    queue.peek(usize::MAX, usize::MAX).expect("peek").into_iter().map(|q| q.item.n).collect()
}

fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "seg"))
        .collect();
    found.sort();
    found
}

fn small() -> Bounds {
    Bounds { records: 1000, bytes: 1 << 20, segment_bytes: 200 }
}

#[test]
fn records_survive_a_reopen_in_order_and_acknowledged_ones_do_not_come_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let queue = open(dir.path(), small());
    for n in 0..20 {
        assert_eq!(queue.push(&report(n)).expect("push"), (n, 0));
    }
    assert!(segments(dir.path()).len() > 3, "several segments");
    let batch = queue.peek(7, usize::MAX).expect("peek");
    assert_eq!(batch.first(), Some(&Queued { seq: 0, item: report(0) }));
    queue.ack_through(batch.last().expect("batch").seq).expect("ack");
    drop(queue);

    let queue = open(dir.path(), small());
    assert_eq!(pending(&queue), (7..20).collect::<Vec<_>>());
    assert_eq!(queue.push(&report(20)).expect("push").0, 20, "numbering goes on");
    queue.ack_through(20).expect("ack all");
    assert!(queue.is_empty() && segments(dir.path()).is_empty(), "acknowledged segments are deleted");
    drop(queue);
    let queue = open(dir.path(), small());
    assert!(queue.is_empty());
    assert_eq!(queue.push(&report(21)).expect("push").0, 21, "numbers are never reused");
}

#[test]
fn a_torn_last_record_is_cut_off_at_every_possible_cut() {
    let dir = tempfile::tempdir().expect("temp dir");
    let queue = open(dir.path(), Bounds::new(1000, 1 << 20));
    for n in 0..3 {
        queue.push(&report(n)).expect("push");
    }
    drop(queue);
    let [file] = &segments(dir.path())[..] else { panic!("one segment") };
    let whole = std::fs::read(file).expect("segment");
    let two = whole.len() - (whole.len() - 8) / 3;
    for cut in two..whole.len() {
        std::fs::write(file, &whole[..cut]).expect("cut");
        let queue = open(dir.path(), Bounds::new(1000, 1 << 20));
        assert_eq!(pending(&queue), [0, 1], "cut at {cut} of {}", whole.len());
        assert_eq!(std::fs::metadata(file).expect("segment").len(), two as u64, "the torn part is cut off");
        assert_eq!(queue.push(&report(2)).expect("push").0, 2);
        drop(queue);
        std::fs::write(file, &whole).expect("restore");
        for entry in std::fs::read_dir(dir.path()).expect("dir") {
            let path = entry.expect("entry").path();
            if path != *file && path.extension().is_some_and(|x| x == "seg") {
                std::fs::remove_file(path).expect("clean");
            }
        }
    }
    // Zeros after the last record (a size extended before the data landed).
    let mut zeroed = whole.clone();
    zeroed.extend([0; 4096]);
    std::fs::write(file, &zeroed).expect("zeros");
    assert_eq!(pending(&open(dir.path(), Bounds::new(1000, 1 << 20))), [0, 1, 2]);
    assert!(segments(dir.path()).iter().all(|p| !p.to_string_lossy().contains("corrupt")));
}

#[test]
fn a_damaged_segment_is_moved_aside_and_nothing_else_is_lost() {
    let dir = tempfile::tempdir().expect("temp dir");
    let queue = open(dir.path(), small());
    for n in 0..20 {
        queue.push(&report(n)).expect("push");
    }
    drop(queue);
    let files = segments(dir.path());
    let second = &files[1];
    let mut bytes = std::fs::read(second).expect("segment");
    let in_second: Vec<u64> = {
        let q = open(dir.path(), small());
        let all = q.peek(usize::MAX, usize::MAX).expect("peek");
        let first_of_next: u64 = files[2].file_stem().and_then(|s| s.to_str()).and_then(|s| s.parse().ok()).expect("n");
        let first_here: u64 = second.file_stem().and_then(|s| s.to_str()).and_then(|s| s.parse().ok()).expect("n");
        all.iter().map(|q| q.seq).filter(|s| (first_here..first_of_next).contains(s)).collect()
    };
    assert!(in_second.len() >= 2, "{in_second:?}");
    // A bit flipped in the second record of the second segment.
    let record = (bytes.len() - 8) / in_second.len();
    bytes[8 + record + 20] ^= 0x40;
    std::fs::write(second, &bytes).expect("damage");

    let queue = open(dir.path(), small());
    let kept = pending(&queue);
    let lost: Vec<u64> = in_second[1..].to_vec();
    let expected: Vec<u64> = (0..20).filter(|n| !lost.contains(n)).collect();
    assert_eq!(kept, expected, "only the damaged record and those after it in its file are left out");
    let aside =
        second.with_file_name(format!("{}.corrupt-1", second.file_name().and_then(|n| n.to_str()).expect("name")));
    assert_eq!(std::fs::read(&aside).expect("moved aside, not deleted"), bytes);
    drop(queue);
    assert_eq!(pending(&open(dir.path(), small())), expected, "stable on the next open");

    // A damaged head: moved aside, and every kept record is pending again.
    let queue = open(dir.path(), small());
    queue.ack_through(4).expect("ack");
    drop(queue);
    std::fs::write(dir.path().join("head"), b"{not json").expect("damage head");
    let again = pending(&open(dir.path(), small()));
    let after_ack: Vec<u64> = expected.iter().copied().filter(|n| *n > 4).collect();
    assert!(again.ends_with(&after_ack) && again.len() >= after_ack.len(), "none lost, some again: {again:?}");
    assert!(dir.path().join("head.corrupt-1").is_file());
}

#[test]
fn beyond_the_bounds_the_oldest_are_dropped_and_counted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bounds = Bounds { records: 5, bytes: 1 << 20, segment_bytes: 100 };
    let queue = open(dir.path(), bounds);
    for n in 0..8 {
        let (_, dropped) = queue.push(&report(n)).expect("push");
        assert_eq!(dropped, u64::from(n >= 5));
    }
    assert_eq!(pending(&queue), [3, 4, 5, 6, 7]);
    assert_eq!(queue.stats().dropped, 3);
    drop(queue);
    let queue = open(dir.path(), bounds);
    assert_eq!((pending(&queue), queue.stats().dropped), (vec![3, 4, 5, 6, 7], 3), "the count is kept");
    drop(queue);

    // A smaller bound at open drops at once; a byte bound counts frames.
    let queue = open(dir.path(), Bounds { records: 2, ..bounds });
    assert_eq!((pending(&queue), queue.stats().dropped), (vec![6, 7], 6));
    let frame = queue.stats().bytes / 2;
    drop(queue);
    let queue = open(dir.path(), Bounds { bytes: frame, ..bounds });
    assert_eq!(pending(&queue), [7]);
    assert!(segments(dir.path()).len() <= 2, "segments of dropped records are deleted");
}

#[test]
fn peek_stops_at_the_byte_budget_but_gives_at_least_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let queue = open(dir.path(), Bounds::new(100, 1 << 20));
    for n in 0..10 {
        queue.push(&report(n)).expect("push");
    }
    let frame = (queue.stats().bytes / 10) as usize;
    assert_eq!(queue.peek(100, frame * 3 + 1).expect("peek").len(), 3);
    assert_eq!(queue.peek(100, 1).expect("peek").len(), 1);
    assert_eq!(queue.peek(4, usize::MAX).expect("peek").len(), 4);
}

#[derive(Debug, Clone)]
enum Op {
    Push,
    Ack(usize),
    Reopen,
    TearAndReopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![6 => Just(Op::Push), 2 => (0usize..6).prop_map(Op::Ack), 1 => Just(Op::Reopen), 1 => Just(Op::TearAndReopen)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn behaves_as_a_bounded_fifo_across_reopens_and_torn_appends(ops in proptest::collection::vec(op(), 1..60)) {
        let dir = tempfile::tempdir().expect("temp dir");
        let bounds = Bounds { records: 12, bytes: 1 << 20, segment_bytes: 150 };
        let mut queue = open(dir.path(), bounds);
        let mut model = std::collections::VecDeque::new();
        let mut next = 0u64;
        let mut dropped = 0u64;
        for op in ops {
            match op {
                Op::Push => {
                    queue.push(&report(next)).expect("push");
                    model.push_back(next);
                    next += 1;
                    if model.len() > bounds.records {
                        model.pop_front();
                        dropped += 1;
                    }
                }
                Op::Ack(n) => {
                    let batch = queue.peek(n, usize::MAX).expect("peek");
                    if let Some(last) = batch.last() {
                        queue.ack_through(last.seq).expect("ack");
                        for _ in 0..batch.len() {
                            model.pop_front();
                        }
                    }
                }
                Op::Reopen => {
                    drop(queue);
                    queue = open(dir.path(), bounds);
                }
                Op::TearAndReopen => {
                    // A crash in the middle of an append: half a record after the last.
                    drop(queue);
                    if let Some(last) = segments(dir.path()).last() {
                        let mut bytes = std::fs::read(last).expect("segment");
                        bytes.extend_from_slice(&[0x2a, 0, 0, 0, 0x11, 0x22]);
                        std::fs::write(last, bytes).expect("tear");
                    }
                    queue = open(dir.path(), bounds);
                }
            }
            prop_assert_eq!(pending(&queue), model.iter().copied().collect::<Vec<_>>());
            prop_assert_eq!(queue.stats().dropped, dropped);
        }
    }
}
