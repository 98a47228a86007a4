//! The queue: an index in memory (sequence number, segment, offset) over segment files
//! that are only appended to, and a head file that says where the pending records begin.

use crate::error::{QueueError, io};
use crate::head::{self, Head};
use crate::record::{MAX_PAYLOAD, Record, RecordRepr};
use crate::segment::{self, Ending, MAGIC};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::marker::PhantomData;
use std::os::unix::fs::{DirBuilderExt, FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// How much the queue keeps; beyond either bound the oldest records are dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Most pending records.
    pub records: usize,
    /// Most bytes of pending records (frames included).
    pub bytes: u64,
    /// A segment file is closed for appends once it reaches this size.
    pub segment_bytes: u64,
}

impl Bounds {
    /// `records` and `bytes`, with 1 MiB segments.
    pub const fn new(records: usize, bytes: u64) -> Self {
        Self { records, bytes, segment_bytes: 1024 * 1024 }
    }
}

/// A pending record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued<T> {
    /// Its sequence number, for [`DurableQueue::ack_through`].
    pub seq: u64,
    /// The item.
    pub item: T,
}

/// What the queue holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Records pending.
    pub pending: usize,
    /// Their bytes on disk.
    pub bytes: u64,
    /// Records ever dropped at the bound.
    pub dropped: u64,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    seq: u64,
    segment: u64,
    offset: u64,
    len: u32,
}

#[derive(Debug)]
struct Segment {
    first: u64,
    size: u64,
}

struct Inner {
    entries: VecDeque<Entry>,
    segments: VecDeque<Segment>,
    /// The last segment, open for appends.
    active: Option<File>,
    head: Head,
    next: u64,
    bytes: u64,
}

/// A bounded FIFO of `T` kept as JSON records in a directory.
pub struct DurableQueue<T> {
    dir: PathBuf,
    bounds: Bounds,
    inner: Mutex<Inner>,
    item: PhantomData<fn(T) -> T>,
}

impl<T: Serialize + DeserializeOwned> DurableQueue<T> {
    /// Opens (creating, mode 0700) the queue in `dir`: a torn last record is cut off, a
    /// damaged segment is moved aside keeping its records before the damage, and the
    /// oldest records beyond `bounds` are dropped.
    pub fn open(dir: &Path, bounds: Bounds) -> Result<Self, QueueError> {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(io("create", dir))?;
        let mut head = head::read(dir);
        let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)
            .map_err(io("list", dir))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter_map(|p| Some((segment::first_of(&p)?, p)))
            .collect();
        files.sort_unstable_by_key(|(first, _)| *first);
        let mut inner =
            Inner { entries: VecDeque::new(), segments: VecDeque::new(), active: None, head, next: 0, bytes: 0 };
        let count = files.len();
        for (i, (first, path)) in files.into_iter().enumerate() {
            let after = inner.entries.back().map(|e| e.seq).or(inner.segments.back().map(|s| s.first));
            let Some(size) = recover::<T>(&path, after, i + 1 == count, &mut inner.entries, first)? else {
                continue;
            };
            inner.segments.push_back(Segment { first, size });
        }
        inner.next = inner.entries.back().map_or(0, |e| e.seq + 1).max(head.first);
        while inner.entries.front().is_some_and(|e| e.seq < head.first) {
            inner.entries.pop_front();
        }
        inner.bytes = inner.entries.iter().map(|e| u64::from(e.len)).sum();
        if inner.entries.is_empty() && head.first < inner.next {
            head.first = inner.next;
            inner.head = head;
        }
        let queue = Self { dir: dir.to_path_buf(), bounds, inner: Mutex::new(inner), item: PhantomData };
        let mut inner = queue.lock();
        queue.trim(&mut inner)?;
        queue.forget_acknowledged(&mut inner);
        drop(inner);
        Ok(queue)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends `item`, flushed to disk before this returns; gives its sequence number
    /// and how many of the oldest records the bound dropped to make room.
    pub fn push(&self, item: &T) -> Result<(u64, u64), QueueError> {
        let payload = serde_json::to_vec(item).map_err(QueueError::Encode)?;
        if payload.len() > MAX_PAYLOAD {
            return Err(QueueError::TooLarge { len: payload.len(), max: MAX_PAYLOAD });
        }
        let mut inner = self.lock();
        let seq = inner.next;
        let frame = RecordRepr { seq, payload: &payload }.to_bytes();
        let full = inner.segments.back().is_none_or(|s| s.size >= self.bounds.segment_bytes);
        if inner.active.is_none() || full {
            inner.active = Some(self.start_segment(seq)?);
            if inner.segments.back().is_some_and(|s| s.first == seq) {
                // An empty segment left by an earlier run, just started again.
                inner.segments.pop_back();
            }
            inner.segments.push_back(Segment { first: seq, size: MAGIC.len() as u64 });
        }
        let (Some(file), Some(last)) = (inner.active.as_ref(), inner.segments.back()) else {
            unreachable!("a segment was just made active");
        };
        let (first, offset) = (last.first, last.size);
        let path = segment::path(&self.dir, first);
        let written = (&*file)
            .write_all(&frame)
            .map_err(io("append to", &path))
            .and_then(|()| file.sync_data().map_err(io("flush to disk", &path)));
        if let Err(e) = written {
            // Cut off what may have been written; the next push starts a new segment.
            let _ = file.set_len(offset);
            inner.active = None;
            return Err(e);
        }
        let len = frame.len() as u32;
        inner.entries.push_back(Entry { seq, segment: first, offset, len });
        if let Some(last) = inner.segments.back_mut() {
            last.size += u64::from(len);
        }
        inner.next = seq + 1;
        inner.bytes += u64::from(len);
        let dropped = self.trim(&mut inner)?;
        Ok((seq, dropped))
    }

