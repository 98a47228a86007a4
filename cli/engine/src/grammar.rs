//! The command set: per-mode command trees, sub-modes, and their validation.

use alloc::vec::Vec;

use crate::node::{Builtin, Node, Token};
use crate::privilege::Privilege;
use crate::prompt::{Mode, SubModeId};
use crate::value::ArgKind;

/// A grammar that cannot be used, found when it is built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GrammarError {
    /// A command or a sub-mode refers to a sub-mode that was not declared.
    #[error("sub-mode {id} is not declared")]
    UnknownSubMode {
        /// The sub-mode's id.
        id: u8,
    },
    /// Two sub-modes share an id.
    #[error("sub-mode {id} is declared twice")]
    DuplicateSubMode {
        /// The sub-mode's id.
        id: u8,
    },
    /// A sub-mode's parent is not CONFIG mode or an earlier sub-mode.
    #[error("sub-mode {id} must have CONFIG mode or an earlier sub-mode as its parent")]
    BadParent {
        /// The sub-mode's id.
        id: u8,
    },
    /// A keyword, argument name or label is empty or holds spaces or non-printable bytes.
    #[error("{word:?} is not a valid word (printable ASCII, no spaces)")]
    BadWord {
        /// The offending word.
        word: &'static str,
    },
    /// `no` is reserved at the top of configuration modes.
    #[error("{word:?} is reserved by the engine")]
    Reserved {
        /// The offending word.
        word: &'static str,
    },
    /// A word runs nothing and nothing follows it.
    #[error("{word:?} runs no action and has nothing after it")]
    DeadEnd {
        /// The offending word.
        word: &'static str,
    },
    /// A rest-of-line argument has words after it.
    #[error("rest-of-line argument {name:?} cannot have words after it")]
    RestHasChildren {
        /// The argument's name.
        name: &'static str,
    },
    /// An argument accepts nothing (empty range, no choices, zero length).
    #[error("argument {name:?} accepts no value")]
    EmptyArgument {
        /// The argument's name.
        name: &'static str,
    },
    /// A command enters a sub-mode whose parent is not the command's mode.
    #[error("{word:?} enters sub-mode {id}, whose parent is another mode")]
    WrongParent {
        /// The command's word.
        word: &'static str,
        /// The sub-mode's id.
        id: u8,
    },
}

/// A configuration sub-mode: its id, the label shown in the prompt, and its parent mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubMode {
    /// The sub-mode's id.
    pub id: SubModeId,
    /// Shown in the prompt, e.g. `config-if` for `host(config-if)#`.
    pub label: &'static str,
    /// CONFIG mode or another sub-mode.
    pub parent: Mode,
}

/// A complete, validated command set, shared by all sessions.
#[derive(Debug, Clone)]
pub struct Grammar {
    modes: Vec<(Mode, Vec<Node>)>,
    sub_modes: Vec<SubMode>,
}

/// Collects sub-modes and commands, then validates them into a [`Grammar`].
#[derive(Debug, Default)]
pub struct GrammarBuilder {
    sub_modes: Vec<SubMode>,
    commands: Vec<(Mode, Node)>,
}

impl Grammar {
    /// Starts an empty command set (the engine's own commands are added by `build`).
    pub fn builder() -> GrammarBuilder {
        GrammarBuilder::default()
    }

    /// The command trees available in a mode (engine commands included).
    pub(crate) fn roots(&self, mode: Mode) -> &[Node] {
        self.modes.iter().find(|(m, _)| *m == mode).map_or(&[], |(_, nodes)| nodes)
    }

    /// A declared sub-mode.
    pub fn sub_mode(&self, id: SubModeId) -> Option<&SubMode> {
        self.sub_modes.iter().find(|s| s.id == id)
    }

    /// The mode `exit` leads to from a configuration mode.
    pub fn parent(&self, mode: Mode) -> Option<Mode> {
        match mode {
            Mode::Exec => None,
            Mode::Privileged => Some(Mode::Exec),
            Mode::Config => Some(Mode::Privileged),
            Mode::Sub(id) => self.sub_mode(id).map(|s| s.parent),
        }
    }
}

impl GrammarBuilder {
    /// Declares a sub-mode (its parent must be CONFIG mode or a sub-mode declared before).
    pub fn sub_mode(mut self, id: SubModeId, label: &'static str, parent: Mode) -> Self {
        self.sub_modes.push(SubMode { id, label, parent });
        self
    }

    /// Adds a command tree to each of the given modes; trees that share a first keyword are
    /// merged (the first declaration's help and actions win).
    pub fn command(mut self, modes: &[Mode], node: Node) -> Self {
        for mode in modes {
            self.commands.push((*mode, node.clone()));
        }
        self
    }

