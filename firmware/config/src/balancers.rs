//! `proxy_protocol_from` of a data-plane listener: the load balancers allowed to put a
//! PROXY protocol header in front of their connections.

use crate::net_checks;
use crate::validation::{Problem, Report};

/// Most entries of a `proxy_protocol_from` list.
pub const BALANCERS_MAX: usize = 64;

/// Checks a `proxy_protocol_from` list: at most [`BALANCERS_MAX`] prefixes, each
/// `network/prefix` without host bits.
pub(crate) fn check(at: &str, prefixes: &[String], report: &mut Report) {
    if prefixes.len() > BALANCERS_MAX {
        report.check(
            at,
            "proxy_protocol_from",
            Err(Problem::AboveMax { value: prefixes.len() as u64, max: BALANCERS_MAX as u64 }),
        );
    }
    for (i, prefix) in prefixes.iter().enumerate() {
        if let Err(problem) = net_checks::prefix(prefix) {
            report.push(format!("{at}.proxy_protocol_from[{i}]"), problem);
        }
    }
}
