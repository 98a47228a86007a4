//! Reordering for `[data.faults]`: smoltcp's injector drops and corrupts but keeps order,
//! so this holds back a share of the packets and lets each out after the packet that
//! follows it (two neighbours swapped).

/// One direction's reordering: a held packet, and the chance of holding the next.
#[derive(Debug)]
pub(crate) struct Reorder {
    pct: u8,
    state: u32,
    held: Option<Vec<u8>>,
    /// Packets let out after their successor so far.
    pub(crate) swapped: u64,
}

impl Reorder {
    /// Holds back `pct` percent of the packets; `seed` (not 0) fixes which.
    pub(crate) fn new(pct: u8, seed: u32) -> Self {
        Self { pct, state: seed.max(1), held: None, swapped: 0 }
    }

    /// The packets to let through now that `packet` came: none (it is held), it, or it
    /// and then the packet held before it.
    pub(crate) fn pass(&mut self, packet: Vec<u8>) -> Vec<Vec<u8>> {
        if let Some(held) = self.held.take() {
            self.swapped += 1;
            return vec![packet, held];
        }
        if self.chance() {
            self.held = Some(packet);
            return Vec::new();
        }
        vec![packet]
    }

    /// Whether to hold the next packet (xorshift32).
    fn chance(&mut self) -> bool {
        if self.pct == 0 {
            return false;
        }
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.state = x;
        x % 100 < u32::from(self.pct)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_packet_comes_out_right_after_its_successor_and_none_is_lost() {
        let mut reorder = Reorder::new(20, 9);
        let mut out = Vec::new();
        for i in 0..1000u16 {
            out.extend(reorder.pass(i.to_be_bytes().to_vec()));
        }
        out.extend(reorder.held.take());
        let order: Vec<u16> = out.iter().map(|p| u16::from_be_bytes([p[0], p[1]])).collect();
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..1000).collect::<Vec<_>>(), "every packet once");
        let swaps = order.windows(2).filter(|w| w[0] > w[1]).count();
        assert!((100..300).contains(&swaps), "about 20% swapped: {swaps}");
        assert!(order.windows(2).all(|w| w[0] < w[1] || w[0] == w[1] + 1), "only neighbours swap");
        assert_eq!(usize::try_from(reorder.swapped).expect("count"), swaps);
    }

    #[test]
    fn without_a_share_the_order_is_kept() {
        let mut reorder = Reorder::new(0, 1);
        for i in 0..100u8 {
            assert_eq!(reorder.pass(vec![i]), vec![vec![i]]);
        }
    }
}
