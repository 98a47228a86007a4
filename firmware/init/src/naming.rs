//! Interfaces named by the configuration: a card matched by its Ethernet address or PCI
//! address (`match_mac`, `match_pci`) gets the configured name before it is configured,
//! so that a reboot or an added card does not renumber it.

use postern_config::Interface;
use postern_rtnetlink::{Request, Routing, RoutingError};
use std::path::Path;
use std::time::{Duration, Instant};

/// Where the kernel lists network interfaces.
const SYS_NET: &str = "/sys/class/net";
/// How long init waits for the matched cards' drivers to register them.
const CARD_WAIT: Duration = Duration::from_secs(5);

/// A network interface as the kernel shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Card {
    pub(crate) name: String,
    pub(crate) index: u32,
    /// Lower-case, `aa:bb:cc:dd:ee:ff`.
    pub(crate) mac: String,
    /// `0000:00:03.0`, for a card on PCI.
    pub(crate) pci: Option<String>,
}

/// Whether `card` is the one `interface` names.
fn matches(interface: &Interface, card: &Card) -> bool {
    match (&interface.match_mac, &interface.match_pci) {
        (Some(mac), _) => mac.eq_ignore_ascii_case(&card.mac),
        (None, Some(pci)) => card.pci.as_deref().is_some_and(|p| p.eq_ignore_ascii_case(pci)),
        (None, None) => false,
    }
}

/// The renames that give each matched card its configured name: (index, new name). A card
/// that holds a wanted name without being matched takes the name the matched card leaves.
/// Also returns the configured names whose card is not present.
pub(crate) fn plan(cards: &[Card], interfaces: &[Interface]) -> (Vec<(u32, String)>, Vec<String>) {
    let mut renames: Vec<(u32, String)> = Vec::new();
    let mut missing = Vec::new();
    for interface in interfaces.iter().filter(|i| i.match_mac.is_some() || i.match_pci.is_some()) {
        let Some(card) = cards.iter().find(|c| matches(interface, c)) else {
            missing.push(interface.name.clone());
            continue;
        };
        if card.name == interface.name {
            continue;
        }
        renames.push((card.index, interface.name.clone()));
        let matched = |c: &Card| interfaces.iter().any(|i| matches(i, c));
        if let Some(holder) = cards.iter().find(|c| c.name == interface.name && !matched(c)) {
            renames.push((holder.index, card.name.clone()));
        }
    }
    (renames, missing)
}

/// Reads the interfaces under `root` (a `/sys/class/net` tree).
pub(crate) fn read_cards(root: &Path) -> Vec<Card> {
    let Ok(entries) = std::fs::read_dir(root) else { return Vec::new() };
    let mut cards = Vec::new();
    for entry in entries.flatten() {
        let dir = entry.path();
        let read = |file: &str| std::fs::read_to_string(dir.join(file)).ok().map(|t| t.trim().to_owned());
        let Some(index) = read("ifindex").and_then(|i| i.parse().ok()) else { continue };
        // The device's path in sysfs names the PCI function it sits on, even behind a
        // virtio or VMBus device: the last component shaped like `0000:00:03.0`.
        let pci = std::fs::canonicalize(dir.join("device")).ok().and_then(|path| {
            path.components().filter_map(|c| c.as_os_str().to_str().map(str::to_owned)).rfind(|c| is_pci(c))
        });
        cards.push(Card {
            name: entry.file_name().to_string_lossy().into_owned(),
            index,
            mac: read("address").unwrap_or_default().to_ascii_lowercase(),
            pci,
        });
    }
    cards
}

fn is_pci(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 12
        && b[4] == b':'
        && b[7] == b':'
        && b[10] == b'.'
        && text.split([':', '.']).all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_hexdigit()))
}

