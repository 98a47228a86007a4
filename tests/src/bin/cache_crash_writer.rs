//! Writes to a device cache until it is killed, announcing each operation before it starts
//! (`begin`) and after the cache acknowledged it (`ack`), one flushed line each.
//!
//! Usage: `cache-crash-writer DIR SEED FIRST_MS`. Operations are drawn from SEED; every
//! write carries a distinct `updated_ms` starting at FIRST_MS, so a value names its write.
//! Lines: `opened len=N recovery=PATH|-`, `begin put KEY STATE MS [KEY STATE MS]...`,
//! `begin del KEY`, `ack`, `error TEXT`, `done`.

use postern_decision::{AccessKey, DeviceIdentity, DeviceState, EasDeviceId, Provenance, TunnelKey, UemDeviceId};
use postern_device_cache::{AppId, CacheConfig, DeviceCache, DeviceRecord, ServiceName};
use std::io::Write;
use std::num::NonZeroU32;
use std::process::ExitCode;

/// ActiveSync devices and AppTunnels the writer uses; far below the capacity, so nothing
/// is evicted and every acknowledged value must be found again.
const DEVICES: u64 = 300;
const TUNNELS: u64 = 100;
const CAPACITY: u32 = 100_000;
const MAX_OPS: u64 = 200_000;
const STATES: [DeviceState; 5] =
    [DeviceState::Allowed, DeviceState::Blocked, DeviceState::Quarantined, DeviceState::Wiped, DeviceState::Unknown];

/// xorshift64*: a small deterministic generator, enough to vary the operations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The key named `e:D<n>` or `t:u<n>` in the protocol.
fn key(n: u64) -> Result<(String, AccessKey), String> {
    if n < DEVICES {
        let id = EasDeviceId::new(&format!("D{n}")).map_err(|e| e.to_string())?;
        return Ok((format!("e:D{n}"), AccessKey::ActiveSync(id)));
    }
    let t = n - DEVICES;
    let key = TunnelKey {
        uem_device_id: UemDeviceId::new(&format!("u{t}")).map_err(|e| e.to_string())?,
        app_id: AppId::new(&format!("app.{t}")).map_err(|e| e.to_string())?,
        service: ServiceName::new("intranet").map_err(|e| e.to_string())?,
    };
    Ok((format!("t:u{t}"), AccessKey::AppTunnel(key)))
}

fn record(state: DeviceState, ms: u64) -> DeviceRecord {
    DeviceRecord {
        identity: DeviceIdentity::default(),
        state,
        provenance: Provenance::Uem,
        first_seen_ms: ms,
        updated_ms: ms,
    }
}

fn say(line: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").and_then(|()| out.flush()).map_err(|e| e.to_string())
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, seed, first_ms] = args.as_slice() else {
        return Err("usage: cache-crash-writer DIR SEED FIRST_MS".into());
    };
    let seed: u64 = seed.parse().map_err(|e| format!("seed: {e}"))?;
    let mut ms: u64 = first_ms.parse().map_err(|e| format!("first ms: {e}"))?;
    let mut rng = Rng(seed | 1);
    let capacity = NonZeroU32::new(CAPACITY).ok_or("capacity")?;
    let opened = DeviceCache::open(&CacheConfig::new(dir, capacity)).map_err(|e| e.to_string())?;
    let recovery = opened.recovery.map_or("-".into(), |r| r.moved_to.display().to_string());
    say(&format!("opened len={} recovery={recovery}", opened.cache.len()))?;
    let mut cache = opened.cache;
    for _ in 0..MAX_OPS {
        let kind = rng.below(10);
        if kind < 2 {
            let (name, k) = key(rng.below(DEVICES + TUNNELS))?;
            say(&format!("begin del {name}"))?;
            cache.remove(&k).map_err(|e| e.to_string())?;
        } else {
            let count = if kind < 7 { 1 } else { 2 + rng.below(19) };
            let mut line = String::from("begin put");
            let mut batch = Vec::new();
            for _ in 0..count {
                let (name, k) = key(rng.below(DEVICES + TUNNELS))?;
                let state = rng.below(STATES.len() as u64) as usize;
                ms += 1;
                line.push_str(&format!(" {name} {state} {ms}"));
                batch.push((k, record(STATES[state], ms)));
            }
            say(&line)?;
            match batch.as_slice() {
                [(k, r)] => cache.upsert(k, r),
                _ => cache.upsert_batch(&batch),
            }
            .map_err(|e| e.to_string())?;
        }
        say("ack")?;
    }
    say("done")
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = say(&format!("error {e}"));
            ExitCode::FAILURE
        }
    }
}
