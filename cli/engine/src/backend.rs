//! What the command set implements: running actions, and the hostname for the prompt.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::matcher::ArgValue;
use crate::node::ActionId;
use crate::prompt::{Mode, SubModeId};
use crate::value::Value;

/// Why a command failed; the engine prints it as `% <message>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// The command ran and failed; the message says why, for the operator.
    #[error("{0}")]
    Failed(String),
    /// The output could not be written (the session's transport failed).
    #[error("output failed")]
    Output,
}

impl From<fmt::Error> for CommandError {
    fn from(_: fmt::Error) -> Self {
        CommandError::Output
    }
}

/// One sub-mode level of the session: which command entered it, with which arguments
/// (e.g. the interface name of `interface eth0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The sub-mode entered.
    pub sub_mode: SubModeId,
    /// The action of the command that entered it.
    pub action: ActionId,
    /// That command's keywords, in full.
    pub keywords: Vec<&'static str>,
    /// That command's arguments.
    pub args: Vec<ArgValue>,
}

impl Frame {
    /// The value of the named argument of the command that entered this sub-mode.
    pub fn arg(&self, name: &str) -> Option<&Value> {
        self.args.iter().find(|a| a.name == name).map(|a| &a.value)
    }
}

/// A matched command, handed to the backend.
#[derive(Debug, Clone, Copy)]
pub struct Invocation<'a> {
    pub(crate) action: ActionId,
    pub(crate) negated: bool,
    pub(crate) mode: Mode,
    pub(crate) path: &'a [Frame],
    pub(crate) keywords: &'a [&'static str],
    pub(crate) args: &'a [ArgValue],
    pub(crate) text: Option<&'a str>,
}

impl<'a> Invocation<'a> {
    /// The action declared on the command's last word.
    pub fn action(&self) -> ActionId {
        self.action
    }

    /// Whether the line was the `no` form.
    pub fn negated(&self) -> bool {
        self.negated
    }

    /// The mode the command runs in.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The sub-modes the session is in, outermost first (empty outside sub-modes).
    pub fn path(&self) -> &'a [Frame] {
        self.path
    }

    /// The keywords of the line, spelled in full (`no` left out).
    pub fn keywords(&self) -> &'a [&'static str] {
        self.keywords
    }

    /// Whether the line contained this keyword (spelled in full).
    pub fn has_keyword(&self, keyword: &str) -> bool {
        self.keywords.contains(&keyword)
    }

    /// The arguments, in the order typed.
    pub fn args(&self) -> &'a [ArgValue] {
        self.args
    }

    /// The lines pasted after a command declared with [`Node::pastes`](crate::Node::pastes),
    /// each ended by `\n`, without the closing `quit`; `None` for other commands.
    pub fn text(&self) -> Option<&'a str> {
        self.text
    }

    /// The value of the named argument, if it was given.
    pub fn arg(&self, name: &str) -> Option<&'a Value> {
        self.args.iter().find(|a| a.name == name).map(|a| &a.value)
    }
}

/// The command set behind the engine.
pub trait Backend {
    /// The hostname shown in the prompt (read again for every prompt).
    fn hostname(&self) -> &str;

    /// Runs a command. Output goes to `out`; `\n` line ends are turned into `\r\n`, and
    /// control characters are neutralised. On success a command declared with
    /// [`Node::enters`](crate::Node::enters) enters its sub-mode.
    fn execute(&mut self, invocation: &Invocation<'_>, out: &mut dyn fmt::Write) -> Result<(), CommandError>;

    /// Called before each new prompt: the moment to pick up a hostname changed elsewhere
    /// (a commit in another session, an automatic rollback). Does nothing unless implemented.
    fn before_prompt(&mut self) {}

    /// Values Tab may complete for the argument `arg` after `keywords` (spelled in full),
    /// starting with `typed`: device ids, service names, users. Only the first few hundred
    /// are needed. None unless implemented.
    fn known_values(&self, keywords: &[&'static str], arg: &'static str, typed: &str) -> Vec<String> {
        let _ = (keywords, arg, typed);
        Vec::new()
    }

    /// Told after the session changed mode (e.g. to warn about an uncommitted candidate
    /// when leaving CONFIG mode). Does nothing unless implemented.
    fn mode_changed(&mut self, from: Mode, to: Mode, out: &mut dyn fmt::Write) {
        let _ = (from, to, out);
    }
}
