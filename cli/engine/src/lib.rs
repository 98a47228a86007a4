//! Sans-IO, `no_std` CONFIG-mode CLI engine: line editor, command grammar, modes and privilege.
#![no_std]

extern crate alloc;

mod backend;
mod editor;
mod grammar;
mod help;
mod history;
mod interactive;
mod keys;
mod matcher;
mod node;
mod output;
mod paste;
mod pipe;
mod privilege;
mod prompt;
mod pump;
mod report;
mod run;
mod session;
mod value;

pub use backend::{Backend, CommandError, Frame, Invocation};
pub use editor::LINE_MAX;
pub use grammar::{Grammar, GrammarBuilder, GrammarError, SubMode};
pub use history::HISTORY_LEN;
pub use matcher::ArgValue;
pub use node::{ActionId, Node};
pub use paste::PASTE_MAX;
pub use privilege::Privilege;
pub use prompt::{HOSTNAME_MAX, Mode, SubModeId};
pub use pump::{PumpError, pump};
pub use session::{Outcome, Session, SessionError, SessionEvent};
pub use value::{ArgKind, Value};
