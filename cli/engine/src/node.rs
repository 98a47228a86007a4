//! Nodes of the command tree: keywords and arguments, with what runs where.

use alloc::vec::Vec;

use crate::privilege::Privilege;
use crate::prompt::SubModeId;
use crate::value::ArgKind;

/// Identifies a command for the backend; the engine never interprets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActionId(pub u16);

/// Commands the engine runs itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Builtin {
    Enable,
    Disable,
    Configure,
    Exit,
    End,
    Help,
    ShowHistory,
}

/// What a complete command line runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Builtin(Builtin),
    Backend(ActionId),
}

/// A word of the command tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    Keyword(&'static str),
    Arg { name: &'static str, kind: ArgKind },
}

/// One node of a command tree: a keyword or an argument, its help text, the action a line
/// ending here runs (plain and `no` forms), the privilege it needs, the sub-mode it enters,
/// and the words that may follow it.
///
/// ```
/// use postern_cli_engine::{ActionId, ArgKind, Node};
/// const HOSTNAME: ActionId = ActionId(1);
/// let node = Node::keyword("hostname", "Set the system's network name")
///     .no_action(HOSTNAME)
///     .child(Node::arg("WORD", ArgKind::Word { max_len: 63 }, "This system's network name").both(HOSTNAME));
/// # let _ = node;
/// ```
#[derive(Debug, Clone)]
pub struct Node {
    pub(crate) token: Token,
    pub(crate) help: &'static str,
    pub(crate) run: Option<Action>,
    pub(crate) run_no: Option<Action>,
    pub(crate) privilege: Privilege,
    pub(crate) enters: Option<SubModeId>,
    /// A plain-form line ending here collects pasted lines for its action.
    pub(crate) pastes: bool,
    pub(crate) children: Vec<Node>,
    /// Set when the grammar is built: some line through this node runs in the plain form.
    pub(crate) reach_yes: bool,
    /// Set when the grammar is built: some line through this node runs in the `no` form.
    pub(crate) reach_no: bool,
}

impl Node {
    fn new(token: Token, help: &'static str) -> Self {
        Self {
            token,
            help,
            run: None,
            run_no: None,
            privilege: Privilege::Operator,
            enters: None,
            pastes: false,
            children: Vec::new(),
            reach_yes: false,
            reach_no: false,
        }
    }

    /// A keyword, matched in full or by an unambiguous prefix.
    pub fn keyword(word: &'static str, help: &'static str) -> Self {
        Self::new(Token::Keyword(word), help)
    }

    /// An argument; `name` is what help shows (`WORD`, `A.B.C.D/N`; integers show their range).
    pub fn arg(name: &'static str, kind: ArgKind, help: &'static str) -> Self {
        Self::new(Token::Arg { name, kind }, help)
    }

    /// A line ending at this node runs `id` (plain form).
    pub fn action(mut self, id: ActionId) -> Self {
        self.run = Some(Action::Backend(id));
        self
    }

    /// A line `no …` ending at this node runs `id` with the `no` flag set.
    pub fn no_action(mut self, id: ActionId) -> Self {
        self.run_no = Some(Action::Backend(id));
        self
    }

    /// Both [`Node::action`] and [`Node::no_action`].
    pub fn both(self, id: ActionId) -> Self {
        self.action(id).no_action(id)
    }

    /// This node and everything below it need at least `privilege`.
    pub fn privilege(mut self, privilege: Privilege) -> Self {
        self.privilege = privilege;
        self
    }

    /// A successful plain-form run at this node enters the sub-mode.
    pub fn enters(mut self, sub_mode: SubModeId) -> Self {
        self.enters = Some(sub_mode);
        self
    }

    /// A plain-form line ending at this node collects the lines that follow, up to a line
    /// `quit` (at most [`PASTE_MAX`](crate::PASTE_MAX) bytes), and only then runs its
    /// action, with that text as [`Invocation::text`](crate::Invocation::text): a PEM
    /// certificate pasted into the session, for example.
    pub fn pastes(mut self) -> Self {
        self.pastes = true;
        self
    }

    /// Adds one following word.
    pub fn child(mut self, node: Node) -> Self {
        self.children.push(node);
        self
    }

    /// Adds several following words.
    pub fn children(mut self, nodes: impl IntoIterator<Item = Node>) -> Self {
        self.children.extend(nodes);
        self
    }

    pub(crate) fn builtin(word: &'static str, help: &'static str, builtin: Builtin) -> Self {
        let mut node = Self::keyword(word, help);
        node.run = Some(Action::Builtin(builtin));
        node
    }

    /// The keyword, if this node is one.
    pub(crate) fn keyword_text(&self) -> Option<&'static str> {
        match self.token {
            Token::Keyword(k) => Some(k),
            Token::Arg { .. } => None,
        }
    }

    /// The name shown in errors about this node.
    pub(crate) fn label(&self) -> &'static str {
        match self.token {
            Token::Keyword(k) => k,
            Token::Arg { name, .. } => name,
        }
    }

    /// The action for the form, if a line may end here.
    pub(crate) fn runs(&self, negated: bool) -> Option<Action> {
        if negated { self.run_no } else { self.run }
    }

    /// Whether a line in this form can pass through this node.
    pub(crate) fn reaches(&self, negated: bool) -> bool {
        if negated { self.reach_no } else { self.reach_yes }
    }
}
