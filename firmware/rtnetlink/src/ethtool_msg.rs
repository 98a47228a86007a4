//! ethtool's generic netlink messages (the kernel's `ethtool` family), without I/O:
//! features (offloads) and ring sizes, asked and set by interface index, with replies in
//! the verbose (named) bitset format.

use crate::attr::{self, find, push, push_nested, string, text_of, u32_of};
use std::collections::BTreeSet;

/// The generic netlink controller's id.
pub const GENL_ID_CTRL: u16 = 0x10;
/// Controller command: look a family up by name.
pub const CTRL_CMD_GETFAMILY: u8 = 3;
const CTRL_ATTR_FAMILY_ID: u16 = 1;
const CTRL_ATTR_FAMILY_NAME: u16 = 2;

/// Command: the features of a device.
pub const FEATURES_GET: u8 = 11;
/// Command: change features of a device.
pub const FEATURES_SET: u8 = 12;
/// Command: the ring sizes of a device.
pub const RINGS_GET: u8 = 15;
/// Command: change the ring sizes of a device.
pub const RINGS_SET: u8 = 16;

const HEADER: u16 = 1;
const HEADER_DEV_INDEX: u16 = 1;
const FEATURES_HW: u16 = 2;
const FEATURES_ACTIVE: u16 = 4;
const FEATURES_WANTED: u16 = 3;
const BITSET_NOMASK: u16 = 1;
const BITSET_BITS: u16 = 3;
const BITS_BIT: u16 = 1;
const BIT_NAME: u16 = 2;
const BIT_VALUE: u16 = 3;
const RINGS_RX_MAX: u16 = 2;
const RINGS_TX_MAX: u16 = 5;
const RINGS_RX: u16 = 6;
const RINGS_TX: u16 = 9;

/// The attributes of a controller request for the family named `name`.
pub fn family_request(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    push(&mut out, CTRL_ATTR_FAMILY_NAME, &string(name));
    out
}

/// The family id in a controller reply's attributes.
pub fn family_id(reply: &[u8]) -> Option<u16> {
    let data = find(&attr::parse(reply), CTRL_ATTR_FAMILY_ID)?;
    Some(u16::from_ne_bytes(data.get(..2)?.try_into().ok()?))
}

fn header(out: &mut Vec<u8>, index: u32) {
    push_nested(out, HEADER, |h| push(h, HEADER_DEV_INDEX, &index.to_ne_bytes()));
}

/// The attributes of a GET command (features or rings) for the device `index`.
pub fn get_request(index: u32) -> Vec<u8> {
    let mut out = Vec::new();
    header(&mut out, index);
    out
}

/// The attributes of a FEATURES_SET turning each named kernel feature on or off, leaving
/// the others as they are.
pub fn features_set_request(index: u32, changes: &[(&str, bool)]) -> Vec<u8> {
    let mut out = Vec::new();
    header(&mut out, index);
    push_nested(&mut out, FEATURES_WANTED, |set| {
        push_nested(set, BITSET_BITS, |bits| {
            for (name, on) in changes {
                push_nested(bits, BITS_BIT, |bit| {
                    push(bit, BIT_NAME, &string(name));
                    if *on {
                        push(bit, BIT_VALUE, &[]);
                    }
                });
            }
        });
    });
    out
}

/// The names of the active features in a FEATURES_GET reply's attributes.
pub fn active_features(reply: &[u8]) -> Option<BTreeSet<String>> {
    feature_names(reply, FEATURES_ACTIVE)
}

/// The names of the features the driver lets change, in a FEATURES_GET reply.
pub fn changeable_features(reply: &[u8]) -> Option<BTreeSet<String>> {
    feature_names(reply, FEATURES_HW)
}

