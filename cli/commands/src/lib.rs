//! Postern's command set for the CONFIG-mode CLI: the grammar, and a backend over the configuration store and the device cache.

mod accs;
mod actions;
mod agent;
mod appliance;
mod backend;
mod cache_commands;
mod completion;
mod configure;
mod grammar;
mod host_checker;
mod host_checker_patch_list;
mod host_checker_roles;
mod host_checker_sasl;
mod host_checker_webhook;
mod imports;
mod interfaces;
mod live;
mod render;
mod services;
mod show;
mod software;
mod test_access;
mod tls;

pub use accs::AccsControl;
pub use appliance::{Appliance, CheckinStatus, Clock, FactoryReset, ManagementStatus, VERSION};
pub use backend::CliBackend;
pub use grammar::postern_grammar;
pub use host_checker::HostCheckerStatus;
pub use host_checker_patch_list::PatchListControl;
pub use services::Services;
pub use tls::{ServedTls, TlsControl, TlsSource};
