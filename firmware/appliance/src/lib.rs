//! The running appliance: configuration store, gateway (decisions, cache, check-ins),
//! data-plane listeners, Host Checker, endpoint agents, Access, update agent and logs,
//! wired into one daemon that `posternd` starts.
//!
//! The daemon is the default feature `daemon`. Without it, the crate is only [`setup`]:
//! the gateway built from the configuration, for programs that run the access service
//! without the daemon's listeners and CLI transport (`postern-demo`).

// The daemon's modules; without the feature `daemon` the crate is `setup` alone.
cfg_if::cfg_if! {
    if #[cfg(feature = "daemon")] {
        mod accs_store;
        mod accs_sync;
        mod agent;
        mod agent_connection;
        mod agent_sessions;
        mod args;
        mod as_root;
        mod binder;
        mod checkins;
        mod cli_services;
        mod cli_sessions;
        mod confirmations;
        mod daemon;
        mod data_plane;
        mod error;
        mod helper_mode;
        mod host_checker;
        mod host_checker_listener;
        mod host_checker_sasl;
        mod host_checker_session;
        mod host_checker_sessions;
        mod https_client;
        mod identity_fallback;
        mod interfaces_live;
        mod listener_slot;
        mod live;
        mod live_access;
        mod management;
        mod management_live;
        mod patch_list_fetch;
        mod patch_list_store;
        mod posture_access;
        mod posture_cuts;
        mod posture_results;
        mod proxy_protocol;
        mod remediation_hook;
        mod remediation_queue;
        mod sign_in_failures;
        mod sign_in_reports;
        mod sign_in_upload;
        mod sign_ins;
        mod state;
        mod tls;
        mod uem_settings;

        mod serve;
    }
}
#[cfg(feature = "federation")]
mod federation;
#[cfg(all(feature = "daemon", not(feature = "federation")))]
#[path = "federation_absent.rs"]
mod federation;
#[cfg(feature = "federation")]
mod revocation;
#[cfg(feature = "federation")]
mod revocation_calls;

pub mod setup;

#[cfg(feature = "daemon")]
pub use args::Args;
#[cfg(feature = "daemon")]
pub use helper_mode::privileged_helper;
#[cfg(feature = "daemon")]
pub use serve::{mark_started, serve};
