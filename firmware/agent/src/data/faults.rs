//! `[data.faults]`, a testing aid: smoltcp's `FaultInjector` between the TUN interface and
//! the agent's stack, dropping and corrupting a share of the packets both ways, so that
//! tests show flows survive a lossy, damaging link; and [`Reorder`] after it, swapping a
//! share of neighbouring packets. Absent, packets pass untouched.

use super::reorder::Reorder;
use serde::Deserialize;
use smoltcp::phy::{Device, DeviceCapabilities, FaultInjector, Medium, RxToken, TxToken};
use smoltcp::time::Instant;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

/// The highest share of packets the settings may drop or corrupt, in percent.
pub(crate) const MAX_PCT: u8 = 50;
/// The largest packet the injector carries (smoltcp's own bound): with faults on, the
/// stack's MTU is capped to it.
pub(crate) const MAX_PACKET: usize = 1536;

fn default_seed() -> u32 {
    1
}

/// `[data.faults]`: what share of packets to drop and to corrupt, each way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FaultSettings {
    /// Percent of packets dropped (0 to 50).
    #[serde(default)]
    pub(crate) drop_pct: u8,
    /// Percent of packets with a byte corrupted (0 to 50).
    #[serde(default)]
    pub(crate) corrupt_pct: u8,
    /// Percent of packets let out after the packet that follows them (0 to 50).
    #[serde(default)]
    pub(crate) reorder_pct: u8,
    /// The random generator's seed (not 0): one seed, one sequence of faults.
    #[serde(default = "default_seed")]
    pub(crate) seed: u32,
}

impl FaultSettings {
    /// What is wrong with the settings, if anything.
    pub(crate) fn check(&self) -> Result<(), String> {
        let shares =
            [("drop_pct", self.drop_pct), ("corrupt_pct", self.corrupt_pct), ("reorder_pct", self.reorder_pct)];
        for (name, pct) in shares {
            if pct > MAX_PCT {
                return Err(format!("data.faults.{name} {pct} is above {MAX_PCT}"));
            }
        }
        if self.seed == 0 {
            return Err("data.faults.seed must not be 0".into());
        }
        Ok(())
    }
}

type Packets = Arc<Mutex<VecDeque<Vec<u8>>>>;

fn lock(packets: &Packets) -> std::sync::MutexGuard<'_, VecDeque<Vec<u8>>> {
    packets.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A device of two queues the injector wraps: packets put in `incoming` are received,
/// packets transmitted land in `outgoing`.
struct Queues {
    incoming: Packets,
    outgoing: Packets,
}

struct Received(Vec<u8>);

impl RxToken for Received {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

struct Sent(Packets);

impl TxToken for Sent {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut packet = vec![0u8; len];
        let result = f(&mut packet);
        lock(&self.0).push_back(packet);
        result
    }
}

impl Device for Queues {
    type RxToken<'a> = Received;
    type TxToken<'a> = Sent;

    fn receive(&mut self, _: Instant) -> Option<(Received, Sent)> {
        let packet = lock(&self.incoming).pop_front()?;
        Some((Received(packet), Sent(self.outgoing.clone())))
    }

    fn transmit(&mut self, _: Instant) -> Option<Sent> {
        Some(Sent(self.outgoing.clone()))
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ip;
        caps.max_transmission_unit = MAX_PACKET;
        caps
    }
}

/// The faulty link: packets from the endpoint pass [`Faults::inbound`] on their way to
/// the stack, packets for the endpoint [`Faults::outbound`].
pub(crate) struct Faults {
    injector: FaultInjector<Queues>,
    incoming: Packets,
    outgoing: Packets,
    /// Packets that came through, those dropped, and those corrupted, for the log.
    tally: Tally,
    /// Reordering of what the injector let through, each way.
    reorder_in: Reorder,
    reorder_out: Reorder,
}

impl Faults {
    /// An injector with `settings`.
    pub(crate) fn new(settings: FaultSettings) -> Self {
        let (incoming, outgoing) = (Packets::default(), Packets::default());
        let queues = Queues { incoming: incoming.clone(), outgoing: outgoing.clone() };
        let mut injector = FaultInjector::new(queues, settings.seed);
        injector.set_drop_chance(settings.drop_pct);
        injector.set_corrupt_chance(settings.corrupt_pct);
        let reorder_in = Reorder::new(settings.reorder_pct, settings.seed.rotate_left(8));
        let reorder_out = Reorder::new(settings.reorder_pct, settings.seed.rotate_left(16));
        Self { injector, incoming, outgoing, tally: Tally::default(), reorder_in, reorder_out }
    }

    /// A packet from the endpoint: the packets the stack gets now (none when it was
    /// dropped or is held back; with a held one after it).
    pub(crate) fn inbound(&mut self, packet: Vec<u8>, now: Instant) -> Vec<Vec<u8>> {
        let passed = self.inject_inbound(packet, now);
        passed.map(|p| self.reorder_in.pass(p)).unwrap_or_default()
    }

