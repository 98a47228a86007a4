//! The A/B system slots on the EFI system partition: boot entries with systemd-boot's tries counters, slot versions, marking good and bad, and the anti-rollback floor.

mod entry_name;
mod error;
mod esp;
mod floor;
mod slot;

pub use entry_name::{EntryName, EntryState};
pub use error::SlotError;
pub use esp::{Esp, SlotInfo, SlotVersion, entry_text};
pub use floor::RollbackFloor;
pub use slot::{CMDLINE_KEY, Slot};
