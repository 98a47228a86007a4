//! Kill -9 a process that writes to the device cache, many times at random moments, and
//! check after each kill that every acknowledged write is there with its acknowledged
//! value, every acknowledged removal is gone, and batches are all-or-nothing.
//!
//! Replay a failure with `POSTERN_CRASH_SEED=<seed printed by the failing run>`.
//!
//! What a damaged store means here: a process killed with SIGKILL cannot lose bytes it
//! had already handed to the kernel, so nothing short of a storage-engine bug can damage
//! the cache in this test. The cache's recovery path (move aside, start empty, report)
//! keeps the gateway safe if that happens, and this test checks that path did its job
//! (the damaged copy is kept, the new cache is empty) — but it still fails, because the
//! durability guarantee (an acknowledged write survives kill -9) would have been broken.
//! Lost data that is *not* reported as a recovery fails the test in every case.

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use postern_decision::{AccessKey, DeviceState, EasDeviceId, TunnelKey, UemDeviceId};
use postern_device_cache::{AppId, CacheConfig, DeviceCache, ServiceName};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::num::NonZeroU32;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const DEVICES: u64 = 300;
const TUNNELS: u64 = 100;
const STATES: [DeviceState; 5] =
    [DeviceState::Allowed, DeviceState::Blocked, DeviceState::Quarantined, DeviceState::Wiped, DeviceState::Unknown];
const ITERATIONS: u32 = 60;
const MIN_ITERATIONS: u32 = 40;
const TIME_BUDGET: Duration = Duration::from_secs(50);

/// What a key holds: `None` when absent, else (state index, updated_ms).
type Value = Option<(usize, u64)>;

/// The keys an operation that was started but not acknowledged may or may not have set.
type Pending = Vec<(String, Value)>;

fn cache_key(name: &str) -> AccessKey {
    match name.split_once(':') {
        Some(("e", id)) => AccessKey::ActiveSync(EasDeviceId::new(id).expect("device id")),
        Some(("t", uem)) => AccessKey::AppTunnel(TunnelKey {
            uem_device_id: UemDeviceId::new(uem).expect("uem id"),
            app_id: AppId::new(&format!("app.{}", &uem[1..])).expect("app id"),
            service: ServiceName::new("intranet").expect("service"),
        }),
        _ => panic!("unknown key name {name}"),
    }
}

fn all_names() -> Vec<String> {
    (0..DEVICES).map(|n| format!("e:D{n}")).chain((0..TUNNELS).map(|n| format!("t:u{n}"))).collect()
}

/// Parses `begin put K S MS ...` / `begin del K` into the values it would set.
fn parse_begin(line: &str) -> Pending {
    let mut words = line.split(' ').skip(1);
    match words.next() {
        Some("del") => vec![(words.next().expect("key").to_owned(), None)],
        Some("put") => {
            let rest: Vec<&str> = words.collect();
            rest.chunks(3)
                .map(|c| (c[0].to_owned(), Some((c[1].parse().expect("state"), c[2].parse().expect("ms")))))
                .collect()
        }
        _ => panic!("bad begin line {line:?}"),
    }
}

fn read_value(cache: &DeviceCache, name: &str) -> Value {
    let key = cache_key(name);
    let record = cache.record(&key).expect("record reads");
    let state = cache.lookup(&key).map(|s| s.state);
    assert_eq!(state, record.as_ref().map(|r| r.state), "index and store disagree on {name}");
    record.map(|r| (STATES.iter().position(|s| *s == r.state).expect("known state"), r.updated_ms))
}

