//! Process set-up of the daemons: giving up root after the listeners are bound, and the
//! open-file limit.

mod privileges;

pub use privileges::{DroppedPrivileges, ProcessError, drop_privileges, raise_open_file_limit};
