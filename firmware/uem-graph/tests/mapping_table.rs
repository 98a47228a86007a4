//! Every cell of complianceState × exchangeAccessState, and the access it leads to.

use postern_decision::{ComplianceAction, DeviceState, UemCapabilities, UemStatus};
use postern_uem_graph::{ComplianceState as C, ExchangeAccessState as E, GraphConnector, map_status};

const NOTIFY: UemStatus = UemStatus::NonCompliant(ComplianceAction::Notify);
const QUARANTINE: UemStatus = UemStatus::NonCompliant(ComplianceAction::Quarantine);
const BLOCK: UemStatus = UemStatus::NonCompliant(ComplianceAction::Block);
const BLOCKED: UemStatus = UemStatus::Blocked;
const OK: UemStatus = UemStatus::Compliant;

const EXCHANGE: [E; 6] = [E::None, E::Unknown, E::Allowed, E::Blocked, E::Quarantined, E::Unrecognised];

/// Rows: compliance state; columns: the exchange states above, in order. The README's
/// table says the same.
const TABLE: [(C, [UemStatus; 6]); 8] = [
    (C::Compliant, [OK, OK, OK, BLOCKED, QUARANTINE, BLOCK]),
    (C::InGracePeriod, [NOTIFY, NOTIFY, NOTIFY, BLOCKED, QUARANTINE, BLOCK]),
    (C::Noncompliant, [BLOCK, BLOCK, BLOCK, BLOCKED, BLOCK, BLOCK]),
    (C::Conflict, [BLOCK, BLOCK, BLOCK, BLOCKED, BLOCK, BLOCK]),
    (C::Error, [BLOCK, BLOCK, BLOCK, BLOCKED, BLOCK, BLOCK]),
    (C::Unknown, [BLOCK, BLOCK, BLOCK, BLOCKED, BLOCK, BLOCK]),
    (C::ConfigManager, [BLOCK, BLOCK, BLOCK, BLOCKED, BLOCK, BLOCK]),
    (C::Unrecognised, [BLOCK, BLOCK, BLOCK, BLOCKED, BLOCK, BLOCK]),
];

#[test]
fn every_cell_maps_as_documented() {
    for (compliance, row) in TABLE {
        for (exchange, expected) in EXCHANGE.into_iter().zip(row) {
            assert_eq!(map_status(compliance, exchange), expected, "{compliance:?} × {exchange:?}");
        }
    }
}

#[test]
fn only_compliant_and_grace_period_devices_get_in() {
    let caps = UemCapabilities::new(GraphConnector::settings().supports_quarantine);
    for (compliance, row) in TABLE {
        for (exchange, _) in EXCHANGE.into_iter().zip(row) {
            let state = map_status(compliance, exchange).state(caps);
            let admitted = matches!(compliance, C::Compliant | C::InGracePeriod)
                && matches!(exchange, E::None | E::Unknown | E::Allowed);
            assert_eq!(state.permits(), admitted, "{compliance:?} × {exchange:?} → {state:?}");
            if exchange == E::Blocked {
                assert_eq!(state, DeviceState::Blocked);
            }
            if exchange == E::Quarantined && admitted_without_exchange(compliance) {
                assert_eq!(state, DeviceState::Quarantined, "{compliance:?} × quarantined");
            }
        }
    }
}

fn admitted_without_exchange(c: C) -> bool {
    matches!(c, C::Compliant | C::InGracePeriod)
}

#[test]
fn intune_gives_no_outage_rule_and_honours_exchange_quarantine() {
    let s = GraphConnector::settings();
    assert_eq!(s.new_device_when_unreachable, None);
    assert!(s.supports_quarantine);
}