    fn start_segment(&self, first: u64) -> Result<File, QueueError> {
        let path = segment::path(&self.dir, first);
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(io("create", &path))?;
        file.write_all(MAGIC).map_err(io("write", &path))?;
        file.sync_all().map_err(io("flush to disk", &path))?;
        postern_durable_fs::sync_dir(&self.dir)?;
        let file = OpenOptions::new().append(true).open(&path).map_err(io("open", &path))?;
        Ok(file)
    }

    /// Drops the oldest records beyond the bounds; returns how many.
    fn trim(&self, inner: &mut Inner) -> Result<u64, QueueError> {
        let mut dropped = 0u64;
        while inner.entries.len() > self.bounds.records || inner.bytes > self.bounds.bytes {
            let Some(oldest) = inner.entries.pop_front() else { break };
            inner.bytes -= u64::from(oldest.len);
            inner.head.first = oldest.seq + 1;
            dropped += 1;
        }
        if dropped > 0 {
            inner.head.dropped += dropped;
            tracing::error!(
                dir = %self.dir.display(),
                dropped,
                dropped_ever = inner.head.dropped,
                bound_records = self.bounds.records,
                bound_bytes = self.bounds.bytes,
                "queue full: the oldest records were dropped"
            );
            head::write(&self.dir, inner.head)?;
            self.forget_acknowledged(inner);
        }
        Ok(dropped)
    }

    /// Up to `records` of the oldest pending records, stopping before `bytes` of payload
    /// would be exceeded (at least one is given if any is pending).
    pub fn peek(&self, records: usize, bytes: usize) -> Result<Vec<Queued<T>>, QueueError> {
        let wanted: Vec<Entry> = {
            let inner = self.lock();
            let mut total = 0usize;
            inner
                .entries
                .iter()
                .take(records)
                .take_while(|e| {
                    total += e.len as usize;
                    total <= bytes || total == e.len as usize
                })
                .copied()
                .collect()
        };
        let mut open: Option<(u64, File)> = None;
        let mut out = Vec::with_capacity(wanted.len());
        for entry in wanted {
            let path = segment::path(&self.dir, entry.segment);
            if open.as_ref().is_none_or(|(first, _)| *first != entry.segment) {
                open = Some((entry.segment, File::open(&path).map_err(io("open", &path))?));
            }
            let Some((_, file)) = open.as_ref() else { unreachable!("opened above") };
            let mut frame = vec![0; entry.len as usize];
            file.read_exact_at(&mut frame, entry.offset).map_err(io("read", &path))?;
            let unreadable = |reason: String| QueueError::Unreadable { path: path.clone(), seq: entry.seq, reason };
            let record = Record::new_checked(&frame[..]).map_err(|e| unreadable(e.to_string()))?;
            let repr = RecordRepr::parse(&record).map_err(|e| unreadable(e.to_string()))?;
            if repr.seq != entry.seq {
                return Err(unreadable(format!("found record {} there", repr.seq)));
            }
            let item = serde_json::from_slice(repr.payload).map_err(|e| unreadable(e.to_string()))?;
            out.push(Queued { seq: entry.seq, item });
        }
        Ok(out)
    }