    /// Validates and builds the command set.
    pub fn build(self) -> Result<Grammar, GrammarError> {
        let mut declared: Vec<SubMode> = Vec::new();
        for sub in &self.sub_modes {
            if declared.iter().any(|d| d.id == sub.id) {
                return Err(GrammarError::DuplicateSubMode { id: sub.id.0 });
            }
            let parent_ok = match sub.parent {
                Mode::Config => true,
                Mode::Sub(p) => declared.iter().any(|d| d.id == p),
                Mode::Exec | Mode::Privileged => false,
            };
            if !parent_ok {
                return Err(GrammarError::BadParent { id: sub.id.0 });
            }
            check_word(sub.label)?;
            declared.push(*sub);
        }
        let mut modes: Vec<(Mode, Vec<Node>)> = [Mode::Exec, Mode::Privileged, Mode::Config]
            .into_iter()
            .chain(declared.iter().map(|s| Mode::Sub(s.id)))
            .map(|m| (m, builtins(m)))
            .collect();
        for (mode, node) in self.commands {
            if node.keyword_text() == Some("no") && mode.is_config() {
                return Err(GrammarError::Reserved { word: "no" });
            }
            let roots = match modes.iter_mut().find(|(m, _)| *m == mode) {
                Some((_, roots)) => roots,
                None => return Err(GrammarError::UnknownSubMode { id: sub_id(mode) }),
            };
            merge(roots, node);
        }
        for (mode, roots) in &mut modes {
            for node in roots.iter_mut() {
                finish(node, *mode, Privilege::Operator, &declared)?;
            }
        }
        Ok(Grammar { modes, sub_modes: declared })
    }
}

fn sub_id(mode: Mode) -> u8 {
    match mode {
        Mode::Sub(id) => id.0,
        _ => 0,
    }
}

/// The engine's own commands in each mode.
fn builtins(mode: Mode) -> Vec<Node> {
    let help = Node::builtin("help", "Description of the interactive help system", Builtin::Help);
    let history = || {
        Node::keyword("show", "Show running system information").child(Node::builtin(
            "history",
            "Commands typed in this session",
            Builtin::ShowHistory,
        ))
    };
    match mode {
        Mode::Exec => alloc::vec![
            Node::builtin("enable", "Turn on privileged commands", Builtin::Enable),
            Node::builtin("exit", "Exit from the EXEC", Builtin::Exit),
            help,
            history(),
        ],
        Mode::Privileged => alloc::vec![
            Node::builtin("configure", "Enter configuration mode", Builtin::Configure).child(Node::builtin(
                "terminal",
                "Configure from the terminal",
                Builtin::Configure
            )),
            Node::builtin("disable", "Turn off privileged commands", Builtin::Disable),
            Node::builtin("exit", "Exit from the EXEC", Builtin::Exit),
            help,
            history(),
        ],
        Mode::Config | Mode::Sub(_) => alloc::vec![
            Node::builtin("end", "Exit from configuration mode", Builtin::End),
            Node::builtin("exit", "Exit from the current mode", Builtin::Exit),
            help,
        ],
    }
}

/// Adds `node` to `into`, merging it with a node of the same word.
fn merge(into: &mut Vec<Node>, node: Node) {
    match into.iter_mut().find(|n| n.token == node.token) {
        Some(existing) => {
            existing.run = existing.run.or(node.run);
            existing.run_no = existing.run_no.or(node.run_no);
            existing.enters = existing.enters.or(node.enters);
            existing.pastes |= node.pastes;
            existing.privilege = existing.privilege.max(node.privilege);
            for child in node.children {
                merge(&mut existing.children, child);
            }
        }
        None => into.push(node),
    }
}

fn check_word(word: &'static str) -> Result<(), GrammarError> {
    if word.is_empty() || !word.bytes().all(|b| (0x21..0x7f).contains(&b)) || word.contains('?') {
        return Err(GrammarError::BadWord { word });
    }
    Ok(())
}

/// Validates a tree and fills in inherited privilege and reachability.
fn finish(node: &mut Node, mode: Mode, inherited: Privilege, subs: &[SubMode]) -> Result<(), GrammarError> {
    node.privilege = node.privilege.max(inherited);
    check_word(node.label())?;
    if let Token::Arg { name, kind } = &node.token {
        let empty = match kind {
            ArgKind::Word { max_len } | ArgKind::Rest { max_len } => *max_len == 0,
            ArgKind::Integer { min, max } => min > max,
            ArgKind::OneOf(choices) => choices.is_empty() || choices.iter().any(|c| check_word(c).is_err()),
            _ => false,
        };
        if empty {
            return Err(GrammarError::EmptyArgument { name });
        }
        if kind.is_rest() && !node.children.is_empty() {
            return Err(GrammarError::RestHasChildren { name });
        }
    }
    if let Some(id) = node.enters {
        let sub = subs.iter().find(|s| s.id == id).ok_or(GrammarError::UnknownSubMode { id: id.0 })?;
        if sub.parent != mode {
            return Err(GrammarError::WrongParent { word: node.label(), id: id.0 });
        }
    }
    if node.run.is_none() && node.run_no.is_none() && node.children.is_empty() {
        return Err(GrammarError::DeadEnd { word: node.label() });
    }
    node.reach_yes = node.run.is_some();
    node.reach_no = node.run_no.is_some();
    let privilege = node.privilege;
    for child in &mut node.children {
        finish(child, mode, privilege, subs)?;
        node.reach_yes |= child.reach_yes;
        node.reach_no |= child.reach_no;
    }
    Ok(())
}