fn feature_names(reply: &[u8], kind: u16) -> Option<BTreeSet<String>> {
    let set = attr::parse(find(&attr::parse(reply), kind)?);
    let nomask = find(&set, BITSET_NOMASK).is_some();
    let bits = attr::parse(find(&set, BITSET_BITS)?);
    let mut active = BTreeSet::new();
    for (_, bit) in bits.iter().filter(|(k, _)| *k == BITS_BIT) {
        let bit = attr::parse(bit);
        let on = nomask || find(&bit, BIT_VALUE).is_some();
        if let (true, Some(name)) = (on, find(&bit, BIT_NAME).and_then(text_of)) {
            active.insert(name.to_owned());
        }
    }
    Some(active)
}

/// A device's ring sizes: current and maximum, receive and transmit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rings {
    /// Receive descriptors.
    pub rx: u32,
    /// Transmit descriptors.
    pub tx: u32,
    /// The most receive descriptors the driver allows.
    pub rx_max: u32,
    /// The most transmit descriptors the driver allows.
    pub tx_max: u32,
}

/// The ring sizes in a RINGS_GET reply's attributes (absent values are 0).
pub fn rings(reply: &[u8]) -> Rings {
    let attrs = attr::parse(reply);
    let value = |kind| find(&attrs, kind).and_then(u32_of).unwrap_or(0);
    Rings { rx: value(RINGS_RX), tx: value(RINGS_TX), rx_max: value(RINGS_RX_MAX), tx_max: value(RINGS_TX_MAX) }
}

/// The attributes of a RINGS_SET for the given sizes.
pub fn rings_set_request(index: u32, rx: Option<u32>, tx: Option<u32>) -> Vec<u8> {
    let mut out = Vec::new();
    header(&mut out, index);
    for (kind, size) in [(RINGS_RX, rx), (RINGS_TX, tx)] {
        if let Some(size) = size {
            push(&mut out, kind, &size.to_ne_bytes());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feature_change_names_each_bit_and_flags_only_those_turned_on() {
        let request = features_set_request(3, &[("rx-gro", false), ("tx-tcp-segmentation", true)]);
        let top = attr::parse(&request);
        let header = attr::parse(find(&top, HEADER).expect("header"));
        assert_eq!(find(&header, HEADER_DEV_INDEX).and_then(u32_of), Some(3));
        let wanted = attr::parse(find(&top, FEATURES_WANTED).expect("wanted"));
        assert!(find(&wanted, BITSET_NOMASK).is_none(), "a mask: other features stay");
        let bits: Vec<Vec<(u16, &[u8])>> =
            attr::parse(find(&wanted, BITSET_BITS).expect("bits")).iter().map(|(_, b)| attr::parse(b)).collect();
        assert_eq!(find(&bits[0], BIT_NAME).and_then(text_of), Some("rx-gro"));
        assert!(find(&bits[0], BIT_VALUE).is_none());
        assert!(find(&bits[1], BIT_VALUE).is_some());
    }

    #[test]
    fn active_features_and_rings_are_read_from_replies() {
        let mut reply = Vec::new();
        header(&mut reply, 3);
        push_nested(&mut reply, FEATURES_ACTIVE, |set| {
            push(set, BITSET_NOMASK, &[]);
            push_nested(set, BITSET_BITS, |bits| {
                push_nested(bits, BITS_BIT, |bit| push(bit, BIT_NAME, &string("rx-gro")));
            });
        });
        assert_eq!(active_features(&reply), Some(BTreeSet::from(["rx-gro".to_owned()])));
        let mut reply = Vec::new();
        for (kind, value) in [(RINGS_RX_MAX, 4096u32), (RINGS_TX_MAX, 4096), (RINGS_RX, 256), (RINGS_TX, 512)] {
            push(&mut reply, kind, &value.to_ne_bytes());
        }
        assert_eq!(rings(&reply), Rings { rx: 256, tx: 512, rx_max: 4096, tx_max: 4096 });
        let request = rings_set_request(3, Some(1024), None);
        let set = attr::parse(&request);
        assert_eq!(find(&set, RINGS_RX).and_then(u32_of), Some(1024));
        assert!(find(&set, RINGS_TX).is_none());
    }
}