/// Opens the cache, checks it against `model` (allowing the unacknowledged `pending`
/// operation to be all there or not at all) and folds what it finds into `model`.
fn verify(dir: &Path, model: &mut BTreeMap<String, Value>, pending: Pending, context: &str) {
    let opened = DeviceCache::open(&CacheConfig::new(dir, NonZeroU32::new(100_000).expect("capacity")))
        .expect("cache opens after a kill");
    if let Some(recovery) = opened.recovery {
        assert!(recovery.moved_to.exists(), "{context}: damaged copy not kept at {}", recovery.moved_to.display());
        assert!(opened.cache.is_empty(), "{context}: cache not empty after recovery");
        panic!(
            "{context}: the store was damaged by a kill -9 ({}); kept at {}. Acknowledged writes were lost \
             (reported, not silent), which breaks the durability guarantee",
            recovery.damage,
            recovery.moved_to.display()
        );
    }
    let cache = opened.cache;
    let mut expected: BTreeMap<String, Value> = model.clone();
    let mut pending_new: BTreeMap<String, Value> = BTreeMap::new();
    for (name, value) in pending {
        pending_new.insert(name, value);
    }
    let applied = pending_new.iter().any(|(name, new)| read_value(&cache, name) == *new && model[name] != *new);
    if applied {
        expected.extend(pending_new.clone());
    }
    let mut present = 0;
    for name in all_names() {
        let found = read_value(&cache, &name);
        assert_eq!(
            found, expected[&name],
            "{context}: {name} holds {found:?}, expected {:?} (pending operation applied: {applied}, pending: {pending_new:?})",
            expected[&name]
        );
        present += usize::from(found.is_some());
    }
    assert_eq!(cache.len(), present, "{context}: cache length disagrees with its records");
    *model = expected;
}

#[test]
fn acknowledged_writes_survive_kill_9() {
    let seed: u64 =
        std::env::var("POSTERN_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| rand::rng().random());
    println!("cache crash test seed: {seed} (replay with POSTERN_CRASH_SEED={seed})");
    let mut rng = StdRng::seed_from_u64(seed);
    let root = tempfile::tempdir().expect("temp dir");
    let dir = root.path().join("cache");
    let mut model: BTreeMap<String, Value> = all_names().into_iter().map(|n| (n, None)).collect();
    let started = Instant::now();
    let (mut iterations, mut acked_total, mut killed_mid_write) = (0u32, 0u64, 0u32);
    while iterations < ITERATIONS && (started.elapsed() < TIME_BUDGET || iterations < MIN_ITERATIONS) {
        let writer_seed: u64 = rng.random();
        let delay = Duration::from_millis(rng.random_range(2..150));
        let context = format!("seed {seed}, iteration {iterations}, writer seed {writer_seed}, kill after {delay:?}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_cache-crash-writer"))
            .arg(&dir)
            .arg(writer_seed.to_string())
            .arg((u64::from(iterations) * 1_000_000).to_string())
            .stdout(Stdio::piped())
            .spawn()
            .expect("writer starts");
        let mut out = BufReader::new(child.stdout.take().expect("stdout piped"));
        let mut line = Vec::new();
        out.read_until(b'\n', &mut line).expect("read opened line");
        let opened = String::from_utf8_lossy(&line).into_owned();
        assert!(opened.starts_with("opened ") && opened.trim_end().ends_with("recovery=-"), "{context}: {opened:?}");
        let pid = Pid::from_raw(i32::try_from(child.id()).expect("pid fits"));
        let killer = std::thread::spawn(move || {
            std::thread::sleep(delay);
            // The writer is not reaped before this thread is joined, so the pid is its own.
            let _ = kill(pid, Signal::SIGKILL);
        });
        let mut pending: Pending = Vec::new();
        loop {
            line.clear();
            let n = out.read_until(b'\n', &mut line).expect("read writer output");
            if n == 0 || line.last() != Some(&b'\n') {
                break; // end of output, or a line cut by the kill: its operation never started
            }
            let text = String::from_utf8_lossy(&line).trim_end().to_owned();
            if text.starts_with("begin ") {
                pending = parse_begin(&text);
            } else if text == "ack" {
                for (name, value) in pending.drain(..) {
                    model.insert(name, value);
                }
                acked_total += 1;
            } else {
                assert!(text == "done", "{context}: writer said {text:?}");
            }
        }
        killer.join().expect("killer thread");
        let status = child.wait().expect("writer reaped");
        killed_mid_write += u32::from(!pending.is_empty());
        assert!(status.code().is_none_or(|c| c == 0), "{context}: writer failed with {status}");
        verify(&dir, &mut model, pending, &context);
        iterations += 1;
    }
    println!(
        "{iterations} kills in {:.1?}, {acked_total} acknowledged operations, {killed_mid_write} kills during an operation",
        started.elapsed()
    );
    assert!(iterations >= MIN_ITERATIONS, "only {iterations} iterations ran");
    assert!(acked_total > 0, "the writer never acknowledged anything");
    assert!(killed_mid_write > 0, "no kill landed during an operation");
    let live = model.values().filter(|v| v.is_some()).count();
    assert!(live > 0, "nothing was left to check at the end");
}
