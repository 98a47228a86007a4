//! `interface …` at commit: the committed interfaces are compared with those applied last,
//! and the difference is carried out over netlink by the privileged helper (or by posternd
//! itself when it runs as root). What cannot apply live (a DHCP client, a card's name) is
//! named by `show configuration pending-reload`, from the same plan.

use crate::binder::Binder;
use postern_config::Interface;
use postern_privileged_helper::Answer;

/// Changes the interfaces from `before` to `after` and logs the outcome; blocking.
pub(crate) fn apply(binder: &Binder, before: &[Interface], after: &[Interface]) {
    let not_live = postern_network::plan(before, after).not_live;
    match binder.apply_interfaces(before, after) {
        Ok(Answer::Applied { done, already, missing, refused }) => {
            tracing::info!(done, already, missing, refused, ?not_live, "interfaces applied at commit");
        }
        Ok(Answer::NotApplied { reason } | Answer::Malformed { reason } | Answer::Refused { reason, .. }) => {
            tracing::error!(%reason, "interfaces not applied; they apply at the next reload");
        }
        Ok(other) => tracing::error!(answer = ?other, "interfaces: unexpected answer from the privileged helper"),
        Err(reason) => tracing::error!(%reason, "interfaces not applied; they apply at the next reload"),
    }
}