    /// Removes every pending record up to and including `seq` (the receiver has them).
    pub fn ack_through(&self, seq: u64) -> Result<(), QueueError> {
        let mut inner = self.lock();
        if seq < inner.head.first {
            return Ok(());
        }
        let mut head = inner.head;
        head.first = seq.saturating_add(1).min(inner.next);
        head::write(&self.dir, head)?;
        inner.head = head;
        while let Some(front) = inner.entries.front().copied().filter(|e| e.seq < head.first) {
            inner.entries.pop_front();
            inner.bytes -= u64::from(front.len);
        }
        self.forget_acknowledged(&mut inner);
        Ok(())
    }

    /// Deletes the segments whose every record is below the head.
    fn forget_acknowledged(&self, inner: &mut Inner) {
        loop {
            let done = match (inner.segments.front(), inner.segments.get(1)) {
                (Some(_), Some(next)) => next.first <= inner.head.first,
                (Some(_), None) => inner.head.first >= inner.next,
                (None, _) => false,
            };
            if !done {
                return;
            }
            let Some(gone) = inner.segments.pop_front() else { return };
            if inner.segments.is_empty() {
                inner.active = None;
            }
            let path = segment::path(&self.dir, gone.first);
            if let Err(error) = std::fs::remove_file(&path) {
                if error.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!(path = %path.display(), %error, "an acknowledged queue segment was not deleted");
                }
            }
        }
    }

    /// How many records are pending.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What the queue holds.
    pub fn stats(&self) -> Stats {
        let inner = self.lock();
        Stats { pending: inner.entries.len(), bytes: inner.bytes, dropped: inner.head.dropped }
    }

    /// The bounds it was opened with.
    pub fn bounds(&self) -> Bounds {
        self.bounds
    }
}

/// Reads one segment file into `entries`; `None` when nothing of it is kept. A torn end of
/// the last segment is cut off; other damage moves the file aside and writes its readable
/// records back under the same name.
fn recover<T: DeserializeOwned>(
    path: &Path,
    after: Option<u64>,
    last: bool,
    entries: &mut VecDeque<Entry>,
    first: u64,
) -> Result<Option<u64>, QueueError> {
    let bytes = std::fs::read(path).map_err(io("read", path))?;
    let valid = |payload: &[u8]| serde_json::from_slice::<T>(payload).map(drop).map_err(|e| e.to_string());
    let (found, ending) = segment::scan(&bytes, after, valid);
    let kept_end = match &ending {
        Ending::Clean => bytes.len(),
        Ending::Torn { at } if last => {
            tracing::warn!(path = %path.display(), at, cut = bytes.len() - at, "queue: a torn last record cut off");
            let file = OpenOptions::new().write(true).open(path).map_err(io("open", path))?;
            let end = (*at).max(MAGIC.len());
            if *at < MAGIC.len() {
                file.write_all_at(MAGIC, 0).map_err(io("write", path))?;
            }
            file.set_len(end as u64).map_err(io("truncate", path))?;
            file.sync_all().map_err(io("flush to disk", path))?;
            end
        }
        Ending::Torn { at } | Ending::Damaged { at, .. } => {
            let reason = match &ending {
                Ending::Damaged { reason, .. } => reason.clone(),
                _ => "cut short before the last segment".into(),
            };
            let to = postern_durable_fs::move_aside(path)?;
            tracing::error!(path = %path.display(), moved_to = %to.display(), at, %reason, kept = found.len(), "queue segment damaged: moved aside, its records before the damage kept");
            if found.is_empty() {
                return Ok(None);
            }
            postern_durable_fs::write_atomically(path, &bytes[..*at], 0o600)?;
            *at
        }
    };
    entries.extend(found.into_iter().map(|f| Entry { seq: f.seq, segment: first, offset: f.offset, len: f.len }));
    Ok(Some(kept_end as u64))
}
