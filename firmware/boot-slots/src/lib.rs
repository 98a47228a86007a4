//! The A/B system slots on the EFI system partition: boot entries with systemd-boot's tries counters, slot versions, marking good and bad.

mod entry_name;
mod error;
mod esp;
mod slot;

pub use entry_name::{EntryName, EntryState};
pub use error::SlotError;
pub use esp::{Esp, SlotInfo, SlotVersion, entry_text};
pub use slot::{CMDLINE_KEY, Slot};