    /// A packet from the stack: the packets the endpoint gets now.
    pub(crate) fn outbound(&mut self, packet: &[u8], now: Instant) -> Vec<Vec<u8>> {
        let passed = self.inject_outbound(packet, now);
        passed.map(|p| self.reorder_out.pass(p)).unwrap_or_default()
    }

    /// A packet from the endpoint through the injector (`None`: dropped).
    fn inject_inbound(&mut self, packet: Vec<u8>, now: Instant) -> Option<Vec<u8>> {
        lock(&self.incoming).push_back(packet.clone());
        // The injector takes the packet off the queue even when it drops it.
        let received = self.injector.receive(now).map(|(rx, _)| rx.consume(<[u8]>::to_vec));
        self.tally.count(&packet, received.as_deref());
        received
    }

    /// A packet from the stack through the injector (`None`: dropped).
    fn inject_outbound(&mut self, packet: &[u8], now: Instant) -> Option<Vec<u8>> {
        if packet.len() > MAX_PACKET {
            self.tally.count(packet, None);
            return None;
        }
        if let Some(token) = self.injector.transmit(now) {
            token.consume(packet.len(), |buf| buf.copy_from_slice(packet));
        }
        let sent = lock(&self.outgoing).pop_front();
        self.tally.count(packet, sent.as_deref());
        sent
    }

    /// What the injector and the reordering did so far.
    pub(crate) fn tally(&self) -> Tally {
        Tally { reordered: self.reorder_in.swapped + self.reorder_out.swapped, ..self.tally }
    }
}

/// Packets through the injector so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    /// Packets that came out (corrupted or not).
    pub(crate) passed: u64,
    /// Packets dropped.
    pub(crate) dropped: u64,
    /// Packets that came out changed.
    pub(crate) corrupted: u64,
    /// Packets let out after their successor.
    pub(crate) reordered: u64,
}

impl Tally {
    fn count(&mut self, packet: &[u8], out: Option<&[u8]>) {
        match out {
            None => self.dropped += 1,
            Some(out) => {
                self.passed += 1;
                self.corrupted += u64::from(out != packet);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(drop_pct: u8, corrupt_pct: u8) -> FaultSettings {
        FaultSettings { drop_pct, corrupt_pct, reorder_pct: 0, seed: 7 }
    }

    #[test]
    fn bounds_are_checked() {
        assert_eq!(settings(5, 5).check(), Ok(()));
        assert_eq!(settings(51, 0).check(), Err("data.faults.drop_pct 51 is above 50".into()));
        assert_eq!(settings(0, 90).check(), Err("data.faults.corrupt_pct 90 is above 50".into()));
        assert!(FaultSettings { seed: 0, ..settings(1, 1) }.check().is_err());
        assert!(FaultSettings { reorder_pct: 51, ..settings(0, 0) }.check().is_err());
        assert!(toml::from_str::<FaultSettings>("drop_pct = 3\nduplicate_pct = 1").is_err(), "unknown key");
        let parsed: FaultSettings = toml::from_str("drop_pct = 3\nreorder_pct = 2").expect("parses");
        assert_eq!(parsed, FaultSettings { drop_pct: 3, corrupt_pct: 0, reorder_pct: 2, seed: 1 });
    }

    #[test]
    fn without_faults_every_packet_passes_untouched() {
        let mut faults = Faults::new(settings(0, 0));
        for i in 0..100u8 {
            let packet = vec![i; 64];
            assert_eq!(faults.inbound(packet.clone(), Instant::ZERO), vec![packet.clone()]);
            assert_eq!(faults.outbound(&packet, Instant::ZERO), vec![packet]);
        }
        assert_eq!(faults.tally(), Tally { passed: 200, ..Tally::default() });
    }

    #[test]
    fn a_share_is_dropped_and_a_share_corrupted_both_ways_the_same_for_one_seed() {
        let run = || {
            let mut faults = Faults::new(settings(10, 10));
            let (mut dropped, mut corrupted) = (0, 0);
            for i in 0..2000u32 {
                let packet = i.to_be_bytes().repeat(16);
                let got = if i % 2 == 0 {
                    faults.inject_inbound(packet.clone(), Instant::ZERO)
                } else {
                    faults.inject_outbound(&packet, Instant::ZERO)
                };
                match got {
                    None => dropped += 1,
                    Some(p) if p != packet => corrupted += 1,
                    Some(_) => {}
                }
            }
            assert_eq!(faults.tally(), Tally { passed: 2000 - dropped, dropped, corrupted, reordered: 0 });
            (dropped, corrupted)
        };
        let (dropped, corrupted) = run();
        assert!((100..300).contains(&dropped), "about 10% dropped: {dropped}");
        // A corrupted packet may come out unchanged (a byte overwritten with itself).
        assert!((50..300).contains(&corrupted), "up to 10% corrupted: {corrupted}");
        assert_eq!(run(), (dropped, corrupted), "the seed fixes the sequence");
    }
}