/// Renames the matched cards, waiting a little for their drivers; a card not found or a
/// rename the kernel refuses is logged, and that interface is then missing.
pub(crate) fn apply(interfaces: &[Interface]) {
    let start = Instant::now();
    let (renames, missing) = loop {
        let (renames, missing) = plan(&read_cards(Path::new(SYS_NET)), interfaces);
        if missing.is_empty() || start.elapsed() >= CARD_WAIT {
            break (renames, missing);
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    for name in missing {
        tracing::error!(interface = %name, "no network card matches this interface");
    }
    if renames.is_empty() {
        return;
    }
    if let Err(error) = rename(&renames) {
        tracing::error!(%error, "interfaces not renamed");
    }
}

/// Through temporary names first, so that cards may swap names.
fn rename(renames: &[(u32, String)]) -> Result<(), RoutingError> {
    let mut routing = Routing::open()?;
    for (index, _) in renames {
        routing.send(&Request::LinkDown { index: *index }, "setting a link down to rename it")?;
        let name = format!("pt-rename{index}");
        routing.send(&Request::Rename { index: *index, name }, "renaming a link")?;
    }
    for (index, name) in renames {
        routing.send(&Request::Rename { index: *index, name: name.clone() }, &format!("renaming a link to {name}"))?;
        tracing::info!(index, interface = %name, "network card named by the configuration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(name: &str, index: u32, mac: &str, pci: &str) -> Card {
        Card { name: name.into(), index, mac: mac.into(), pci: Some(pci.into()) }
    }

    fn by(name: &str, mac: Option<&str>, pci: Option<&str>) -> Interface {
        Interface { match_mac: mac.map(Into::into), match_pci: pci.map(Into::into), ..Interface::named(name) }
    }

    #[test]
    fn matched_cards_get_their_names_and_a_holder_of_a_wanted_name_steps_aside() {
        let cards = [
            card("eth0", 2, "52:54:00:12:34:57", "0000:00:03.0"),
            card("eth1", 3, "52:54:00:12:34:56", "0000:00:09.0"),
        ];
        let wanted = [by("wan", Some("52:54:00:12:34:56"), None), by("lan", None, Some("0000:00:03.0"))];
        assert_eq!(plan(&cards, &wanted), (vec![(3, "wan".into()), (2, "lan".into())], vec![]));
        // Named as configured already: nothing to do (a reboot).
        let named = [card("wan", 3, "52:54:00:12:34:56", "0000:00:09.0")];
        assert_eq!(plan(&named, &wanted[..1]), (vec![], vec![]));
        // eth0 wanted for the card the kernel called eth1: the card called eth0 takes eth1.
        let swap = [by("eth0", Some("52:54:00:12:34:56"), None)];
        assert_eq!(plan(&cards, &swap), (vec![(3, "eth0".into()), (2, "eth1".into())], vec![]));
        // A MAC in upper case still matches; an absent card is reported.
        let absent = [
            by("wan", Some("52:54:00:12:34:56".to_uppercase().as_str()), None),
            by("dmz", Some("02:00:00:00:00:01"), None),
        ];
        assert_eq!(plan(&cards, &absent), (vec![(3, "wan".into())], vec!["dmz".into()]));
        // An interface without a match is the kernel's name: nothing renamed.
        assert_eq!(plan(&cards, &[Interface::named("eth0")]), (vec![], vec![]));
    }

    #[test]
    fn pci_addresses_are_recognised_in_device_paths() {
        assert!(is_pci("0000:00:03.0") && is_pci("0000:af:1f.7"));
        assert!(!is_pci("virtio0") && !is_pci("pci0000:00") && !is_pci("0000:00:03"));
    }

    #[test]
    fn a_sysfs_tree_is_read_with_the_pci_address_behind_a_virtio_device() {
        let root = tempfile::tempdir().expect("dir");
        let devices = root.path().join("devices/pci0000:00/0000:00:09.0/virtio1");
        std::fs::create_dir_all(&devices).expect("device");
        let eth = root.path().join("net/eth1");
        std::fs::create_dir_all(&eth).expect("eth1");
        std::fs::write(eth.join("ifindex"), "3\n").expect("ifindex");
        std::fs::write(eth.join("address"), "52:54:00:12:34:56\n").expect("address");
        std::os::unix::fs::symlink(&devices, eth.join("device")).expect("link");
        let cards = read_cards(&root.path().join("net"));
        assert_eq!(cards, [card("eth1", 3, "52:54:00:12:34:56", "0000:00:09.0")]);
    }
}
